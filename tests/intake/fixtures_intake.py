"""Small hand-built input files (GeoJSON, GeoPackage, Shapefile, CSV, XLSX) and helpers for the reader and intake tests."""

from __future__ import annotations

import warnings
import zipfile
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely

from spaces.errors import Problem, ValidationError
from spaces.intake import validate_file
from spaces.reference.districts import load_districts

HAISHU = "330203"
YINZHOU = "330212"
CIXI = "330282"
BEIJING = (116.397, 39.909)  # Tiananmen: unmistakably outside Ningbo
GEOD = pyproj.Geod(ellps="WGS84")
XSS = "<img src=x onerror=alert(1)>"
# Box half-size in degrees: about 100 m by 110 m near 30°N, well inside any district.
HALF = 0.0005


@cache
def district_shape(adcode: str):
    """The shipped WGS-84 outline of one district."""
    districts = load_districts()
    return districts.loc[districts["adcode"] == adcode].geometry.iloc[0]


@cache
def inside(adcode: str) -> tuple[float, float]:
    """A point at least ~1 km inside ``adcode``, so a small box around it lies wholly in that district."""
    point = district_shape(adcode).buffer(-0.01).representative_point()
    return round(point.x, 6), round(point.y, 6)


def box_at(lon: float, lat: float, half: float = HALF) -> shapely.Polygon:
    """A square plot centred on (lon, lat): the simplest valid polygon, with a known geodesic area."""
    return shapely.box(lon - half, lat - half, lon + half, lat + half)


def plot_rows(n: int = 3, adcode: str = YINZHOU) -> list[dict]:
    """``n`` valid plot rows with canonical headers, side by side inside ``adcode``."""
    lon, lat = inside(adcode)
    statuses = ["pending", "in_progress", "reclaimed"]
    return [
        {
            "plot_id": f"P{i + 1}",
            "name_zh": f"地块{i + 1}",
            "status": statuses[i % 3],
            # Only a reclaimed plot has a year, from the plan on (an import drops the others' with a warning).
            "reclaimed_year": 2020 + i % 5 if statuses[i % 3] == "reclaimed" else None,
            "district_adcode": adcode,
            "geometry": box_at(lon + i * 3 * HALF, lat),
        }
        for i in range(n)
    ]


def plots_frame(rows: list[dict] | None = None, crs="EPSG:4326") -> gpd.GeoDataFrame:
    """Plot rows as a GeoDataFrame, the shape every writer below starts from."""
    rows = plot_rows() if rows is None else rows
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=crs)


def factory_rows(n: int = 2, adcode: str = YINZHOU) -> list[dict]:
    """``n`` valid green-factory rows (points) inside ``adcode``."""
    lon, lat = inside(adcode)
    levels = ["national", "provincial", "municipal"]
    return [
        {
            "factory_id": f"F{i + 1}",
            "name_zh": f"工厂{i + 1}",
            "level": levels[i % 3],
            "certified_year": 2019 + i,
            "industry": "新材料",
            "district_adcode": adcode,
            "geometry": shapely.Point(lon + i * 0.001, lat),
        }
        for i in range(n)
    ]


def write_vector(frame: gpd.GeoDataFrame, path: Path, **kwargs) -> Path:
    """Write with pyogrio, silencing GDAL's field-name laundering warnings (they are the point)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pyogrio.write_dataframe(frame, path, **kwargs)
    return path


def write_shapefile(frame: gpd.GeoDataFrame, folder: Path, stem: str = "plots", *, encoding: str = "UTF-8",
                    cpg: bool = True, prj: bool = True, zipped: bool = False) -> Path:
    """A Shapefile (optionally zipped) in ``encoding``; ``cpg=False`` drops the .cpg as old GIS tools do."""
    folder.mkdir(parents=True, exist_ok=True)
    shp = write_vector(frame, folder / f"{stem}.shp", encoding=encoding)
    if not cpg:
        shp.with_suffix(".cpg").unlink(missing_ok=True)
    if not prj:
        shp.with_suffix(".prj").unlink(missing_ok=True)
    if not zipped:
        return shp
    archive = folder / f"{stem}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for part in sorted(folder.glob(f"{stem}.*")):
            if part.suffix.lower() != ".zip":
                out.write(part, arcname=part.name)
    return archive


def with_lonlat(frame: gpd.GeoDataFrame, lon: str = "lon", lat: str = "lat") -> pd.DataFrame:
    """A point layer as a plain table with lon/lat columns (how planners send factories in Excel)."""
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table[lon] = frame.geometry.x.round(7)
    table[lat] = frame.geometry.y.round(7)
    return table


def with_wkt(frame: gpd.GeoDataFrame, column: str = "wkt") -> pd.DataFrame:
    """Polygons as a plain table with a WKT column (how PostGIS and QGIS export to CSV)."""
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table[column] = shapely.to_wkt(frame.geometry.to_numpy(), rounding_precision=7)
    return table


def write_csv(table: pd.DataFrame, path: Path, *, encoding: str = "utf-8") -> Path:
    """A CSV in ``encoding``: ``gbk`` as Excel on Chinese Windows saves it, ``utf-8-sig`` as 'CSV UTF-8' does."""
    path.write_bytes(table.to_csv(index=False).encode(encoding))
    return path


def write_xlsx(table: pd.DataFrame, path: Path) -> Path:
    """An .xlsx workbook with one sheet, written by openpyxl as Excel would."""
    table.to_excel(path, index=False, engine="openpyxl")
    return path


def straddling_box(major: str, minor: str, *, share: float = 0.75, half: float = 0.004) -> shapely.Polygon:
    """A box across the shared edge of two districts with about ``share`` of its area in ``major``.

    Found by sliding a box along the normal of the shared edge, so the test uses the real outlines
    rather than coordinates that happen to work for today's file.
    """
    edge = shapely.line_merge(shapely.intersection(district_shape(major).boundary, district_shape(minor).boundary))
    edge = max(shapely.get_parts(edge), key=lambda part: part.length)
    pair = shapely.union(district_shape(major), district_shape(minor))
    for fraction in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
        on_edge = edge.interpolate(fraction, normalized=True)
        for step in range(1, 40):
            for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1), (-1, 1)):
                candidate = box_at(on_edge.x + dx * step * half / 20, on_edge.y + dy * step * half / 20, half)
                if not pair.contains(candidate):
                    continue
                in_major = shapely.area(shapely.intersection(candidate, district_shape(major))) / candidate.area
                if share - 0.03 <= in_major <= share + 0.03:
                    return candidate
    raise LookupError(f"no box found across {major}/{minor}")


# --- helpers of test_validation.py, test_columns.py and test_geometry.py ------------------------------


def factories_frame(rows: list[dict] | None = None, crs="EPSG:4326") -> gpd.GeoDataFrame:
    """Green factories (points): the point layer, for kind and containment checks."""
    rows = factory_rows() if rows is None else rows
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=crs)


def rejected(path, layer: str = "plots", **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_file(path, layer, **kwargs)
    return caught.value


def assert_names(problem: Problem, *, file: str, row=None, feature_id=None, column=None, value=None) -> None:
    """The problem carries, and its message shows, the file, row, id, column and value it is about."""
    text = str(problem)
    assert problem.file == file and file in text
    if row is not None:
        assert problem.row == row and f"row {row}" in text
    if feature_id is not None:
        assert problem.feature_id == feature_id and f"id {feature_id!r}" in text
    if column is not None:
        assert problem.column == column and f"column {column!r}" in text
    if value is not None:
        assert value in (problem.value or "") and value in text


def csv_plots(tmp_path, rows: list[dict], name: str = "plots.csv"):
    """Plots as CSV with a WKT column, keeping every cell exactly as typed."""
    return write_csv(with_wkt(plots_frame(rows)), tmp_path / name)


def distances_m(a, b) -> np.ndarray:
    """Geodesic distances in metres between matching vertices of two geometries (ring order normalised)."""
    ca, cb = shapely.get_coordinates(shapely.normalize(a)), shapely.get_coordinates(shapely.normalize(b))
    assert ca.shape == cb.shape
    return GEOD.inv(ca[:, 0], ca[:, 1], cb[:, 0], cb[:, 1])[2]
