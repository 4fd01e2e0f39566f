"""Rows of a layer: canonical dtypes, ids as match keys, equality of values and geometries, merging an import."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spaces.geo.crs import STORAGE_CRS
from spaces.reference.schema import PROVENANCE_COLUMNS, LayerSchema

KEY_SEPARATOR = "\x1f"


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
            out[name] = as_text(out[name])
    for name in out.columns:
        if name in schema.columns or name == "geometry" or name == "area_mu" or name == "area_mu_supplied":
            continue
        if out[name].dtype == object or str(out[name].dtype) in ("str", "string"):
            out[name] = as_text(out[name])
    if "area_mu" in out.columns:
        out["area_mu"] = pd.to_numeric(out["area_mu"], errors="coerce").astype(float)
    return out


def as_text(values: pd.Series) -> pd.Series:
    # Built by hand: Series.map turns a returned None back into NaN, and text must be str or None.
    as_object = values.astype(object)
    missing = as_object.isna().to_numpy()
    texts = [None if gone else str(value) for value, gone in zip(as_object.to_numpy(), missing, strict=True)]
    return pd.Series(texts, index=values.index, dtype=object)


def row_keys(frame: pd.DataFrame, schema: LayerSchema) -> pd.Series:
    """Each row's id as one string (ids of several columns joined), for matching rows."""
    if not len(frame):
        return pd.Series([], index=frame.index, dtype=object)
    # Column-wise, not a row-wise join: at a million plots that is the difference of seconds to a minute.
    parts = [frame[name].astype(str).astype(object) for name in schema.id_columns]
    keys = parts[0]
    for part in parts[1:]:
        keys = keys + KEY_SEPARATOR + part
    return keys


def same_values(a: pd.Series, b: pd.Series) -> bool:
    """Exactly the same values (missing where the other is missing), whatever the two dtypes."""
    a_missing, b_missing = a.isna().to_numpy(), b.isna().to_numpy()
    if (a_missing != b_missing).any():
        return False
    present = ~a_missing
    return all(x == y for x, y in zip(a.to_numpy(dtype=object)[present], b.to_numpy(dtype=object)[present],
                                       strict=True))


def align_columns(incoming: pd.DataFrame, existing: pd.DataFrame) -> pd.DataFrame:
    """Extra columns named like stored ones but for case (``Remark`` / ``remark``) take the stored name.

    A GeoPackage holds one column per name whatever its case; two would fail the write.
    """
    stored = {str(name).lower(): name for name in existing.columns}
    renames = {name: stored[str(name).lower()] for name in incoming.columns
               if name not in existing.columns and str(name).lower() in stored}
    return incoming.rename(columns=renames) if renames else incoming


def merge_rows(existing: pd.DataFrame, incoming: pd.DataFrame, schema: LayerSchema):
    """The layer after upserting ``incoming``, the counts, positions of replaced rows and added ids."""
    existing_keys = row_keys(existing, schema)
    incoming_keys = row_keys(incoming, schema)
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
            equal &= values_equal(old[column], new[column])
        if schema.is_spatial:
            equal &= geometries_equal(old.geometry.to_numpy(), new.geometry.to_numpy())
        same[known] = equal
    added = int((~known).sum())
    updated = int((known & ~same).sum())
    counts = ChangeCounts(schema.name, added=added, updated=updated, unchanged=int(same.sum()))
    replaced = existing_keys.isin(incoming_keys[known & ~same]).to_numpy()
    kept = existing[~replaced]
    merged = pd.concat([kept, incoming[~same]], ignore_index=True)
    if schema.is_spatial:
        merged = gpd.GeoDataFrame(merged, geometry="geometry", crs=STORAGE_CRS)
    return canonical(merged, schema), counts, np.flatnonzero(replaced), incoming_keys[~known].tolist()


def values_equal(old: pd.Series, new: pd.Series) -> np.ndarray:
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


def geometries_equal(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    old, new = _single_part(old), _single_part(new)
    old_missing, new_missing = shapely.is_missing(old), shapely.is_missing(new)
    equal = np.zeros(len(old), dtype=bool)
    both = ~old_missing & ~new_missing
    equal[both] = shapely.equals_exact(old[both], new[both], tolerance=1e-10)
    return equal | (old_missing & new_missing)
