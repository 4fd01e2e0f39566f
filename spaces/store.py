"""The layer store: one GeoPackage (EPSG:4326) that QGIS can open, written atomically."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from glob import escape as glob_escape
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from .crs import STORAGE_CRS
from .errors import StoreError
from .intake import Intake
from .paths import default_store_location
from .schema import PROVENANCE_COLUMNS, LayerSchema, load_schemas

LOG_TABLE = "import_log"
META_TABLE = "spaces_meta"
GEOMETRY_TYPES = {("polygon",): "MultiPolygon", ("point",): "Point", ("polygon", "point"): "Unknown"}
STALE_TEMP_SECONDS = 3600
TEMP_SUFFIX = ".tmp.gpkg"
# Lock-free reads of every layer tried before a reader waits for the writer (see read_all).
OPTIMISTIC_READS = 3


@dataclass(frozen=True)
class ChangeCounts:
    """What an import did to one layer."""

    layer: str
    added: int
    updated: int
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


class Store(Protocol):
    """What the app and the CLI need from a store; a PostGIS backend would implement the same."""

    location: str

    def exists(self) -> bool: ...
    def version(self) -> str: ...
    def read_layer(self, layer: str) -> pd.DataFrame: ...
    def read_all(self) -> dict[str, pd.DataFrame]: ...
    def initialise(self, layers: dict[str, pd.DataFrame], *, dataset: str) -> None: ...
    def upsert(self, intake: Intake) -> ChangeCounts: ...
    def import_log(self) -> pd.DataFrame: ...
    def meta(self) -> dict[str, str]: ...


def open_store(location: str | None = None) -> Store:
    """The store at ``location`` (a path, or a URL), else ``$SPACES_STORE``, else ``data/spaces.gpkg``."""
    location = location or default_store_location()
    if location.startswith(("postgresql://", "postgres://")):
        raise StoreError(f"{location.split('@')[-1]}: the PostGIS store is not built yet; use a .gpkg path")
    return GeoPackageStore(Path(location))


def empty_layer(schema: LayerSchema) -> pd.DataFrame:
    """A zero-row frame with the layer's canonical columns and dtypes."""
    columns = {name: pd.Series(dtype=_dtype(column.type)) for name, column in schema.columns.items()}
    for name in PROVENANCE_COLUMNS:
        columns[name] = pd.Series(dtype=object)
    if "polygon" in schema.geometry:
        columns["area_mu"] = pd.Series(dtype=float)
    frame = pd.DataFrame(columns)
    if schema.is_spatial:
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=STORAGE_CRS))
    return frame


def _dtype(kind: str):
    return {"int": "Int64", "year": "Int64", "float": float, "bool": bool}.get(kind, object)


def canonical(frame: pd.DataFrame, schema: LayerSchema) -> pd.DataFrame:
    """``frame`` with schema columns cast to their canonical dtypes (so stored and new rows compare)."""
    out = frame.copy()
    for name, column in schema.columns.items():
        if name not in out.columns:
            out[name] = None
        kind = column.type
        if kind in ("int", "year"):
            out[name] = pd.to_numeric(out[name], errors="coerce").round().astype("Int64")
        elif kind == "float":
            out[name] = pd.to_numeric(out[name], errors="coerce").astype(float)
        elif kind == "bool":
            out[name] = out[name].fillna(False).astype(bool)
        else:
            out[name] = _as_text(out[name])
    for name in out.columns:
        if name in schema.columns or name == "geometry" or name == "area_mu" or name == "area_mu_supplied":
            continue
        if out[name].dtype == object or str(out[name].dtype) in ("str", "string"):
            out[name] = _as_text(out[name])
    if "area_mu" in out.columns:
        out["area_mu"] = pd.to_numeric(out["area_mu"], errors="coerce").astype(float)
    return out


def _as_text(values: pd.Series) -> pd.Series:
    # Built by hand: Series.map turns a returned None back into NaN, and text must be str or None.
    as_object = values.astype(object)
    missing = as_object.isna().to_numpy()
    texts = [None if gone else str(value) for value, gone in zip(as_object.to_numpy(), missing, strict=True)]
    return pd.Series(texts, index=values.index, dtype=object)


class GeoPackageStore:
    """A GeoPackage holding one table per layer, an import log and a little metadata.

    Every write copies the file, changes the copy and renames it over the original while holding
    an exclusive lock, so a failed or interrupted write leaves the store as it was, two writers
    queue, and a reader sees either the old file or the new one, never a mixture.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.location = str(self.path)

    # -- reading -----------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.exists()

    def version(self) -> str:
        """Changes whenever the store is rewritten (inode and modification time)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return "missing"
        return f"{stat.st_ino}-{stat.st_mtime_ns}-{stat.st_size}"

    def _require(self) -> None:
        if not self.exists():
            raise StoreError(f"{self.path}: no store here; run `python -m spaces init --sample` or `--empty` first")

    def read_layer(self, layer: str) -> pd.DataFrame:
        self._require()
        return self._read_layer_from(self.path, layer)

    def read_all(self) -> dict[str, pd.DataFrame]:
        """Every layer, all from the same version of the file.

        Writers replace the file whole, so a read needs no lock unless a write lands between two
        layers; after a few such clashes the reader waits for the writer and holds the next one off.
        """
        self._require()
        for _attempt in range(OPTIMISTIC_READS):
            before = self.version()
            layers = self._read_every_layer()
            if self.version() == before:
                return layers
        if not os.access(self.path.parent, os.W_OK):  # no lock file can be made in a read-only folder
            raise StoreError(f"{self.path}: the store kept changing while being read; try again")
        with self._locked(shared=True):
            self._require()
            return self._read_every_layer()

    def _read_every_layer(self) -> dict[str, pd.DataFrame]:
        return {name: self._read_layer_from(self.path, name) for name in load_schemas()}

    def _read_layer_from(self, path: Path, layer: str) -> pd.DataFrame:
        schema = load_schemas()[layer]
        try:
            frame = pyogrio.read_dataframe(path, layer=layer, use_arrow=True)
        except (DataLayerError, DataSourceError) as exc:
            if "not found" in str(exc).lower() or isinstance(exc, DataLayerError):
                return empty_layer(schema)
            raise StoreError(f"{path}: cannot read layer {layer!r}: {exc}") from exc
        if schema.is_spatial:
            if not isinstance(frame, gpd.GeoDataFrame):
                frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame), crs=STORAGE_CRS))
            frame = frame.set_crs(STORAGE_CRS, allow_override=True)
        return canonical(frame, schema)

    def import_log(self) -> pd.DataFrame:
        self._require()
        try:
            return pyogrio.read_dataframe(self.path, layer=LOG_TABLE)
        except (DataLayerError, DataSourceError):
            return pd.DataFrame(columns=["time", "file", "layer", "crs", "added", "updated", "unchanged"])

    def meta(self) -> dict[str, str]:
        if not self.exists():
            return {}
        try:
            table = pyogrio.read_dataframe(self.path, layer=META_TABLE)
        except (DataLayerError, DataSourceError):
            return {}
        return dict(zip(table["key"], table["value"], strict=True))

    # -- writing -----------------------------------------------------------------------------
    @contextmanager
    def _locked(self, *, shared: bool = False) -> Iterator[None]:
        """Writers hold the lock exclusively for a whole write; a waiting reader holds it shared."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextmanager
    def _transaction(self, *, start_empty: bool = False) -> Iterator[Path]:
        """A private copy of the store to change; renamed over the store when the block succeeds."""
        self._remove_stale_temporaries()
        temporary = self.path.with_name(f".{self.path.stem}.{uuid.uuid4().hex}{TEMP_SUFFIX}")
        try:
            if not start_empty and self.exists():
                with open(self.path, "rb") as src, open(temporary, "wb") as dst:
                    while chunk := src.read(16 << 20):
                        dst.write(chunk)
            yield temporary
            if self.exists():  # keep the store's permissions: a shared store is often group-writable
                shutil.copymode(self.path, temporary)
            with open(temporary, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(temporary, self.path)
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        finally:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{temporary}{suffix}").unlink(missing_ok=True)

    def _remove_stale_temporaries(self) -> None:
        # Left by a writer that was killed mid-write (with SQLite's journal beside them); the
        # store itself was never touched. Only this store's names: another store may share the folder.
        own = re.compile(rf"\.{re.escape(self.path.stem)}\.[0-9a-f]{{32}}{re.escape(TEMP_SUFFIX)}(-journal|-wal|-shm)?")
        for leftover in self.path.parent.glob(f".{glob_escape(self.path.stem)}.*{TEMP_SUFFIX}*"):
            if not own.fullmatch(leftover.name):
                continue
            try:
                age = time.time() - leftover.stat().st_mtime
            except FileNotFoundError:
                continue
            if age > STALE_TEMP_SECONDS:
                leftover.unlink(missing_ok=True)

    def initialise(self, layers: dict[str, pd.DataFrame], *, dataset: str) -> None:
        """Replace the whole store with ``layers`` (missing layers are created empty)."""
        schemas = load_schemas()
        with self._locked(), self._transaction(start_empty=True) as target:
            for name, schema in schemas.items():
                frame = layers.get(name)
                frame = empty_layer(schema) if frame is None else canonical(frame, schema)
                _write_layer(target, name, frame, schema)
            _write_table(target, LOG_TABLE, pd.DataFrame(
                [{"time": _now(), "file": f"init ({dataset})", "layer": "*", "crs": STORAGE_CRS,
                  "added": int(sum(len(f) for f in layers.values())), "updated": 0, "unchanged": 0}]))
            _write_table(target, META_TABLE, pd.DataFrame(
                {"key": ["dataset", "created_at", "schema_version"], "value": [dataset, _now(), "1"]}))

    def upsert(self, intake: Intake) -> ChangeCounts:
        """Insert new ids and update changed rows of ``intake.layer``; rows not in the file stay.

        Importing the same file twice changes nothing (the second time nothing is written).
        """
        schema = load_schemas()[intake.layer]
        with self._locked():
            self._require()
            existing = self._read_layer_from(self.path, intake.layer)
            incoming = canonical(intake.frame, schema)
            incoming["source"] = "import"
            incoming["source_file"] = intake.file
            incoming["imported_at"] = _now()
            merged, counts = _merge(existing, incoming, schema)
            if not counts.changed:
                return counts
            log = pd.concat([self.import_log(), pd.DataFrame([{
                "time": _now(), "file": intake.file, "layer": intake.layer, "crs": intake.source_crs or "",
                "added": counts.added, "updated": counts.updated, "unchanged": counts.unchanged}])],
                ignore_index=True)
            with self._transaction() as target:
                _write_layer(target, intake.layer, merged, schema)
                _write_table(target, LOG_TABLE, log)
            return counts


def _merge(existing: pd.DataFrame, incoming: pd.DataFrame, schema: LayerSchema):
    keys = list(schema.id_columns)
    existing_keys = existing[keys].astype(str).agg("\x1f".join, axis=1) if len(existing) else pd.Series(dtype=str)
    incoming_keys = incoming[keys].astype(str).agg("\x1f".join, axis=1)
    position = pd.Series(np.arange(len(existing)), index=existing_keys.to_numpy())
    known = incoming_keys.isin(position.index).to_numpy()
    compared = [c for c in incoming.columns if c not in PROVENANCE_COLUMNS and c != "geometry"]
    same = np.zeros(len(incoming), dtype=bool)
    if known.any():
        old = existing.iloc[position[incoming_keys[known]].to_numpy()].reset_index(drop=True)
        new = incoming[known].reset_index(drop=True)
        equal = np.ones(len(new), dtype=bool)
        for column in compared:
            if column not in old.columns:
                equal &= new[column].isna().to_numpy()
                continue
            equal &= _values_equal(old[column], new[column])
        if schema.is_spatial:
            equal &= _geometries_equal(old.geometry.to_numpy(), new.geometry.to_numpy())
        same[known] = equal
    added = int((~known).sum())
    updated = int((known & ~same).sum())
    counts = ChangeCounts(schema.name, added=added, updated=updated, unchanged=int(same.sum()))
    replaced = existing_keys.isin(incoming_keys[known & ~same]).to_numpy()
    kept = existing[~replaced]
    merged = pd.concat([kept, incoming[~same]], ignore_index=True)
    if schema.is_spatial:
        merged = gpd.GeoDataFrame(merged, geometry="geometry", crs=STORAGE_CRS)
    return canonical(merged, schema), counts


def _values_equal(old: pd.Series, new: pd.Series) -> np.ndarray:
    old_missing, new_missing = old.isna().to_numpy(), new.isna().to_numpy()
    both_missing = old_missing & new_missing
    if pd.api.types.is_float_dtype(old) or pd.api.types.is_float_dtype(new):
        a = pd.to_numeric(old, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        b = pd.to_numeric(new, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        return both_missing | np.isclose(a, b, rtol=1e-9, atol=1e-9)
    # Missing values become None first: comparing pd.NA (nullable Int64 years) has no truth value.
    a = np.where(old_missing, None, old.astype(object).to_numpy())
    b = np.where(new_missing, None, new.astype(object).to_numpy())
    equal = np.fromiter((x == y for x, y in zip(a, b, strict=True)), dtype=bool, count=len(a))
    return both_missing | (equal & (old_missing == new_missing))


def _single_part(geometries: np.ndarray) -> np.ndarray:
    """One-part MultiPolygons as Polygons: the store promotes every polygon to multi on write."""
    geometries = geometries.copy()
    one_part = (shapely.get_type_id(geometries) == 6) & (shapely.get_num_geometries(geometries) == 1)
    geometries[one_part] = shapely.get_geometry(geometries[one_part], 0)
    return geometries


def _geometries_equal(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    old, new = _single_part(old), _single_part(new)
    old_missing, new_missing = shapely.is_missing(old), shapely.is_missing(new)
    equal = np.zeros(len(old), dtype=bool)
    both = ~old_missing & ~new_missing
    equal[both] = shapely.equals_exact(old[both], new[both], tolerance=1e-10)
    return equal | (old_missing & new_missing)


def _write_layer(path: Path, name: str, frame: pd.DataFrame, schema: LayerSchema) -> None:
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object and column != "geometry":
            frame[column] = _as_text(frame[column])
    if schema.is_spatial:
        geometry_type = GEOMETRY_TYPES[schema.geometry]
        pyogrio.write_dataframe(gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_CRS), path,
                                layer=name, driver="GPKG", geometry_type=geometry_type,
                                promote_to_multi=geometry_type == "MultiPolygon")
    else:
        _write_table(path, name, pd.DataFrame(frame))


def _write_table(path: Path, name: str, frame: pd.DataFrame) -> None:
    pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
