"""Where each layer's rows came from: source (sample / import / default), file and time."""

from __future__ import annotations

from enum import StrEnum

import pandas as pd


class DataSource(StrEnum):
    """What a set of layers holds: the simulated sample, planners' imports, both, or nothing.

    The values are the codes written into exports (``data_source`` columns and metadata).

    Examples
    --------
    >>> DataSource.MIXED.is_sample, DataSource.MIXED.catalogue_key
    (True, 'mixed')
    """

    SAMPLE = "sample"
    IMPORTED = "imported"
    MIXED = "mixed (sample + imported)"
    EMPTY = "empty"

    @property
    def is_sample(self) -> bool:
        """True when any of it is simulated, so every view and export must say so."""
        return self in (DataSource.SAMPLE, DataSource.MIXED)

    @property
    def catalogue_key(self) -> str:
        """The ``data_source_<key>`` text of the catalogue that names it for a planner."""
        return "mixed" if self is DataSource.MIXED else self.value


def data_source(layers: dict[str, pd.DataFrame]) -> DataSource:
    """The :class:`DataSource` of ``layers`` (a store's content), from the rows' ``source``; the allocations,
    which every store holds by default, do not count."""
    sources = set()
    for name, frame in layers.items():
        if name == "allocations" or "source" not in frame.columns or not len(frame):
            continue
        sources |= set(frame["source"].dropna().unique())
    if not sources:
        return DataSource.EMPTY
    if sources == {"sample"}:
        return DataSource.SAMPLE
    if "sample" in sources:
        return DataSource.MIXED
    return DataSource.IMPORTED


def layer_provenance(layers: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``layer, source, source_file, rows, last_imported_at`` per layer and source file; empty layers show 0 rows."""
    rows = []
    for name, frame in layers.items():
        if not len(frame):
            rows.append({"layer": name, "source": "", "source_file": "", "rows": 0, "last_imported_at": ""})
            continue
        grouped = frame.assign(source_file=frame["source_file"].fillna(""),
                               imported_at=frame["imported_at"].fillna("")).groupby(["source", "source_file"])
        for (source, source_file), group in grouped:
            rows.append({"layer": name, "source": source, "source_file": source_file, "rows": len(group),
                         "last_imported_at": group["imported_at"].max()})
    return pd.DataFrame(rows, columns=["layer", "source", "source_file", "rows", "last_imported_at"])
