"""Row writes made in place: plans that change only the rows a change touches, stored as a rewrite would."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from spaces.reference.schema import LayerSchema

from . import layer_io, sql
from .history import FID_COLUMN, POSITION_COLUMN, Undo
from .layer_io import GEOMETRY_TYPES
from .rows import KEY_SEPARATOR, canonical, row_keys, same_values

# What GeoPackage's gpkg_geometry_columns says for each geometry type GDAL is told to write.
DECLARED_GEOMETRY_TYPES = {"MultiPolygon": "MULTIPOLYGON", "Point": "POINT", "Unknown": "GEOMETRY"}
# An undo of at most this many replaced rows that moved nothing is done with SQL on those rows alone.
IN_PLACE_UNDO_ROWS = 1000


def extent_after(recorded: tuple[float, ...], removed: np.ndarray,
                  added: np.ndarray) -> tuple[bool, tuple[float, ...] | None]:
    """The extent a rewrite records once the geometries ``removed`` are deleted from a layer whose
    recorded extent is ``recorded`` (``()``: none) and ``added`` are appended, as ``(True, extent)``
    (extent None: no geometry); ``(False, None)`` when a removed geometry may be what set it."""
    def rounded(values) -> np.ndarray:  # as GDAL records it (sql.set_extent)
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



# -- changing rows in place ----------------------------------------------------------------------
@dataclass(frozen=True)
class Located:
    """Rows of a layer found by id and read alone: where they are and what they hold."""

    fids: list[int]  # GeoPackage feature ids, in the order the rows were asked for
    positions: list[int]  # places in the layer as it is read (feature id order)
    row_count: int  # rows in the layer
    rows: pd.DataFrame  # canonical, in the order asked for, every column of the layer
    declared: dict[str, str]  # each stored column's declared SQL type


def addressable(schema: LayerSchema) -> bool:
    """Whether SQL finds a row by its id as :func:`row_keys` matches it (text or whole-number ids)."""
    return all(schema.columns[name].type not in ("float", "bool") for name in schema.id_columns)


def id_values(schema: LayerSchema, key: str) -> tuple | None:
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


def locate(path: Path, schema: LayerSchema, keys: list[str]) -> Located | None:
    """The rows of ``schema``'s layer with ids ``keys``, found by SQL and read alone; None if one is missing."""
    wanted = [id_values(schema, key) for key in keys]
    if not wanted or any(value is None for value in wanted):
        return None
    with closing(sql.connect(path, read_only=True)) as db:
        try:
            found = sql.find_fids(db, schema.name, schema.id_columns, wanted)
        except sqlite3.OperationalError:  # a layer that was never written has no table
            return None
        if len(found) != len(set(wanted)):
            return None
        fids = [found[value] for value in wanted]
        positions = sql.positions(db, schema.name, fids)
        row_count = sql.row_count(db, schema.name)
        declared = sql.column_types(db, schema.name)
        pk = sql.primary_key(db, schema.name)
    unique = sorted(set(fids))
    rows = layer_io.read_canonical(path, schema.name, where=f"{sql.quoted(pk)} IN ({', '.join(map(str, unique))})")
    if len(rows) != len(unique):
        return None
    # The rows come in feature id order; put them in the order asked for.
    rows = rows.iloc[np.searchsorted(unique, fids)].reset_index(drop=True)
    return Located(fids, positions, row_count, rows, declared)


def sql_updates(found: Located, rows: pd.DataFrame, columns: list[str]) -> list[tuple[int, dict]] | None:
    """``(fid, {column: SQL value})`` setting ``columns`` of ``rows`` on the rows ``found``; None when a
    value would not be stored the way GDAL writes it (so the layer must be rewritten)."""
    for name in columns:
        kind = sql.value_kind(rows[name].dtype)
        if kind is None or not sql.storable(kind, found.declared.get(name, "")):
            return None
    try:
        return [(fid, {name: sql.sql_value(rows[name].iloc[i]) for name in columns})
                for i, fid in enumerate(found.fids)]
    except TypeError:  # text columns hold str or None; anything else goes through a rewrite
        return None


def update_in_place(path: Path, schema: LayerSchema, updates: list[tuple[int, dict]]) -> None:
    """Apply ``updates`` (:func:`sql_updates`) to the copy being written, in one SQLite transaction."""
    with closing(sql.connect(path)) as db, db:
        # Stores made before the index existed get it on their first in-place write.
        sql.ensure_id_index(db, schema.name, schema.id_columns)
        for fid, values in updates:
            if values:
                sql.update_values(db, schema.name, fid, values)
        sql.touch(db, schema.name)


def restoring_updates(path: Path, undo: Undo, schema: LayerSchema) -> list[tuple[int, dict]] | None:
    """SQL updates that undo ``undo`` in place, or None when the layer must be rewritten.

    In place only when the change replaced rows without moving them or adding any (a status
    update), and those rows still hold the same geometry and columns: then putting their former
    values back is all :func:`restore` would do.
    """
    rows = undo.rows
    if (undo.mode != "rows" or undo.added or not 0 < len(rows) <= IN_PLACE_UNDO_ROWS
            or not addressable(schema)):
        return None
    rows = rows.reset_index(drop=True)
    found = locate(path, schema, row_keys(rows, schema).tolist())
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
    return sql_updates(found, rows, differing)


# -- an import by deleting and appending rows ----------------------------------------------------
@dataclass(frozen=True)
class Appending:
    """An import made in place: delete the replaced rows, append the new and changed ones at the end."""

    fids: np.ndarray  # feature ids of the rows the import replaces
    rows: pd.DataFrame  # canonical, the end of the merged layer: the rows the import brings, in merge order
    extent: tuple[float, float, float, float] | None  # of the merged layer, as a rewrite records it


def appending(table: Table | None, schema: LayerSchema, existing: pd.DataFrame, merged: pd.DataFrame,
               replaced: np.ndarray) -> Appending | None:
    """How to turn ``existing`` into ``merged`` (:func:`merge_rows`) in place, or None when only a rewrite
    stores exactly ``merged``.

    Rows read back in feature id order, and appended rows get ids above every kept one, so deleting the
    replaced rows and appending the rest gives the merged order. That holds only when the table stays as
    a rewrite would declare it (:func:`appends_alike`): no column new or retyped.
    """
    if not same_columns(merged, existing):
        return None
    if fids_of(table, existing) is None or not appends_alike(table, schema, merged):
        return None
    kept = len(existing) - len(replaced)
    extent = None
    if schema.is_spatial:
        bounds = shapely.total_bounds(merged.geometry.to_numpy())
        extent = None if np.isnan(bounds).any() else tuple(float(v) for v in bounds)
    return Appending(table.fids[replaced], merged.iloc[kept:].reset_index(drop=True), extent)


@dataclass(frozen=True)
class Table:
    """How a layer's table is declared, and its feature ids in the order its rows are read."""

    pk: str
    declared: dict[str, str]  # every column's declared SQL type, the primary key's and geometry's too
    geometry: tuple[str, str, int, int, int] | None  # sql.geometry_column
    fids: np.ndarray


def table_of(path: Path, schema: LayerSchema) -> Table | None:
    """``schema``'s table in the store at ``path``; None for a layer that was never written (no table)."""
    with closing(sql.connect(path, read_only=True)) as db:
        try:
            pk = sql.primary_key(db, schema.name)
        except sqlite3.OperationalError:
            return None
        return Table(pk, sql.column_types(db, schema.name), sql.geometry_column(db, schema.name),
                      sql.fids_in_order(db, schema.name))


def same_columns(merged: pd.DataFrame, existing: pd.DataFrame) -> bool:
    """Whether ``merged`` has ``existing``'s columns, in order, with the same dtypes (no column new or retyped)."""
    return list(merged.columns) == list(existing.columns) and all(
        merged[name].dtype == existing[name].dtype for name in existing.columns)


def fids_of(table: Table | None, layer: pd.DataFrame) -> np.ndarray | None:
    """The feature ids of ``layer``'s rows, read from ``table``; None when they cannot be told apart."""
    return table.fids if table is not None and len(table.fids) == len(layer) else None


def appends_alike(table: Table, schema: LayerSchema, frame: pd.DataFrame) -> bool:
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
        table.declared[name] == sql.WRITTEN_TYPES.get(frame[name].dtype.name) for name in attributes)


def replace_rows(path: Path, schema: LayerSchema, appending: Appending) -> None:
    """Delete and append what ``appending`` says in the copy being written (see :func:`appending`)."""
    with closing(sql.connect(path)) as db, db:
        sql.delete_rows(db, schema.name, appending.fids)
    layer_io.write_rows(path, schema.name, appending.rows, schema, append=True)
    with closing(sqlite3.connect(path)) as db, db:
        # GDAL only widens the extent on append; a rewrite records the layer's own.
        if schema.is_spatial:
            sql.set_extent(db, schema.name, appending.extent)
        sql.ensure_id_index(db, schema.name, schema.id_columns)


# -- an undo by deleting, appending and renumbering rows --------------------------------------------
@dataclass(frozen=True)
class Restoring:
    """An undo made in place: delete the rows the change added or replaced, append the rows it replaced as
    they were, and give those the feature ids that put them back in their places."""

    fids: np.ndarray  # feature ids of the rows the change added or replaced, as they are now
    rows: pd.DataFrame  # canonical: the rows it replaced, as they were, in the order of their places
    new_fids: np.ndarray  # the feature id each of ``rows`` gets
    appended_above: int  # rows appended now get feature ids above this one
    extent: tuple[float, ...]  # of the layer before the change, () for none


def restoring_rows(path: Path, undo: Undo, schema: LayerSchema) -> Restoring | None:
    """How to undo ``undo`` in place by whole rows (an import: rows added, replaced and moved to the end),
    or None when only a rewrite restores the layer exactly.

    Each replaced row gets back the feature id it had, which must be free and lie between those of the
    rows around its place: an import made in place leaves it so, since it deleted the rows it replaced
    and appended their new versions; a rewrite renumbers rows. The extent is the one the record kept.
    """
    if (undo.mode != "rows" or (schema.is_spatial and undo.extent is None) or not addressable(schema)
            or FID_COLUMN not in undo.rows.columns):
        return None
    order = np.argsort(undo.rows[POSITION_COLUMN].to_numpy(dtype="int64"), kind="stable")
    recorded = undo.rows.iloc[order].reset_index(drop=True)
    places = recorded[POSITION_COLUMN].to_numpy(dtype="int64")
    new_fids = recorded[FID_COLUMN].to_numpy(dtype="int64")
    rows = canonical(undo.replaced_rows().iloc[order].reset_index(drop=True), schema)
    keys = list(dict.fromkeys([*undo.added, *row_keys(rows, schema)]))
    wanted = [id_values(schema, key) for key in keys]
    if not keys or any(value is None for value in wanted) or (new_fids < 1).any():
        return None
    table = table_of(path, schema)
    if table is None or not len(table.fids) or not appends_alike(table, schema, rows):
        return None
    with closing(sql.connect(path, read_only=True)) as db:
        found = sql.find_fids(db, schema.name, schema.id_columns, wanted)
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
    return Restoring(leaving, rows, new_fids, above, undo.extent or ())


def restore_rows(path: Path, schema: LayerSchema, restoring: Restoring) -> None:
    """Delete, append and renumber what ``restoring`` says in the copy being written."""
    with closing(sql.connect(path)) as db, db:
        sql.delete_rows(db, schema.name, restoring.fids)
    if len(restoring.rows):
        layer_io.write_rows(path, schema.name, restoring.rows, schema, append=True)
    with closing(sql.connect(path)) as db, db:
        appended = sql.fids_above(db, schema.name, restoring.appended_above)
        if len(appended) != len(restoring.rows):
            raise sqlite3.IntegrityError(f"table {schema.name!r}: {len(appended)} rows appended, "
                                         f"not {len(restoring.rows)}")
        sql.renumber(db, schema.name, appended, restoring.new_fids)
        if schema.is_spatial:
            sql.set_extent(db, schema.name, restoring.extent or None)
        sql.ensure_id_index(db, schema.name, schema.id_columns)
        sql.touch(db, schema.name)

