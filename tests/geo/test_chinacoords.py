"""Tests for spaces.geo.chinacoords (WGS-84 / GCJ-02 / BD-09 conversions)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon

from spaces.geo.chinacoords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    transform_geometries,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

TIANYI = (121.55, 29.87)


# --- independent scalar reference, written from the published formula with math only -------------
def _ref_wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271):
        return lon, lat
    a, ee, pi = 6378245.0, 0.00669342162296594323, math.pi
    x, y = lon - 105.0, lat - 35.0
    t_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y**2 + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    t_lat += (20.0 * math.sin(6.0 * x * pi) + 20.0 * math.sin(2.0 * x * pi)) * 2.0 / 3.0
    t_lat += (20.0 * math.sin(y * pi) + 40.0 * math.sin(y / 3.0 * pi)) * 2.0 / 3.0
    t_lat += (160.0 * math.sin(y / 12.0 * pi) + 320.0 * math.sin(y * pi / 30.0)) * 2.0 / 3.0
    t_lon = 300.0 + x + 2.0 * y + 0.1 * x**2 + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    t_lon += (20.0 * math.sin(6.0 * x * pi) + 20.0 * math.sin(2.0 * x * pi)) * 2.0 / 3.0
    t_lon += (20.0 * math.sin(x * pi) + 40.0 * math.sin(x / 3.0 * pi)) * 2.0 / 3.0
    t_lon += (150.0 * math.sin(x / 12.0 * pi) + 300.0 * math.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1 - ee * math.sin(rad) ** 2
    sm = math.sqrt(magic)
    d_lat = t_lat * 180.0 / ((a * (1 - ee)) / (magic * sm) * pi)
    d_lon = t_lon * 180.0 / (a / sm * math.cos(rad) * pi)
    return lon + d_lon, lat + d_lat


def _ref_gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    x_pi = math.pi * 3000.0 / 180.0
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * x_pi)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * x_pi)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def _ref_bd09_to_gcj02_closed(lon: float, lat: float) -> tuple[float, float]:
    x_pi = math.pi * 3000.0 / 180.0
    x, y = lon - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * x_pi)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * x_pi)
    return z * math.cos(theta), z * math.sin(theta)


def _ningbo_grid() -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.linspace(120.9, 122.3, 57), np.linspace(28.8, 30.5, 69))


# --- known values -----------------------------------------------------------------------------------
def test_gcj_shift_near_ningbo_has_expected_size_and_sign() -> None:
    lon, lat = wgs84_to_gcj02(*TIANYI)
    d_lon, d_lat = float(lon) - TIANYI[0], float(lat) - TIANYI[1]
    # Around Ningbo GCJ-02 pushes points east and slightly south.
    assert 0.003 < d_lon < 0.007
    assert -0.004 < d_lat < -0.0015
    metres = math.hypot(d_lon * 111_320 * math.cos(math.radians(TIANYI[1])), d_lat * 110_600)
    assert 400 < metres < 600


def test_gcj_matches_independent_reference() -> None:
    lon, lat = wgs84_to_gcj02(*TIANYI)
    ref = _ref_wgs84_to_gcj02(*TIANYI)
    assert float(lon) == pytest.approx(ref[0], abs=1e-12)
    assert float(lat) == pytest.approx(ref[1], abs=1e-12)


def test_gcj_matches_reference_on_grid() -> None:
    lon, lat = _ningbo_grid()
    got_lon, got_lat = wgs84_to_gcj02(lon, lat)
    ref = np.array([_ref_wgs84_to_gcj02(x, y) for x, y in zip(lon.ravel(), lat.ravel(), strict=True)])
    np.testing.assert_allclose(got_lon.ravel(), ref[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got_lat.ravel(), ref[:, 1], rtol=0, atol=1e-12)


def test_bd_forward_matches_reference() -> None:
    g = _ref_wgs84_to_gcj02(*TIANYI)
    ref = _ref_gcj02_to_bd09(*g)
    lon, lat = wgs84_to_bd09(*TIANYI)
    assert (float(lon), float(lat)) == pytest.approx(ref, abs=1e-12)
    lon2, lat2 = gcj02_to_bd09(*g)
    assert (float(lon2), float(lat2)) == pytest.approx(ref, abs=1e-12)


def test_bd_closed_form_inverse_available_unrefined() -> None:
    b = (121.56, 29.88)
    lon, lat = bd09_to_gcj02(*b, refine=False)
    assert (float(lon), float(lat)) == pytest.approx(_ref_bd09_to_gcj02_closed(*b), abs=1e-12)


def test_inverse_hits_reference_forward() -> None:
    # gcj02_to_wgs84 must produce a point that the *independent* forward maps back onto the input.
    g = (121.6, 29.9)
    w = gcj02_to_wgs84(*g)
    back = _ref_wgs84_to_gcj02(float(w[0]), float(w[1]))
    assert back == pytest.approx(g, abs=2e-9)
    assert abs(float(w[0]) - g[0]) > 0.003


# --- round trips ------------------------------------------------------------------------------------
def test_round_trip_gcj_on_ningbo_grid() -> None:
    lon, lat = _ningbo_grid()
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert back_lon.shape == lon.shape
    assert np.max(np.abs(back_lon - lon)) < 1e-6
    assert np.max(np.abs(back_lat - lat)) < 1e-6


def test_round_trip_bd_on_ningbo_grid() -> None:
    lon, lat = _ningbo_grid()
    back_lon, back_lat = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert np.max(np.abs(back_lon - lon)) < 1e-6
    assert np.max(np.abs(back_lat - lat)) < 1e-6


china_lon = st.floats(min_value=73.0, max_value=135.0, allow_nan=False)
china_lat = st.floats(min_value=3.0, max_value=53.5, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_round_trip_gcj_property(lon: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert abs(float(back[0]) - lon) < 1e-6
    assert abs(float(back[1]) - lat) < 1e-6


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_round_trip_bd_property(lon: float, lat: float) -> None:
    back = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert abs(float(back[0]) - lon) < 1e-6
    assert abs(float(back[1]) - lat) < 1e-6


def test_inverse_is_batch_independent() -> None:
    # Shared polygon vertices must convert bit-identically whatever else is in the batch.
    alone = gcj02_to_wgs84(121.5, 29.9)
    lon, lat = _ningbo_grid()
    batch_lon = np.append(lon.ravel(), 121.5)
    batch_lat = np.append(lat.ravel(), 29.9)
    in_batch = gcj02_to_wgs84(batch_lon, batch_lat)
    assert in_batch[0][-1] == alone[0]
    assert in_batch[1][-1] == alone[1]


# --- shapes and identity outside China ----------------------------------------------------------------
@pytest.mark.parametrize(
    "func", [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84]
)
def test_shapes_and_dtype(func) -> None:
    lon_s, lat_s = func(121, 30)
    assert isinstance(lon_s, np.ndarray) and lon_s.shape == () and lon_s.dtype == np.float64
    lon2d = np.full((3, 4), 121.5, dtype=np.float32)
    out_lon, out_lat = func(lon2d, 29.9)
    assert out_lon.shape == (3, 4) and out_lat.shape == (3, 4)
    assert out_lon.dtype == np.float64


@pytest.mark.parametrize(
    "point",
    [(0.0, 0.0), (-74.006, 40.7128), (139.6917, 35.6895), (100.0, 0.5), (60.0, 40.0), (121.0, 56.0)],
)
def test_identity_outside_china(point: tuple[float, float]) -> None:
    assert tuple(map(float, wgs84_to_gcj02(*point))) == point
    assert tuple(map(float, gcj02_to_wgs84(*point))) == point


def test_mask_is_vectorised() -> None:
    lon = np.array([121.55, 139.6917])
    lat = np.array([29.87, 35.6895])
    out_lon, out_lat = wgs84_to_gcj02(lon, lat)
    assert out_lon[0] != lon[0]
    assert out_lon[1] == lon[1] and out_lat[1] == lat[1]


def test_nan_propagates_without_error() -> None:
    lon, lat = gcj02_to_wgs84(np.array([np.nan, 121.5]), np.array([29.9, 29.9]))
    assert np.isnan(lon[0])
    assert np.isfinite(lon[1])


# --- geometries ---------------------------------------------------------------------------------------
def _square(x: float, y: float, d: float = 0.01) -> Polygon:
    return Polygon([(x, y), (x + d, y), (x + d, y + d), (x, y + d)])


def test_transform_geometries_mixed_array() -> None:
    poly = Polygon(
        [(121.5, 29.8), (121.6, 29.8), (121.6, 29.9), (121.5, 29.9)],
        holes=[[(121.52, 29.82), (121.54, 29.82), (121.54, 29.84)]],
    )
    multi = MultiPolygon([_square(121.5, 29.8), _square(121.7, 30.0)])
    pt = Point(*TIANYI)
    geoms = np.array([poly, multi, pt, None, Polygon()], dtype=object)

    out = transform_geometries(geoms, wgs84_to_gcj02)

    assert isinstance(out, np.ndarray) and out.shape == (5,)
    assert out[3] is None
    assert out[4].is_empty and out[4].geom_type == "Polygon"
    assert out[0].geom_type == "Polygon" and len(out[0].interiors) == 1
    assert out[1].geom_type == "MultiPolygon" and len(out[1].geoms) == 2
    ref = _ref_wgs84_to_gcj02(*TIANYI)
    assert (out[2].x, out[2].y) == pytest.approx(ref, abs=1e-12)
    # Every vertex moved by the same function as the point API.
    coords_in = shapely.get_coordinates(multi)
    exp_lon, exp_lat = wgs84_to_gcj02(coords_in[:, 0], coords_in[:, 1])
    np.testing.assert_array_equal(shapely.get_coordinates(out[1]), np.column_stack([exp_lon, exp_lat]))


def test_transform_geometries_round_trip_and_geoseries() -> None:
    gs = gpd.GeoSeries([_square(121.5, 29.8), None, Point(121.9, 29.9)], crs="EPSG:4326")
    there = transform_geometries(gs, wgs84_to_bd09)
    back = transform_geometries(there, bd09_to_wgs84)
    assert back[1] is None
    assert shapely.hausdorff_distance(there[0], gs.iloc[0]) > 0.005
    assert shapely.hausdorff_distance(back[0], gs.iloc[0]) < 1e-6
    assert shapely.distance(back[2], gs.iloc[2]) < 1e-6


def test_transform_geometries_only_empty_and_none() -> None:
    out = transform_geometries([None, Point()], gcj02_to_wgs84)
    assert out[0] is None and out[1].is_empty
