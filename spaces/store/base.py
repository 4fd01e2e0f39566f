"""What any store offers the app and the CLI (the Store protocol), what an import hands it, and its description."""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Protocol

import pandas as pd

from .access import Actor
from .audit import Action
from .history import LogEntry
from .rows import ChangeCounts


class ValidatedRows(Protocol):
    """Rows for one layer, already checked against its schema, as an import hands them to the store.

    ``frame`` holds the layer's canonical columns in EPSG:4326; ``file`` names where they came from (the
    import log records it) and ``source_crs`` the CRS they were read in, if any. The intake's ``Intake``
    is one.
    """

    @property
    def layer(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def frame(self) -> pd.DataFrame: ...
    @property
    def source_crs(self) -> str | None: ...


class Store(Protocol):
    """What the app and the CLI need from a store; a PostGIS backend would implement the same."""

    location: str

    def exists(self) -> bool: ...
    def version(self) -> str: ...
    def read_layer(self, layer: str) -> pd.DataFrame: ...
    def read_all(self) -> dict[str, pd.DataFrame]: ...
    def initialise(self, layers: dict[str, pd.DataFrame], *, dataset: str, actor: Actor) -> None: ...
    def upsert(self, validated: ValidatedRows, *, actor: Actor) -> ChangeCounts: ...
    def update_row(self, layer: str, row_id: str | tuple[str, ...], values: dict, *, file: str, source: str,
                   actor: Actor, detail: str = "") -> ChangeCounts: ...
    def undo_last(self, *, actor: Actor, expected_id: int | None = None) -> LogEntry: ...
    def next_undo(self) -> LogEntry | None: ...
    def import_log(self) -> pd.DataFrame: ...
    def roles(self) -> pd.DataFrame: ...
    def audit_log(self) -> pd.DataFrame: ...
    def set_role(self, user: str, role: str | None, districts: object = (), *, actor: Actor) -> str: ...
    def record(self, action: Action, *, actor: Actor, detail: str = "", once: bool = False) -> None: ...
    def meta(self) -> dict[str, str]: ...


def describe_store(store: Store) -> dict:
    """Counts per layer and metadata, for ``python -m spaces info`` and the Data page."""
    layers = store.read_all()
    return {
        "location": store.location,
        "meta": store.meta(),
        "layers": {name: int(len(frame)) for name, frame in layers.items()},
        "sources": {name: frame["source"].value_counts().to_dict() if "source" in frame else {}
                    for name, frame in layers.items()},
    }


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def store_name(location: str) -> str:
    """What visitors may see of a store's location: its file name, never the folders on the server.

    Examples
    --------
    >>> store_name("/srv/ningbo/data/spaces.gpkg")
    'spaces.gpkg'
    """
    return PurePath(location).name
