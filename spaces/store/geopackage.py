"""The layer store: one GeoPackage (EPSG:4326) that QGIS can open, written atomically, with undo."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
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

from spaces.errors import Problem, StoreError, ValidationError
from spaces.geo.crs import STORAGE_CRS
from spaces.intake.validation import Intake
from spaces.paths import default_store_location
from spaces.reference.schema import PROVENANCE_COLUMNS, LayerSchema, load_schemas

from . import history
from . import sql as gpkg_sql
from .history import (
    FID_COLUMN,
    LOG_COLUMNS,
    LOG_TABLE,
    POSITION_COLUMN,
    LogEntry,
    Undo,
    forget_undo,
    has_undo,
    last_standing,
    load_undo,
    normalised_log,
    remember_undo,
    restore,
    undo_for,
)
from .rows import (
    KEY_SEPARATOR,
    ChangeCounts,
    align_columns,
    as_text,
    canonical,
    empty_layer,
    merge_rows,
    row_keys,
    same_values,
    values_equal,
)

META_TABLE = "spaces_meta"
GEOMETRY_TYPES = {("polygon",): "MultiPolygon", ("point",): "Point", ("polygon", "point"): "Unknown"}
# What GeoPackage's gpkg_geometry_columns says for each geometry type GDAL is told to write.
DECLARED_GEOMETRY_TYPES = {"MultiPolygon": "MULTIPOLYGON", "Point": "POINT", "Unknown": "GEOMETRY"}
STALE_TEMP_SECONDS = 3600
TEMP_SUFFIX = ".tmp.gpkg"
# Lock-free reads of every layer tried before a reader waits for the writer (see read_all).
OPTIMISTIC_READS = 3
# An undo of at most this many replaced rows that moved nothing is done with SQL on those rows alone.
IN_PLACE_UNDO_ROWS = 1000
# An import reads only the stored rows it names while it holds at most this share of the layer's rows.
PART_IMPORT_SHARE = 0.25


class Store(Protocol):
    """What the app and the CLI need from a store; a PostGIS backend would implement the same."""

    location: str

    def exists(self) -> bool: ...
    def version(self) -> str: ...
    def read_layer(self, layer: str) -> pd.DataFrame: ...
    def read_all(self) -> dict[str, pd.DataFrame]: ...
    def initialise(self, layers: dict[str, pd.DataFrame], *, dataset: str) -> None: ...
    def upsert(self, intake: Intake) -> ChangeCounts: ...
    def update_row(self, layer: str, row_id: str | tuple[str, ...], values: dict, *, file: str, source: str,
                   detail: str = "") -> ChangeCounts: ...
    def undo_last(self, *, expected_id: int | None = None) -> LogEntry: ...
    def next_undo(self) -> LogEntry | None: ...
    def import_log(self) -> pd.DataFrame: ...
    def meta(self) -> dict[str, str]: ...


def open_store(location: str | None = None) -> Store:
    """The store at ``location`` (a path, or a URL), else ``$SPACES_STORE``, else ``data/spaces.gpkg``."""
    location = location or default_store_location()
    if location.startswith(("postgresql://", "postgres://")):
        raise StoreError(f"{location.split('@')[-1]}: the PostGIS store is not built yet; use a .gpkg path")
    return GeoPackageStore(Path(location))


class GeoPackageStore:
    """A GeoPackage holding one table per layer, an import log and a little metadata.

    Every write copies the file, changes the copy and renames it over the original while holding
    an exclusive lock, so a failed or interrupted write leaves the store as it was, two writers
    queue, and a reader sees either the old file or the new one, never a mixture.

    A status update (:meth:`update_row`) and its undo change the copy with SQL on the one row, and an
    import deletes the rows it replaces and appends its new and changed rows (``in_place``), when
    that stores exactly what rewriting the layer would. ``in_place=False`` rewrites the layer for every
    change, as the store did before: the reference the in-place writes are tested and timed against.
    """

    def __init__(self, path: Path, *, in_place: bool = True):
        self.path = Path(path)
        self.location = str(self.path)
        self.in_place = in_place

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
        return _read_canonical(path, layer)

    def import_log(self) -> pd.DataFrame:
        """Every recorded change, oldest first: ``id, time, file, layer, crs, added, updated, unchanged,
        detail, undone_at`` (``undone_at`` is empty while a change stands)."""
        self._require()
        try:
            log = pyogrio.read_dataframe(self.path, layer=LOG_TABLE)
        except (DataLayerError, DataSourceError):
            log = pd.DataFrame(columns=list(LOG_COLUMNS))
        return normalised_log(log)

    def next_undo(self) -> LogEntry | None:
        """The change :meth:`undo_last` would undo now, or None when there is none it can undo."""
        if not self.exists():
            return None
        entry = last_standing(self.import_log())
        if entry is None or not has_undo(self.path, entry.id):
            return None
        return entry

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
                # In the kernel (sendfile): at a million plots the copy is most of an in-place write.
                shutil.copyfile(self.path, temporary)
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
            # A new store starts a new history: nothing before it can be undone.
            _write_table(target, LOG_TABLE, normalised_log(pd.DataFrame(
                [{"id": 1, "time": _now(), "file": f"init ({dataset})", "layer": "*", "crs": STORAGE_CRS,
                  "added": int(sum(len(f) for f in layers.values())), "updated": 0, "unchanged": 0}])))
            _write_table(target, META_TABLE, pd.DataFrame(
                {"key": ["dataset", "created_at", "schema_version"], "value": [dataset, _now(), "1"]}))

    def upsert(self, intake: Intake) -> ChangeCounts:
        """Insert new ids and update changed rows of ``intake.layer``; rows not in the file stay.

        Importing the same file twice changes nothing (the second time nothing is written). The
        import is recorded in the import log and can be undone (:meth:`undo_last`). In place, only the
        stored rows the file names are read (:meth:`_upsert_part`) when that is enough to store what a
        rewrite would; otherwise the whole layer is read and merged.
        """
        schema = load_schemas()[intake.layer]
        with self._locked():
            self._require()
            table = _table(self.path, schema)
            counts = self._upsert_part(intake, schema, table) if self.in_place else None
            if counts is not None:
                return counts
            existing = self._read_layer_from(self.path, intake.layer)
            merged, counts, replaced, added = _merge(existing, intake, schema)
            if not counts.changed:
                return counts
            appending = _appending(table, schema, existing, merged, replaced) if self.in_place else None
            undo = undo_for(existing, merged, schema, replaced=replaced, added=added,
                            extent=_recorded_extent(self.path, schema.name), fids=_fids_of(table, existing))
            self._commit(schema, undo, counts=counts, file=intake.file, crs=intake.source_crs or "",
                         layer=None if appending else merged, appending=appending)
            return counts

    def _upsert_part(self, intake: Intake, schema: LayerSchema, table: _Table | None) -> ChangeCounts | None:
        """:meth:`upsert` reading only the stored rows whose ids the file holds (lock held); None when
        only the whole layer tells what a rewrite would store.

        The merge of those rows with the file gives the counts, the replaced rows and the rows to append,
        as the merge of the whole layer does: untouched rows take no part in it. What the rest of the
        layer could change is checked from the table instead: its columns' declared types (only schema
        columns, whose dtypes do not depend on the values, and text or real extras), its feature ids
        (the places of the replaced rows) and its recorded extent (deleted rows must not lie on it).
        """
        if (table is None or not len(table.fids) or not _addressable(schema)
                or len(intake.frame) > PART_IMPORT_SHARE * len(table.fids)):
            return None
        extras = [name for name in table.declared if name not in schema.columns
                  and name not in (table.pk, "area_mu", *(table.geometry or ())[:1])]
        if any(table.declared[name] not in ("TEXT", "REAL") for name in extras):
            return None  # an INTEGER extra reads as int64 or float64 depending on the rows: read them all
        recorded = _recorded_extent(self.path, schema.name)
        if schema.is_spatial and recorded is None:
            return None
        keys = row_keys(canonical(intake.frame, schema), schema)
        wanted = [value for value in (_id_values(schema, key) for key in keys) if value is not None]
        with closing(gpkg_sql.connect(self.path, read_only=True)) as db:
            fids = np.array(sorted(gpkg_sql.find_fids(db, schema.name, schema.id_columns, wanted).values()),
                            dtype="int64")
        existing = _read_canonical(self.path, schema.name, fids=fids)
        if len(existing) != len(fids):
            return None
        merged, counts, replaced, added = _merge(existing, intake, schema)
        if not counts.changed:
            return counts
        if not _same_columns(merged, existing):
            return None  # a new or retyped column: the rewrite (and its undo) need the whole layer
        if not _appends_alike(table, schema, merged):
            return None
        rows = merged.iloc[len(existing) - len(replaced):].reset_index(drop=True)
        extent = None
        if schema.is_spatial:
            known, extent = _extent_after(recorded, existing.geometry.to_numpy()[replaced], rows.geometry.to_numpy())
            if not known:
                return None
        gone = fids[replaced]
        undo = Undo(schema.name, "rows", len(table.fids), existing.iloc[replaced].assign(**{
            POSITION_COLUMN: np.searchsorted(table.fids, gone), FID_COLUMN: gone}), added, recorded)
        self._commit(schema, undo, counts=counts, file=intake.file, crs=intake.source_crs or "",
                     appending=_Appending(gone, rows, extent))
        return counts

    def update_row(self, layer: str, row_id: str | tuple[str, ...], values: dict, *, file: str, source: str,
                   detail: str = "") -> ChangeCounts:
        """Set ``values`` (canonical, already validated) on the row ``row_id`` of ``layer``, in place.

        The row's provenance becomes ``source`` / ``file``; the change is recorded like an import
        (``file`` in the log, ``detail`` saying what changed) and can be undone. Values equal to the
        stored ones change nothing and write nothing. An unknown id raises :class:`ValidationError`.
        Only the row is read and, in the copy that replaces the store, only the row is changed; a
        value that would change a column's type (text in a column of numbers) rewrites the layer.
        """
        schema = load_schemas()[layer]
        key = KEY_SEPARATOR.join(row_id) if isinstance(row_id, tuple) else str(row_id)
        with self._locked():
            self._require()
            if not self.in_place or not _addressable(schema):
                return self._update_row_rewriting(schema, key, row_id, values, file=file, source=source,
                                                  detail=detail)
            found = _locate(self.path, schema, [key])
            if found is None:
                raise _unknown_row(schema, row_id, file)
            before = found.rows
            after = before.copy()
            for name, value in values.items():
                after.iloc[0, after.columns.get_loc(name)] = value
            if all(values_equal(before[name], after[name]).all() for name in values):
                return ChangeCounts(layer, added=0, updated=0, unchanged=1)
            for name, value in (("source", source), ("source_file", file), ("imported_at", _now())):
                after.iloc[0, after.columns.get_loc(name)] = value
            after = canonical(after, schema)
            retyped = any(after[name].dtype != before[name].dtype for name in before.columns)
            updates = None if retyped else _sql_updates(found, after, [*values, *PROVENANCE_COLUMNS])
            if updates is None:
                return self._update_row_rewriting(schema, key, row_id, values, file=file, source=source,
                                                  detail=detail)
            counts = ChangeCounts(layer, added=0, updated=1, unchanged=0)
            change_id, log = self._log_with(layer, counts, file=file, crs="", detail=detail)
            undo = Undo(layer, "rows", found.row_count,
                        before.assign(**{POSITION_COLUMN: found.positions, FID_COLUMN: found.fids}), [],
                        _recorded_extent(self.path, layer))
            with self._transaction() as target:
                _write_table(target, LOG_TABLE, log)
                _update_in_place(target, schema, updates)
                remember_undo(target, change_id, undo)
            return counts

    def _update_row_rewriting(self, schema: LayerSchema, key: str, row_id: str | tuple[str, ...], values: dict, *,
                              file: str, source: str, detail: str) -> ChangeCounts:
        """:meth:`update_row` by reading and rewriting the whole layer (lock held)."""
        existing = self._read_layer_from(self.path, schema.name)
        matches = np.flatnonzero(row_keys(existing, schema).to_numpy() == key)
        if not len(matches):
            raise _unknown_row(schema, row_id, file)
        position = int(matches[0])
        changed = existing.copy()
        for name, value in values.items():
            changed.iloc[position, changed.columns.get_loc(name)] = value
        before, after = existing.iloc[[position]], changed.iloc[[position]]
        if all(values_equal(before[name], after[name]).all() for name in values):
            return ChangeCounts(schema.name, added=0, updated=0, unchanged=1)
        for name, value in (("source", source), ("source_file", file), ("imported_at", _now())):
            changed.iloc[position, changed.columns.get_loc(name)] = value
        changed = canonical(changed, schema)
        counts = ChangeCounts(schema.name, added=0, updated=1, unchanged=0)
        undo = undo_for(existing, changed, schema, replaced=np.array([position]), added=[],
                        extent=_recorded_extent(self.path, schema.name),
                        fids=_fids_of(_table(self.path, schema), existing))
        self._commit(schema, undo, counts=counts, file=file, crs="", detail=detail, layer=changed)
        return counts

    def undo_last(self, *, expected_id: int | None = None) -> LogEntry:
        """Put the layer the last standing change touched back exactly as it was before it.

        Rows the change added are deleted, rows it replaced are restored with their values,
        geometry and place in the table, columns it brought are dropped. The log keeps the entry,
        marked with ``undone_at``. Called again, it undoes the change before (up to
        :data:`UNDO_DEPTH` changes back); an undo itself cannot be undone (import the file again).
        ``expected_id`` guards a button: the undo happens only if that change is still the last.
        Raises :class:`StoreError` when there is nothing to undo. Written atomically under the lock.
        """
        with self._locked():
            self._require()
            log = self.import_log()
            entry = last_standing(log)
            if entry is None:
                raise StoreError(f"{self.path}: nothing to undo: no import or status update since the store "
                                 "was initialised (or all of them were undone)")
            if expected_id is not None and entry.id != expected_id:
                raise StoreError(f"{self.path}: the last change is now #{entry.id} ({entry.file}), "
                                 f"not #{expected_id}; nothing was undone")
            undo = load_undo(self.path, entry.id)
            if undo is None:
                raise StoreError(f"{self.path}: the last change #{entry.id} ({entry.file}, {entry.time}) can no "
                                 f"longer be undone: only the last {history.UNDO_DEPTH} changes keep what they replaced")
            schema = load_schemas()[undo.layer]
            updates = _restoring_updates(self.path, undo, schema) if self.in_place else None
            restoring = _restoring_rows(self.path, undo, schema) if self.in_place and updates is None else None
            restored = None
            if updates is None and restoring is None:
                current = self._read_layer_from(self.path, undo.layer)
                restored = restore(current, undo, schema, store=self.path)
            undone_at = _now()
            log.loc[log["id"] == entry.id, "undone_at"] = undone_at
            with self._transaction() as target:
                if restored is not None:
                    _write_layer(target, undo.layer, restored, schema)
                elif restoring is not None:
                    _restore_rows(target, schema, restoring)
                _write_table(target, LOG_TABLE, log)
                if updates is not None:
                    _update_in_place(target, schema, updates)
                forget_undo(target, entry.id)
            return replace(entry, undone_at=undone_at)

    def _commit(self, schema: LayerSchema, undo: Undo, *, counts: ChangeCounts, file: str, crs: str,
                detail: str = "", layer: pd.DataFrame | None = None, appending: _Appending | None = None) -> None:
        """Write a change with its log entry and what undoing it needs (lock held): the whole ``layer``, or
        the deletes and appends of ``appending``."""
        change_id, log = self._log_with(schema.name, counts, file=file, crs=crs, detail=detail)
        with self._transaction() as target:
            if layer is not None:
                _write_layer(target, schema.name, layer, schema)
            else:
                _replace_rows(target, schema, appending)
            _write_table(target, LOG_TABLE, log)
            remember_undo(target, change_id, undo)

    def _log_with(self, layer: str, counts: ChangeCounts, *, file: str, crs: str,
                  detail: str) -> tuple[int, pd.DataFrame]:
        """The next change's id and the import log with its entry added (lock held)."""
        log = self.import_log()
        change_id = int(log["id"].max()) + 1 if len(log) else 1
        entry = {"id": change_id, "time": _now(), "file": file, "layer": layer, "crs": crs,
                 "added": counts.added, "updated": counts.updated, "unchanged": counts.unchanged,
                 "detail": detail, "undone_at": None}
        return change_id, normalised_log(pd.concat([log, pd.DataFrame([entry])], ignore_index=True))


def _unknown_row(schema: LayerSchema, row_id: str | tuple[str, ...], file: str) -> ValidationError:
    id_label = "+".join(schema.id_columns)
    return ValidationError(file, [Problem("error", file, f"no row of layer {schema.name!r} has this {id_label}",
                                          feature_id=str(row_id), column=id_label, value=str(row_id),
                                          key="unknown_row", params={"layer": schema.name, "id_label": id_label})])


def _merge(existing: pd.DataFrame, intake: Intake, schema: LayerSchema):
    """:func:`merge_rows` of ``existing`` and the file, its rows stamped as imported now."""
    incoming = canonical(align_columns(intake.frame, existing), schema)
    incoming["source"] = "import"
    incoming["source_file"] = intake.file
    incoming["imported_at"] = _now()
    return merge_rows(existing, incoming, schema)


def _extent_after(recorded: tuple[float, ...], removed: np.ndarray,
                  added: np.ndarray) -> tuple[bool, tuple[float, ...] | None]:
    """The extent a rewrite records once the geometries ``removed`` are deleted from a layer whose
    recorded extent is ``recorded`` (``()``: none) and ``added`` are appended, as ``(True, extent)``
    (extent None: no geometry); ``(False, None)`` when a removed geometry may be what set it."""
    def rounded(values) -> np.ndarray:  # as GDAL records it (gpkg_sql.set_extent)
        return np.array([float(f"{value:.16g}") for value in values])

    if recorded and len(removed):
        bounds = shapely.bounds(removed)
        bounds = bounds[~np.isnan(bounds).any(axis=1)]
        for box in bounds:
            low, high = rounded(box[:2]), rounded(box[2:])
            if (low <= np.array(recorded[:2])).any() or (high >= np.array(recorded[2:])).any():
                return False, None
    boxes = [np.array(recorded)] if recorded else []
    new = shapely.total_bounds(added) if len(added) else np.full(4, np.nan)
    if not np.isnan(new).any():
        boxes.append(rounded(new))
    if not boxes:
        return True, None
    stacked = np.vstack(boxes)
    return True, (*(float(v) for v in stacked[:, :2].min(axis=0)), *(float(v) for v in stacked[:, 2:].max(axis=0)))


def _read_canonical(path: Path, layer: str, *, where: str | None = None,
                    fids: np.ndarray | None = None) -> pd.DataFrame:
    """The layer (or the rows ``where`` selects, an SQLite condition, or the features ``fids``) with canonical
    columns and dtypes, in feature id order."""
    schema = load_schemas()[layer]
    if fids is not None and not len(fids):
        where, fids = "0", None  # no row, every column
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, use_arrow=True, where=where,
                                       fids=None if fids is None else np.sort(fids))
    except (DataLayerError, DataSourceError) as exc:
        if "not found" in str(exc).lower() or isinstance(exc, DataLayerError):
            return empty_layer(schema)
        raise StoreError(f"{path}: cannot read layer {layer!r}: {exc}") from exc
    if schema.is_spatial:
        if not isinstance(frame, gpd.GeoDataFrame):
            frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame), crs=STORAGE_CRS))
        frame = frame.set_crs(STORAGE_CRS, allow_override=True)
    return canonical(frame, schema)


# -- changing rows in place ----------------------------------------------------------------------
@dataclass(frozen=True)
class _Located:
    """Rows of a layer found by id and read alone: where they are and what they hold."""

    fids: list[int]  # GeoPackage feature ids, in the order the rows were asked for
    positions: list[int]  # places in the layer as it is read (feature id order)
    row_count: int  # rows in the layer
    rows: pd.DataFrame  # canonical, in the order asked for, every column of the layer
    declared: dict[str, str]  # each stored column's declared SQL type


def _addressable(schema: LayerSchema) -> bool:
    """Whether SQL finds a row by its id as :func:`row_keys` matches it (text or whole-number ids)."""
    return all(schema.columns[name].type not in ("float", "bool") for name in schema.id_columns)


def _id_values(schema: LayerSchema, key: str) -> tuple | None:
    """``key`` (ids joined as :func:`row_keys` joins them) as stored in the id columns; None when no stored
    row can have it (``2024.0`` or ``02024`` for a year: the canonical text of a year is ``2024``)."""
    parts = key.split(KEY_SEPARATOR)
    if len(parts) != len(schema.id_columns):
        return None
    values = []
    for name, part in zip(schema.id_columns, parts, strict=True):
        if schema.columns[name].type in ("int", "year"):
            if not re.fullmatch(r"-?[0-9]+", part) or str(int(part)) != part:
                return None
            values.append(int(part))
        else:
            values.append(part)
    return tuple(values)


def _locate(path: Path, schema: LayerSchema, keys: list[str]) -> _Located | None:
    """The rows of ``schema``'s layer with ids ``keys``, found by SQL and read alone; None if one is missing."""
    wanted = [_id_values(schema, key) for key in keys]
    if not wanted or any(value is None for value in wanted):
        return None
    with closing(gpkg_sql.connect(path, read_only=True)) as db:
        try:
            found = gpkg_sql.find_fids(db, schema.name, schema.id_columns, wanted)
        except sqlite3.OperationalError:  # a layer that was never written has no table
            return None
        if len(found) != len(set(wanted)):
            return None
        fids = [found[value] for value in wanted]
        positions = gpkg_sql.positions(db, schema.name, fids)
        row_count = gpkg_sql.row_count(db, schema.name)
        declared = gpkg_sql.column_types(db, schema.name)
        pk = gpkg_sql.primary_key(db, schema.name)
    unique = sorted(set(fids))
    rows = _read_canonical(path, schema.name, where=f"{gpkg_sql.quoted(pk)} IN ({', '.join(map(str, unique))})")
    if len(rows) != len(unique):
        return None
    # The rows come in feature id order; put them in the order asked for.
    rows = rows.iloc[np.searchsorted(unique, fids)].reset_index(drop=True)
    return _Located(fids, positions, row_count, rows, declared)


def _sql_updates(found: _Located, rows: pd.DataFrame, columns: list[str]) -> list[tuple[int, dict]] | None:
    """``(fid, {column: SQL value})`` setting ``columns`` of ``rows`` on the rows ``found``; None when a
    value would not be stored the way GDAL writes it (so the layer must be rewritten)."""
    for name in columns:
        kind = gpkg_sql.value_kind(rows[name].dtype)
        if kind is None or not gpkg_sql.storable(kind, found.declared.get(name, "")):
            return None
    try:
        return [(fid, {name: gpkg_sql.sql_value(rows[name].iloc[i]) for name in columns})
                for i, fid in enumerate(found.fids)]
    except TypeError:  # text columns hold str or None; anything else goes through a rewrite
        return None


def _update_in_place(path: Path, schema: LayerSchema, updates: list[tuple[int, dict]]) -> None:
    """Apply ``updates`` (:func:`_sql_updates`) to the copy being written, in one SQLite transaction."""
    with closing(gpkg_sql.connect(path)) as db, db:
        # Stores made before the index existed get it on their first in-place write.
        gpkg_sql.ensure_id_index(db, schema.name, schema.id_columns)
        for fid, values in updates:
            if values:
                gpkg_sql.update_values(db, schema.name, fid, values)
        gpkg_sql.touch(db, schema.name)


def _restoring_updates(path: Path, undo: Undo, schema: LayerSchema) -> list[tuple[int, dict]] | None:
    """SQL updates that undo ``undo`` in place, or None when the layer must be rewritten.

    In place only when the change replaced rows without moving them or adding any (a status
    update), and those rows still hold the same geometry and columns: then putting their former
    values back is all :func:`restore` would do.
    """
    rows = undo.rows
    if (undo.mode != "rows" or undo.added or not 0 < len(rows) <= IN_PLACE_UNDO_ROWS
            or not _addressable(schema)):
        return None
    rows = rows.reset_index(drop=True)
    found = _locate(path, schema, row_keys(rows, schema).tolist())
    if (found is None or found.row_count != undo.row_count
            or found.positions != rows[POSITION_COLUMN].astype("int64").tolist()):
        return None
    rows = undo.replaced_rows().reset_index(drop=True)
    current = found.rows
    if list(current.columns) != list(rows.columns):
        return None
    if schema.is_spatial and (shapely.to_wkb(current.geometry.to_numpy()).tolist()
                              != shapely.to_wkb(rows.geometry.to_numpy()).tolist()):
        return None
    differing = [name for name in rows.columns if name != "geometry" and not same_values(current[name], rows[name])]
    return _sql_updates(found, rows, differing)


# -- an import by deleting and appending rows ----------------------------------------------------
@dataclass(frozen=True)
class _Appending:
    """An import made in place: delete the replaced rows, append the new and changed ones at the end."""

    fids: np.ndarray  # feature ids of the rows the import replaces
    rows: pd.DataFrame  # canonical, the end of the merged layer: the rows the import brings, in merge order
    extent: tuple[float, float, float, float] | None  # of the merged layer, as a rewrite records it


def _appending(table: _Table | None, schema: LayerSchema, existing: pd.DataFrame, merged: pd.DataFrame,
               replaced: np.ndarray) -> _Appending | None:
    """How to turn ``existing`` into ``merged`` (:func:`merge_rows`) in place, or None when only a rewrite
    stores exactly ``merged``.

    Rows read back in feature id order, and appended rows get ids above every kept one, so deleting the
    replaced rows and appending the rest gives the merged order. That holds only when the table stays as
    a rewrite would declare it (:func:`_appends_alike`): no column new or retyped.
    """
    if not _same_columns(merged, existing):
        return None
    if _fids_of(table, existing) is None or not _appends_alike(table, schema, merged):
        return None
    kept = len(existing) - len(replaced)
    extent = None
    if schema.is_spatial:
        bounds = shapely.total_bounds(merged.geometry.to_numpy())
        extent = None if np.isnan(bounds).any() else tuple(float(v) for v in bounds)
    return _Appending(table.fids[replaced], merged.iloc[kept:].reset_index(drop=True), extent)


@dataclass(frozen=True)
class _Table:
    """How a layer's table is declared, and its feature ids in the order its rows are read."""

    pk: str
    declared: dict[str, str]  # every column's declared SQL type, the primary key's and geometry's too
    geometry: tuple[str, str, int, int, int] | None  # gpkg_sql.geometry_column
    fids: np.ndarray


def _table(path: Path, schema: LayerSchema) -> _Table | None:
    """``schema``'s table in the store at ``path``; None for a layer that was never written (no table)."""
    with closing(gpkg_sql.connect(path, read_only=True)) as db:
        try:
            pk = gpkg_sql.primary_key(db, schema.name)
        except sqlite3.OperationalError:
            return None
        return _Table(pk, gpkg_sql.column_types(db, schema.name), gpkg_sql.geometry_column(db, schema.name),
                      gpkg_sql.fids_in_order(db, schema.name))


def _same_columns(merged: pd.DataFrame, existing: pd.DataFrame) -> bool:
    """Whether ``merged`` has ``existing``'s columns, in order, with the same dtypes (no column new or retyped)."""
    return list(merged.columns) == list(existing.columns) and all(
        merged[name].dtype == existing[name].dtype for name in existing.columns)


def _fids_of(table: _Table | None, layer: pd.DataFrame) -> np.ndarray | None:
    """The feature ids of ``layer``'s rows, read from ``table``; None when they cannot be told apart."""
    return table.fids if table is not None and len(table.fids) == len(layer) else None


def _appends_alike(table: _Table, schema: LayerSchema, frame: pd.DataFrame) -> bool:
    """Whether rows of ``frame`` appended to ``table`` are stored as a rewrite of a layer with ``frame``'s
    columns and dtypes would store them: the table has those columns in that order, each declared as GDAL
    declares its dtype, the layer's geometry column as GDAL declares it, and ``frame`` has no Z."""
    attributes = [name for name in frame.columns if name != "geometry"]
    stored = [name for name in table.declared if name != table.pk]
    if schema.is_spatial:
        declared_geometry = DECLARED_GEOMETRY_TYPES[GEOMETRY_TYPES[schema.geometry]]
        if table.geometry is None or table.geometry[1:] != (declared_geometry, 4326, 0, 0):
            return False
        if bool(shapely.has_z(frame.geometry.to_numpy()).any()):
            return False
        stored.remove(table.geometry[0])
    elif table.geometry is not None:
        return False
    return stored == attributes and all(
        table.declared[name] == gpkg_sql.WRITTEN_TYPES.get(frame[name].dtype.name) for name in attributes)


def _replace_rows(path: Path, schema: LayerSchema, appending: _Appending) -> None:
    """Delete and append what ``appending`` says in the copy being written (see :func:`_appending`)."""
    with closing(gpkg_sql.connect(path)) as db, db:
        gpkg_sql.delete_rows(db, schema.name, appending.fids)
    _write_rows(path, schema.name, appending.rows, schema, append=True)
    with closing(sqlite3.connect(path)) as db, db:
        # GDAL only widens the extent on append; a rewrite records the layer's own.
        if schema.is_spatial:
            gpkg_sql.set_extent(db, schema.name, appending.extent)
        gpkg_sql.ensure_id_index(db, schema.name, schema.id_columns)


# -- an undo by deleting, appending and renumbering rows --------------------------------------------
@dataclass(frozen=True)
class _Restoring:
    """An undo made in place: delete the rows the change added or replaced, append the rows it replaced as
    they were, and give those the feature ids that put them back in their places."""

    fids: np.ndarray  # feature ids of the rows the change added or replaced, as they are now
    rows: pd.DataFrame  # canonical: the rows it replaced, as they were, in the order of their places
    new_fids: np.ndarray  # the feature id each of ``rows`` gets
    appended_above: int  # rows appended now get feature ids above this one
    extent: tuple[float, ...]  # of the layer before the change, () for none


def _restoring_rows(path: Path, undo: Undo, schema: LayerSchema) -> _Restoring | None:
    """How to undo ``undo`` in place by whole rows (an import: rows added, replaced and moved to the end),
    or None when only a rewrite restores the layer exactly.

    Each replaced row gets back the feature id it had, which must be free and lie between those of the
    rows around its place: an import made in place leaves it so, since it deleted the rows it replaced
    and appended their new versions; a rewrite renumbers rows. The extent is the one the record kept.
    """
    if (undo.mode != "rows" or (schema.is_spatial and undo.extent is None) or not _addressable(schema)
            or FID_COLUMN not in undo.rows.columns):
        return None
    order = np.argsort(undo.rows[POSITION_COLUMN].to_numpy(dtype="int64"), kind="stable")
    recorded = undo.rows.iloc[order].reset_index(drop=True)
    places = recorded[POSITION_COLUMN].to_numpy(dtype="int64")
    new_fids = recorded[FID_COLUMN].to_numpy(dtype="int64")
    rows = canonical(undo.replaced_rows().iloc[order].reset_index(drop=True), schema)
    keys = list(dict.fromkeys([*undo.added, *row_keys(rows, schema)]))
    wanted = [_id_values(schema, key) for key in keys]
    if not keys or any(value is None for value in wanted) or (new_fids < 1).any():
        return None
    table = _table(path, schema)
    if table is None or not len(table.fids) or not _appends_alike(table, schema, rows):
        return None
    with closing(gpkg_sql.connect(path, read_only=True)) as db:
        found = gpkg_sql.find_fids(db, schema.name, schema.id_columns, wanted)
    if len(found) != len(keys):
        return None
    leaving = np.array([found[value] for value in wanted], dtype="int64")
    kept = np.setdiff1d(table.fids, leaving)
    total = len(kept) + len(rows)
    if total != undo.row_count or (len(places) and (places[-1] >= total or (np.diff(places) == 0).any())):
        return None  # changed behind the store's back (QGIS): the rewrite says what is wrong
    layout = np.zeros(total, dtype="int64")
    free = np.ones(total, dtype=bool)
    free[places] = False
    layout[free] = kept
    layout[places] = new_fids
    if (np.diff(layout) <= 0).any():
        return None  # a row's former id is taken or out of its place (the change was made by a rewrite)
    above = int(max(table.fids.max(), new_fids.max() if len(new_fids) else 0))
    return _Restoring(leaving, rows, new_fids, above, undo.extent or ())


def _restore_rows(path: Path, schema: LayerSchema, restoring: _Restoring) -> None:
    """Delete, append and renumber what ``restoring`` says in the copy being written."""
    with closing(gpkg_sql.connect(path)) as db, db:
        gpkg_sql.delete_rows(db, schema.name, restoring.fids)
    if len(restoring.rows):
        _write_rows(path, schema.name, restoring.rows, schema, append=True)
    with closing(gpkg_sql.connect(path)) as db, db:
        appended = gpkg_sql.fids_above(db, schema.name, restoring.appended_above)
        if len(appended) != len(restoring.rows):
            raise sqlite3.IntegrityError(f"table {schema.name!r}: {len(appended)} rows appended, "
                                         f"not {len(restoring.rows)}")
        gpkg_sql.renumber(db, schema.name, appended, restoring.new_fids)
        if schema.is_spatial:
            gpkg_sql.set_extent(db, schema.name, restoring.extent or None)
        gpkg_sql.ensure_id_index(db, schema.name, schema.id_columns)
        gpkg_sql.touch(db, schema.name)


def _recorded_extent(path: Path, layer: str) -> tuple[float, ...] | None:
    """The extent ``gpkg_contents`` records for ``layer`` (:func:`gpkg_sql.extent`), kept for its undo."""
    with closing(gpkg_sql.connect(path, read_only=True)) as db:
        return gpkg_sql.extent(db, layer)


def _write_layer(path: Path, name: str, frame: pd.DataFrame, schema: LayerSchema) -> None:
    _write_rows(path, name, frame, schema, append=False)
    # Writing a layer drops and recreates its table, and with it the index in-place updates look ids up in.
    with closing(sqlite3.connect(path)) as db, db:
        gpkg_sql.ensure_id_index(db, name, schema.id_columns)


def _write_rows(path: Path, name: str, frame: pd.DataFrame, schema: LayerSchema, *, append: bool) -> None:
    """``frame`` as the layer ``name`` (or appended to it): one writer for both, so rows are stored alike."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object and column != "geometry":
            frame[column] = as_text(frame[column])
    if schema.is_spatial:
        geometry_type = GEOMETRY_TYPES[schema.geometry]
        pyogrio.write_dataframe(gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_CRS), path,
                                layer=name, driver="GPKG", geometry_type=geometry_type,
                                promote_to_multi=geometry_type == "MultiPolygon", append=append)
    elif append:
        pyogrio.write_dataframe(pd.DataFrame(frame), path, layer=name, driver="GPKG", append=True)
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
