"""The store's history: the import log, and what each recent change replaced so it can be undone."""

from __future__ import annotations

import io
import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from spaces.errors import StoreError
from spaces.geo.crs import STORAGE_CRS
from spaces.planning.calendar import BEIJING
from spaces.reference.schema import LayerSchema, load_schemas

from .rows import as_text, canonical, row_keys

LOG_TABLE = "import_log"
# ``user``: who made the change (empty in stores written before changes were signed).
LOG_COLUMNS = ("id", "time", "user", "file", "layer", "crs", "added", "updated", "unchanged", "detail", "undone_at")
# One row per recorded change that can still be undone: what the change replaced (see Undo).
UNDO_TABLE = "undo_history"
# Changes that keep what they replaced; older ones stay in the log but can no longer be undone.
UNDO_DEPTH = 10
POSITION_COLUMN = "__undo_position"
# Each replaced row's GeoPackage feature id before the change (-1 where unknown), so an undo made in place
# can give it back; records made before it was kept lack the column.
FID_COLUMN = "__undo_fid"


@dataclass(frozen=True)
class LogEntry:
    """One recorded change of the store: an import, a status update or the initialisation.

    ``undone_at`` is the time the change was undone, None while it stands.
    """

    id: int
    time: str
    file: str
    layer: str
    crs: str
    added: int
    updated: int
    unchanged: int
    detail: str = ""
    undone_at: str | None = None
    user: str = ""

    @property
    def undone(self) -> bool:
        return self.undone_at is not None

    @classmethod
    def from_row(cls, row: pd.Series) -> LogEntry:
        def text(value) -> str:
            return "" if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)) else str(value)
        return cls(id=int(row["id"]), time=text(row["time"]), file=text(row["file"]), layer=text(row["layer"]),
                   crs=text(row["crs"]), added=int(row["added"]), updated=int(row["updated"]),
                   unchanged=int(row["unchanged"]), detail=text(row["detail"]),
                   undone_at=text(row["undone_at"]) or None, user=text(row["user"]))


def readable_time(stamp: str | None) -> str:
    """A logged time (ISO 8601, stored in UTC) as a planner reads it, in 北京时间 without the zone (the column
    or line it is shown under names it once): ``2026-11-28 09:52``; a time without a zone is taken as UTC, as
    the store writes it; unknown text unchanged.

    Examples
    --------
    >>> readable_time("2026-11-28T01:52:34.123456+00:00"), readable_time("2026-11-28T20:05:00")
    ('2026-11-28 09:52', '2026-11-29 04:05')
    """
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def normalised_log(log: pd.DataFrame) -> pd.DataFrame:
    """The log with every column of :data:`LOG_COLUMNS` (stores written before ids and undo lack some)."""
    log = log.reset_index(drop=True).copy()
    if "id" not in log.columns or log["id"].isna().any():
        log["id"] = np.arange(1, len(log) + 1)
    for name in ("added", "updated", "unchanged", "id"):
        log[name] = pd.to_numeric(log.get(name, pd.Series(0, index=log.index)), errors="coerce").fillna(0).astype("int64")
    for name in ("time", "user", "file", "layer", "crs", "detail", "undone_at"):
        values = log[name] if name in log.columns else pd.Series([None] * len(log), index=log.index, dtype=object)
        log[name] = as_text(values)
    log["detail"] = log["detail"].fillna("")
    log["user"] = log["user"].fillna("")
    extra = [c for c in log.columns if c not in LOG_COLUMNS]
    return log[[*LOG_COLUMNS, *extra]]


def last_standing(log: pd.DataFrame) -> LogEntry | None:
    """The newest change that is not undone, unless that is the initialisation (which cannot be undone)."""
    standing = log[log["undone_at"].isna()]
    if not len(standing):
        return None
    entry = LogEntry.from_row(standing.loc[standing["id"].idxmax()])
    return None if entry.layer == "*" else entry


@dataclass
class Undo:
    """What undoing one change needs.

    ``mode`` "rows": ``rows`` are the rows the change replaced, as they were, each with its former
    position (:data:`POSITION_COLUMN`) and feature id (:data:`FID_COLUMN`), and ``added`` the ids it
    added; the size of a change, not of the layer. ``mode`` "layer": ``rows`` is the whole former layer, kept only when a change altered
    a column's type for rows it did not touch (a column of numbers that became text).
    ``extent`` is the layer's ``(minx, miny, maxx, maxy)`` as ``gpkg_contents`` recorded it before the
    change, ``()`` when it recorded none, and None when unknown (records from before it was kept).
    """

    layer: str
    mode: str
    row_count: int
    rows: pd.DataFrame
    added: list[str]
    extent: tuple[float, ...] | None = None

    def replaced_rows(self) -> pd.DataFrame:
        """``rows`` without the columns the record adds (position and feature id)."""
        return self.rows.drop(columns=[POSITION_COLUMN, FID_COLUMN], errors="ignore")


def undo_for(existing: pd.DataFrame, changed: pd.DataFrame, schema: LayerSchema, *, replaced: np.ndarray,
              added: list[str], extent: tuple[float, ...] | None = None, fids: np.ndarray | None = None) -> Undo:
    """What undoing the change of ``existing`` into ``changed`` needs; ``fids`` are the feature ids of
    ``existing``'s rows in order, when known."""
    retyped = any(name not in changed.columns or changed[name].dtype != existing[name].dtype
                  for name in existing.columns)
    if retyped:
        return Undo(schema.name, "layer", len(existing), existing, [], extent)
    rows = existing.iloc[replaced].copy()
    rows[POSITION_COLUMN] = np.asarray(replaced, dtype="int64")
    rows[FID_COLUMN] = np.full(len(rows), -1, dtype="int64") if fids is None else np.asarray(fids)[replaced]
    return Undo(schema.name, "rows", len(existing), rows, list(added), extent)


def restore(current: pd.DataFrame, undo: Undo, schema: LayerSchema, *, store: Path) -> pd.DataFrame:
    """The layer as it was before the change ``undo`` describes, from the layer as it is now."""
    if undo.mode == "layer":
        return canonical(undo.rows, schema)
    touched = set(undo.added) | set(row_keys(undo.rows, schema))
    keep = current[~row_keys(current, schema).isin(touched).to_numpy()]
    positions = undo.rows[POSITION_COLUMN].to_numpy(dtype="int64")
    rows = undo.replaced_rows()
    total = len(keep) + len(rows)
    if total != undo.row_count or (len(positions) and positions.max() >= total):
        # Only a change made behind the store's back (QGIS editing the file) leads here.
        raise StoreError(f"{store}: layer {undo.layer!r} no longer matches the change to undo "
                         f"({len(current)} rows now, {undo.row_count} before it); nothing was undone")
    # Untouched rows keep their order; each replaced row goes back to the place it had.
    order = np.empty(total, dtype="int64")
    free = np.ones(total, dtype=bool)
    free[positions] = False
    order[free] = np.arange(len(keep))
    order[positions] = len(keep) + np.arange(len(rows))
    restored = pd.concat([keep.reindex(columns=rows.columns), rows], ignore_index=True).iloc[order]
    restored = restored.reset_index(drop=True)
    if schema.is_spatial:
        restored = gpd.GeoDataFrame(restored, geometry="geometry", crs=STORAGE_CRS)
    return canonical(restored, schema)


def _to_parquet(frame: pd.DataFrame) -> bytes:
    # Parquet keeps every dtype (nullable years, bools, text, times) and geometry as exact WKB.
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _from_parquet(data: bytes, schema: LayerSchema) -> pd.DataFrame:
    if schema.is_spatial:
        return gpd.read_parquet(io.BytesIO(data)).set_crs(STORAGE_CRS, allow_override=True)
    return pd.read_parquet(io.BytesIO(data))


UNDO_TABLE_SQL = f"""CREATE TABLE IF NOT EXISTS {UNDO_TABLE} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT, change_id INTEGER NOT NULL UNIQUE, layer TEXT NOT NULL, mode TEXT NOT NULL, row_count INTEGER NOT NULL,
    rows BLOB NOT NULL, added TEXT NOT NULL, extent TEXT)"""


def _has_extent_column(db: sqlite3.Connection) -> bool:
    return any(row[1] == "extent" for row in db.execute(f"PRAGMA table_info({UNDO_TABLE})"))


def remember_undo(path: Path, change_id: int, undo: Undo) -> None:
    """Store ``undo`` for change ``change_id`` in the copy being written; forget all but the newest few."""
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(UNDO_TABLE_SQL)
        # Registered as a GeoPackage attributes table, so the file stays valid and QGIS lists it.
        db.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
                   "VALUES (?, 'attributes', ?, 'what each recent change replaced, for undo', "
                   "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))", (UNDO_TABLE, UNDO_TABLE))
        if not _has_extent_column(db):  # a table made before extents were kept
            db.execute(f"ALTER TABLE {UNDO_TABLE} ADD COLUMN extent TEXT")
        db.execute(f"INSERT INTO {UNDO_TABLE} (change_id, layer, mode, row_count, rows, added, extent) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (change_id, undo.layer, undo.mode, undo.row_count, _to_parquet(undo.rows),
                    json.dumps(undo.added, ensure_ascii=False),
                    None if undo.extent is None else json.dumps(list(undo.extent))))
        db.execute(f"DELETE FROM {UNDO_TABLE} WHERE change_id NOT IN "
                   f"(SELECT change_id FROM {UNDO_TABLE} ORDER BY change_id DESC LIMIT ?)", (UNDO_DEPTH,))


def forget_undo(path: Path, change_id: int) -> None:
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(f"DELETE FROM {UNDO_TABLE} WHERE change_id = ?", (change_id,))


def _read_only(path: Path) -> sqlite3.Connection:
    # Writers replace the file whole, never change it in place, so a plain read-only open is safe.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def has_undo(path: Path, change_id: int) -> bool:
    with closing(_read_only(path)) as db:
        try:
            return db.execute(f"SELECT 1 FROM {UNDO_TABLE} WHERE change_id = ?", (change_id,)).fetchone() is not None
        except sqlite3.OperationalError:  # no such table: nothing was ever recorded
            return False


def load_undo(path: Path, change_id: int) -> Undo | None:
    with closing(_read_only(path)) as db:
        try:
            extent = "extent" if _has_extent_column(db) else "NULL"
            found = db.execute(f"SELECT layer, mode, row_count, rows, added, {extent} FROM {UNDO_TABLE} "
                               "WHERE change_id = ?", (change_id,)).fetchone()
        except sqlite3.OperationalError:
            return None
    if found is None:
        return None
    layer, mode, row_count, rows, added, extent = found
    return Undo(layer, mode, int(row_count), _from_parquet(rows, load_schemas()[layer]), json.loads(added),
                None if extent is None else tuple(json.loads(extent)))
