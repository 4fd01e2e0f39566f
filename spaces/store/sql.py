"""SQL on a GeoPackage's own tables: find rows by id, set attribute values in place, keep GDAL's rtree triggers working."""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

GPKG_MAGIC = b"GP"
HEADER_BYTES = 8  # magic, version, flags, srs_id
EMPTY_FLAG = 0x10
EXTENDED_FLAG = 0x20
# Envelope contents indicator (flags bits 1-3) -> number of doubles: none, xy, xyz, xym, xyzm.
ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}
# SQLite allows 32766 bound values per statement; keys go in batches well below that.
KEYS_PER_QUERY = 500
# Declared column types (as GDAL writes them) that a value of each kind is stored in, unchanged.
STORAGE_TYPES = {
    "bool": ("BOOLEAN",),
    "int": ("INTEGER", "INT", "MEDIUMINT", "SMALLINT", "TINYINT"),
    "float": ("REAL", "FLOAT", "DOUBLE"),
    "text": ("TEXT",),
}
# The type GDAL declares for a column of each canonical dtype when pyogrio writes a layer; appending rows
# to a table declared otherwise would store them differently from a rewrite (which declares these).
WRITTEN_TYPES = {"bool": "BOOLEAN", "Int64": "INTEGER", "int64": "INTEGER", "float64": "REAL", "object": "TEXT"}


def quoted(name: str) -> str:
    """``name`` as an SQL identifier: ``plots`` -> ``"plots"``, ``a"b`` -> ``"a""b"``."""
    return '"' + str(name).replace('"', '""') + '"'


# -- the functions GDAL's rtree triggers call ----------------------------------------------------
def _header(blob: object) -> tuple[int, tuple[float, ...], int] | None:
    """``(flags, envelope, offset of the WKB)`` of a GeoPackage geometry blob; None when it is not one."""
    if not isinstance(blob, bytes | memoryview) or len(blob) < HEADER_BYTES or bytes(blob[:2]) != GPKG_MAGIC:
        return None
    flags = blob[3]
    doubles = ENVELOPE_DOUBLES.get((flags >> 1) & 0x07)
    if doubles is None or len(blob) < HEADER_BYTES + 8 * doubles:
        return None
    order = "<" if flags & 0x01 else ">"
    envelope = struct.unpack_from(f"{order}{doubles}d", blob, HEADER_BYTES)
    return flags, envelope, HEADER_BYTES + 8 * doubles


def st_is_empty(blob: object) -> int | None:
    """1 for an empty geometry, 0 for any other, NULL for NULL or a blob that is not a GeoPackage geometry."""
    header = _header(blob)
    return None if header is None else int(bool(header[0] & EMPTY_FLAG))


def bounds(blob: object) -> tuple[float, float, float, float] | None:
    """``(minx, miny, maxx, maxy)`` of a GeoPackage geometry: from its envelope, else from its WKB (points
    carry no envelope); None for NULL, empty or unreadable geometries."""
    header = _header(blob)
    if header is None or header[0] & EMPTY_FLAG:
        return None
    flags, envelope, offset = header
    if envelope:
        minx, maxx, miny, maxy = envelope[:4]
        return minx, miny, maxx, maxy
    if flags & EXTENDED_FLAG:  # a geometry type of some extension: its body is not WKB
        return None
    try:
        geometry = shapely.from_wkb(bytes(blob[offset:]))
    except shapely.errors.GEOSException:
        return None
    if geometry is None or geometry.is_empty:
        return None
    found = shapely.bounds(geometry)
    return None if np.isnan(found).any() else tuple(float(v) for v in found)


def _bound(index: int):
    def st_bound(blob: object) -> float | None:
        found = bounds(blob)
        return None if found is None else found[index]
    return st_bound


SPATIAL_FUNCTIONS = {"ST_IsEmpty": st_is_empty, "ST_MinX": _bound(0), "ST_MinY": _bound(1), "ST_MaxX": _bound(2),
                     "ST_MaxY": _bound(3)}


def connect(path: Path | str, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection to the GeoPackage at ``path`` with the functions GDAL's triggers call.

    Every ``UPDATE`` of a spatial table compiles the rtree triggers GDAL created on it, and those
    call ``ST_IsEmpty`` and ``ST_MinX``...; plain SQLite does not have them.
    """
    if read_only:
        db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    else:
        db = sqlite3.connect(path)
    for name, function in SPATIAL_FUNCTIONS.items():
        db.create_function(name, 1, function, deterministic=True)
    return db


# -- rows by id and by position -----------------------------------------------------------------
def id_index_name(table: str) -> str:
    return f"spaces_{table}_id"


def ensure_id_index(db: sqlite3.Connection, table: str, id_columns: Sequence[str]) -> None:
    """An index on ``table``'s id columns, so one row is found without reading the layer."""
    columns = ", ".join(quoted(c) for c in id_columns)
    db.execute(f"CREATE INDEX IF NOT EXISTS {quoted(id_index_name(table))} ON {quoted(table)} ({columns})")


def primary_key(db: sqlite3.Connection, table: str) -> str:
    """The feature id column (``fid`` as GDAL writes it)."""
    for _cid, name, _type, _notnull, _default, pk in db.execute(f"PRAGMA table_info({quoted(table)})"):
        if pk == 1:
            return name
    raise sqlite3.OperationalError(f"table {table!r} has no integer primary key")


def column_types(db: sqlite3.Connection, table: str) -> dict[str, str]:
    """Each column's declared type, upper case: ``{"plot_id": "TEXT", "reclaimed_year": "INTEGER", ...}``."""
    return {name: str(kind).upper() for _cid, name, kind, *_ in db.execute(f"PRAGMA table_info({quoted(table)})")}


def find_fids(db: sqlite3.Connection, table: str, id_columns: Sequence[str],
              keys: Iterable[tuple]) -> dict[tuple, int]:
    """The feature id of the first row (in feature id order) holding each of ``keys`` (values of ``id_columns``).

    Keys not found are missing from the result. Values compare as stored: bind ints for integer columns.
    """
    keys = list(dict.fromkeys(keys))
    pk = quoted(primary_key(db, table))
    columns = ", ".join(quoted(c) for c in id_columns)
    found: dict[tuple, int] = {}
    for start in range(0, len(keys), KEYS_PER_QUERY):
        batch = keys[start:start + KEYS_PER_QUERY]
        rows = ", ".join(["(" + ", ".join("?" * len(id_columns)) + ")"] * len(batch))
        where = (f"{quoted(id_columns[0])} IN (VALUES {rows})" if len(id_columns) == 1
                 else f"({columns}) IN (VALUES {rows})")
        query = f"SELECT {columns}, min({pk}) FROM {quoted(table)} WHERE {where} GROUP BY {columns}"
        for *values, fid in db.execute(query, [v for key in batch for v in key]):
            found[tuple(values)] = int(fid)
    return found


def fids_in_order(db: sqlite3.Connection, table: str) -> np.ndarray:
    """Every feature id, in the order the layer is read: ``fids_in_order(db, t)[i]`` is the i-th row's."""
    pk = quoted(primary_key(db, table))
    return np.fromiter((fid for (fid,) in db.execute(f"SELECT {pk} FROM {quoted(table)} ORDER BY {pk}")),
                       dtype="int64")


def fids_above(db: sqlite3.Connection, table: str, fid: int) -> list[int]:
    """The feature ids above ``fid``, in order (the rows appended since ``fid`` was the highest)."""
    pk = quoted(primary_key(db, table))
    return [int(found) for (found,) in db.execute(f"SELECT {pk} FROM {quoted(table)} WHERE {pk} > ? ORDER BY {pk}",
                                                  (int(fid),))]


def geometry_column(db: sqlite3.Connection, table: str) -> tuple[str, str, int, int, int] | None:
    """``(column, geometry type, srs id, z, m)`` as ``gpkg_geometry_columns`` declares them; None for a table
    without geometry."""
    found = db.execute("SELECT column_name, upper(geometry_type_name), srs_id, z, m FROM gpkg_geometry_columns "
                       "WHERE lower(table_name) = lower(?)", (table,)).fetchone()
    return None if found is None else (str(found[0]), str(found[1]), int(found[2]), int(found[3]), int(found[4]))


def delete_rows(db: sqlite3.Connection, table: str, fids: Sequence[int]) -> None:
    """Delete the features ``fids`` (GDAL's triggers take them out of the rtree and the feature count)."""
    pk, name = quoted(primary_key(db, table)), quoted(table)
    fids = [int(fid) for fid in fids]
    deleted = 0
    for start in range(0, len(fids), KEYS_PER_QUERY):
        batch = fids[start:start + KEYS_PER_QUERY]
        deleted += db.execute(f"DELETE FROM {name} WHERE {pk} IN ({', '.join('?' * len(batch))})", batch).rowcount
    if deleted != len(set(fids)):
        raise sqlite3.IntegrityError(f"table {table!r}: {deleted} features deleted, not {len(set(fids))}")


def set_extent(db: sqlite3.Connection, table: str, extent: tuple[float, float, float, float] | None) -> None:
    """Record ``(minx, miny, maxx, maxy)`` of ``table`` in ``gpkg_contents`` (None when it has no geometry),
    as GDAL does when it writes a whole layer; appending only ever widens it.

    GDAL puts the numbers in its SQL with SQLite's ``%.17g``, which keeps 16 digits (rounded); so does this.
    """
    rounded = (None,) * 4 if extent is None else tuple(float(f"{value:.16g}") for value in extent)
    db.execute("UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE lower(table_name) = lower(?)",
               (*rounded, table))


def extent(db: sqlite3.Connection, table: str) -> tuple[float, ...] | None:
    """``(minx, miny, maxx, maxy)`` as ``gpkg_contents`` records it for ``table``, ``()`` when it records none;
    None when ``table`` is not registered."""
    found = db.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE lower(table_name) = lower(?)",
                       (table,)).fetchone()
    if found is None:
        return None
    return () if any(value is None for value in found) else tuple(float(value) for value in found)


def renumber(db: sqlite3.Connection, table: str, fids: Sequence[int], new_fids: Sequence[int]) -> None:
    """Give the features ``fids`` the free feature ids ``new_fids`` (GDAL's triggers move their rtree entries)."""
    pk, name = quoted(primary_key(db, table)), quoted(table)
    for fid, new in zip(fids, new_fids, strict=True):
        changed = db.execute(f"UPDATE {name} SET {pk} = ? WHERE {pk} = ?", (int(new), int(fid)))
        if changed.rowcount != 1:
            raise sqlite3.IntegrityError(f"table {table!r}: feature {fid} was not renumbered to {new}")


def row_count(db: sqlite3.Connection, table: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM {quoted(table)}").fetchone()[0])


def positions(db: sqlite3.Connection, table: str, fids: Sequence[int]) -> list[int]:
    """Each feature's place (0-based) in feature id order, which is the order the layer is read in."""
    pk, name = quoted(primary_key(db, table)), quoted(table)
    low = db.execute(f"SELECT min({pk}) FROM {name}").fetchone()[0]
    high = db.execute(f"SELECT max({pk}) FROM {name}").fetchone()[0]
    if low == 1 and high == row_count(db, table):  # ids 1..n, as after every full write: no gaps
        return [int(fid) - 1 for fid in fids]
    if len(fids) <= 4:
        return [int(db.execute(f"SELECT count(*) FROM {name} WHERE {pk} < ?", (int(fid),)).fetchone()[0])
                for fid in fids]
    every = np.fromiter((fid for (fid,) in db.execute(f"SELECT {pk} FROM {name} ORDER BY {pk}")), dtype="int64")
    return np.searchsorted(every, np.asarray(fids, dtype="int64")).tolist()


# -- values -------------------------------------------------------------------------------------
def storable(kind: str, declared: str) -> bool:
    """Whether a value of ``kind`` (bool, int, float, text) goes into a column declared ``declared``
    the way GDAL would write it (so the layer reads back the same)."""
    base = declared.split("(")[0].strip()
    return base in STORAGE_TYPES.get(kind, ())


def value_kind(dtype) -> str | None:
    """``bool``, ``int``, ``float`` or ``text`` for the dtype of a canonical column; None for any other."""
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        return "text"
    return None


def sql_value(value: object) -> object:
    """``value`` as SQLite stores it in a GeoPackage: NULL for missing, 0/1 for booleans, int, float or text."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"cannot store {value!r} ({type(value).__name__}) in a GeoPackage column")


def update_values(db: sqlite3.Connection, table: str, fid: int, values: dict[str, object]) -> None:
    """Set ``values`` (already :func:`sql_value`) on the feature ``fid``; exactly one row must change."""
    pk = quoted(primary_key(db, table))
    assignments = ", ".join(f"{quoted(name)} = ?" for name in values)
    changed = db.execute(f"UPDATE {quoted(table)} SET {assignments} WHERE {pk} = ?", [*values.values(), int(fid)])
    if changed.rowcount != 1:
        raise sqlite3.IntegrityError(f"table {table!r}: feature {fid} changed {changed.rowcount} rows, not one")


def touch(db: sqlite3.Connection, table: str) -> None:
    """Record in ``gpkg_contents`` that ``table`` changed now, as GDAL does when it writes a layer."""
    db.execute("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
               "WHERE lower(table_name) = lower(?)", (table,))
