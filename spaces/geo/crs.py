"""All coordinate-reference logic: parsing CRS names, converting to WGS-84 at import, areas in 亩."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from pyproj.exceptions import CRSError as PyprojCRSError

from spaces.errors import Choices, CrsError

from . import chinacoords

STORAGE_CRS = "EPSG:4326"
# Albers equal-area cone fitted to Ningbo (standard parallels bracket the city): areas computed
# here equal ellipsoidal areas up to rounding, which is what 亩 figures must be.
EQUAL_AREA_CRS = pyproj.CRS.from_proj4(
    "+proj=aea +lat_0=29.7 +lon_0=121.5 +lat_1=28.9 +lat_2=30.4 +ellps=GRS80 +units=m +no_defs"
)
SQUARE_METRES_PER_MU = 2000.0 / 3.0
# Chinese offset systems are geographic coordinates with a non-linear shift, not pyproj CRSs.
OFFSET_SYSTEMS = {
    "gcj02": chinacoords.gcj02_to_wgs84,
    "gcj-02": chinacoords.gcj02_to_wgs84,
    "bd09": chinacoords.bd09_to_wgs84,
    "bd-09": chinacoords.bd09_to_wgs84,
}


@dataclass(frozen=True)
class SourceCrs:
    """The CRS of an input file: a pyproj CRS, or one of the offset systems ``gcj02`` / ``bd09``."""

    label: str
    crs: pyproj.CRS | None = None
    offset: str | None = None

    @property
    def is_geographic(self) -> bool:
        return self.offset is not None or bool(self.crs and self.crs.is_geographic)


def parse_crs(text: str) -> SourceCrs:
    """Parse a ``--crs`` value: any pyproj string (``EPSG:4549``) or ``gcj02`` / ``bd09``.

    Examples
    --------
    >>> parse_crs("gcj02").offset
    'gcj02'
    >>> parse_crs("EPSG:4490").crs.name
    'China Geodetic Coordinate System 2000'
    """
    folded = text.strip().lower()
    if folded in OFFSET_SYSTEMS:
        return SourceCrs(label=folded.replace("-", ""), offset=folded.replace("-", ""))
    try:
        crs = pyproj.CRS.from_user_input(text.strip())
    except PyprojCRSError as exc:
        raise CrsError(f"unknown CRS {text!r}: use e.g. EPSG:4326, EPSG:4490, EPSG:4549, gcj02 or bd09",
                       key="unknown_crs", params={"crs": text}) from exc
    return SourceCrs(label=crs.to_string(), crs=crs)


def suggest_crs(bounds: tuple[float, float, float, float]) -> list[str]:
    """CRS names that coordinates with these bounds (minx, miny, maxx, maxy) could be in, near Ningbo."""
    minx, miny, maxx, maxy = bounds
    if 118 <= minx and maxx <= 125 and 27 <= miny and maxy <= 32:
        return ["EPSG:4326", "EPSG:4490", "gcj02", "bd09"]
    if 40_000_000 <= minx and maxx <= 41_000_000 and 3_000_000 <= miny and maxy <= 3_600_000:
        return ["EPSG:4528 (CGCS2000 3° GK zone 40)"]
    if 41_000_000 <= minx and maxx <= 42_000_000 and 3_000_000 <= miny and maxy <= 3_600_000:
        return ["EPSG:4529 (CGCS2000 3° GK zone 41)"]
    if 0 <= minx and maxx <= 1_000_000 and 3_000_000 <= miny and maxy <= 3_600_000:
        return ["EPSG:4549 (CGCS2000 3° GK CM 120E)", "EPSG:4550 (CGCS2000 3° GK CM 123E)"]
    return []


def to_storage_crs(frame: gpd.GeoDataFrame, source: SourceCrs, *, file: str) -> gpd.GeoDataFrame:
    """``frame`` reprojected from ``source`` to EPSG:4326; raises when the coordinates cannot be in ``source``.

    The geometries of ``frame`` are read as raw coordinates in ``source``, whatever CRS the frame says.
    The :class:`CrsError` names its text in the catalogue (``problem_<key>``) with its params.
    """
    present = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if len(present):
        minx, miny, maxx, maxy = present.total_bounds
        if not np.all(np.isfinite([minx, miny, maxx, maxy])):
            raise CrsError(f"{file}: coordinates are not finite numbers", key="coordinates_not_finite",
                           params={"file": file})
        if source.is_geographic and (min(minx, miny) < -180 or max(maxx, maxy) > 180 or maxy > 90 or miny < -90):
            hint = suggest_crs((minx, miny, maxx, maxy))
            params = {"file": file, "x": f"{maxx:.0f}", "y": f"{maxy:.0f}", "crs": source.label}
            message = (f"{file}: coordinates up to ({maxx:.0f}, {maxy:.0f}) cannot be degrees in {source.label}; "
                       "they look like metres")
            if hint:
                raise CrsError(f"{message} — try --crs {' or '.join(hint)}", key="not_degrees_try",
                               params={**params, "suggested": Choices(hint)})
            raise CrsError(message, key="not_degrees", params=params)
    if source.offset is not None:
        convert = OFFSET_SYSTEMS[source.offset]
        geometries = chinacoords.transform_geometries(frame.geometry.to_numpy(), convert)
        return gpd.GeoDataFrame(frame.drop(columns=frame.geometry.name), geometry=geometries, crs=STORAGE_CRS)
    with_source = frame.set_crs(source.crs, allow_override=True)
    try:
        return with_source.to_crs(STORAGE_CRS)
    except PyprojCRSError as exc:
        raise CrsError(f"{file}: cannot transform from {source.label} to {STORAGE_CRS}: {exc}", key="cannot_transform",
                       params={"file": file, "crs": source.label, "storage": STORAGE_CRS, "detail": str(exc)}) from exc


def area_mu(geometries: gpd.GeoSeries) -> np.ndarray:
    """Ellipsoidal area of EPSG:4326 geometries in 亩 (1 亩 = 2000/3 m²); NaN for missing, 0 for points.

    Examples
    --------
    >>> square = shapely.box(121.5, 29.8, 121.51, 29.81)
    >>> round(float(area_mu(gpd.GeoSeries([square], crs=4326))[0]))
    1607
    """
    if geometries.crs is None or not geometries.crs.equals(pyproj.CRS(STORAGE_CRS)):
        # A caller's mistake, never a planner's file: no text in the catalogue.
        raise CrsError(f"area_mu needs EPSG:4326 geometries, got {geometries.crs}")
    projected = geometries.to_crs(EQUAL_AREA_CRS)
    areas = shapely.area(projected.to_numpy()) / SQUARE_METRES_PER_MU
    missing = shapely.is_missing(geometries.to_numpy())
    return np.where(missing, np.nan, areas)
