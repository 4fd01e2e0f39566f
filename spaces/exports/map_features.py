"""The HTML map's layers as GeoJSON: simplified, rounded geometries carrying the title and values of their popups."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

SIMPLIFY_METRES = 2.0
METRES_PER_DEGREE = 111_320.0  # of latitude; a degree of longitude at Ningbo (30°N) is ~13% shorter
COORDINATE_DECIMALS = 6  # ~0.1 m


def feature_collection(frame: gpd.GeoDataFrame, titles: list[str], rows: list[list[str | None]], *,
                       simplify_metres: float = SIMPLIFY_METRES) -> dict:
    """A FeatureCollection with ``{"t": title, "r": [values]}`` properties (title and shown values)."""
    prepared = shapely.simplify(frame.geometry.to_numpy(), simplify_metres / METRES_PER_DEGREE,
                                preserve_topology=True)
    prepared = shapely.transform(prepared, lambda xy: np.round(xy, COORDINATE_DECIMALS))
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": number, "geometry": geometry.__geo_interface__,
             "properties": {"t": title, "r": row}}
            for number, (geometry, title, row) in enumerate(zip(prepared, titles, rows, strict=True))
        ],
    }


def popup_rows(frame: pd.DataFrame, fields: list[tuple[str, str, Callable[[object], str | None]]]
               ) -> list[list[str | None]]:
    """Per row, the shown value of each ``(label key, column, show)`` field: None when the value is
    missing or the column absent."""
    columns = [[None if is_missing(value) else show(value) for value in frame[column].tolist()]
               if column in frame.columns else [None] * len(frame) for _, column, show in fields]
    return [list(values) for values in zip(*columns, strict=True)] if columns else [[] for _ in range(len(frame))]


def popup_titles(frame: pd.DataFrame, id_column: str) -> list[str]:
    """The popup heading: the name, or the id where there is no name."""
    names = frame["name_zh"] if "name_zh" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    ids = frame[id_column] if id_column in frame.columns else pd.Series("", index=frame.index)
    return [plain_text(id_) if is_missing(name) else plain_text(name) for name, id_ in zip(names, ids, strict=True)]


def park_name_lookup(parks: gpd.GeoDataFrame | None) -> dict[str, str]:
    """park_id -> name, so that a community's popup names its park."""
    if parks is None or not {"park_id", "name_zh"} <= set(parks.columns):
        return {}
    return {str(k): plain_text(v) for k, v in zip(parks["park_id"], parks["name_zh"], strict=True) if not is_missing(v)}


def drawable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows with a geometry to draw, so that counts in the legend match what is on the map."""
    geometries = frame.geometry.to_numpy()
    keep = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    return frame if keep.all() else frame.loc[keep]


def in_wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        return frame.to_crs(4326)
    return frame


def is_missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def plain_text(value: object) -> str:
    return "" if is_missing(value) else str(value)


def year_text(value: object) -> str | None:
    try:
        return str(int(float(value)))
    except (TypeError, ValueError):
        return plain_text(value) or None


def area_text(value: object) -> str | None:
    try:
        return f"{float(value):,.1f}"
    except (TypeError, ValueError):
        return None


def pick(items: list, mask: np.ndarray) -> list:
    return [items[index] for index in np.flatnonzero(mask)]
