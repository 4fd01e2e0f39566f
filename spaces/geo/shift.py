"""The display shift: overlays, points and views moved to GCJ-02 when the basemap (高德 AMap) is drawn in it."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from spaces.reference.basemap_catalogue import needs_gcj02

from . import chinacoords

# Only for drawing: stored data, areas and the detail panel stay in EPSG:4326 (WGS-84). Every decision
# "does this basemap need GCJ-02?" is taken here, from the basemap catalogue.


def to_gcj02(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of an EPSG:4326 frame shifted to GCJ-02, for drawing over AMap tiles (never for storage).

    Examples
    --------
    >>> import shapely
    >>> point = gpd.GeoDataFrame(geometry=[shapely.Point(121.55, 29.87)], crs=4326)
    >>> moved = to_gcj02(point).geometry.iloc[0]
    >>> round(moved.x - 121.55, 4), round(moved.y - 29.87, 4)
    (0.0042, -0.0026)
    """
    geometries = chinacoords.transform_geometries(frame.geometry.to_numpy(), chinacoords.wgs84_to_gcj02)
    return frame.set_geometry(gpd.GeoSeries(geometries, index=frame.index, crs=frame.crs))


def shift_frame(frame: pd.DataFrame, basemap_id: str) -> pd.DataFrame:
    """``frame`` as drawn over ``basemap_id``: a GeoDataFrame shifted to GCJ-02 for AMap, else ``frame`` itself.

    Only for drawing: stored data, areas and the detail panel stay in EPSG:4326.
    """
    if isinstance(frame, gpd.GeoDataFrame) and needs_gcj02(basemap_id):
        return to_gcj02(frame)
    return frame


def shift_overlays(layers: Mapping[str, pd.DataFrame], basemap_id: str) -> dict[str, pd.DataFrame]:
    """Every layer of ``layers`` through :func:`shift_frame` (tables without geometry pass unchanged)."""
    needs_gcj02(basemap_id)  # an unknown id fails here too, not only when a layer has geometry
    return {name: shift_frame(frame, basemap_id) for name, frame in layers.items()}


def shift_coordinates(lon: np.ndarray, lat: np.ndarray, basemap_id: str) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 coordinate arrays as drawn over ``basemap_id`` (GCJ-02 for AMap, else the arrays themselves)."""
    if not needs_gcj02(basemap_id):
        return lon, lat
    return chinacoords.wgs84_to_gcj02(lon, lat)


def shift_point(lon: float, lat: float, basemap_id: str) -> tuple[float, float]:
    """A WGS-84 point as drawn over ``basemap_id`` (GCJ-02 for AMap, else unchanged).

    Examples
    --------
    >>> shift_point(121.55, 29.87, "osm")
    (121.55, 29.87)
    >>> lon, lat = unshift_point(*shift_point(121.55, 29.87, "amap"), "amap")
    >>> round(lon, 6), round(lat, 6)
    (121.55, 29.87)
    """
    if not needs_gcj02(basemap_id):
        return lon, lat
    shifted_lon, shifted_lat = chinacoords.wgs84_to_gcj02(lon, lat)
    return float(shifted_lon), float(shifted_lat)


def unshift_point(lon: float, lat: float, basemap_id: str) -> tuple[float, float]:
    """The WGS-84 point under a point drawn over ``basemap_id`` (the inverse of :func:`shift_point`)."""
    if not needs_gcj02(basemap_id):
        return lon, lat
    wgs_lon, wgs_lat = chinacoords.gcj02_to_wgs84(lon, lat)
    return float(wgs_lon), float(wgs_lat)


def shift_view(view: Mapping[str, float], basemap_id: str) -> dict[str, float]:
    """A view state (longitude, latitude, zoom …) centred on the same place over ``basemap_id``."""
    if not needs_gcj02(basemap_id):
        return dict(view)
    lon, lat = chinacoords.wgs84_to_gcj02(view["longitude"], view["latitude"])
    return {**view, "longitude": float(lon), "latitude": float(lat)}
