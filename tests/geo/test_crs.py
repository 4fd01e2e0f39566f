"""CRS parsing, conversion at the import boundary, and areas in 亩 against the geodesic truth."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from spaces.errors import CrsError
from spaces.geo import chinacoords
from spaces.geo.crs import SQUARE_METRES_PER_MU, area_mu, parse_crs, suggest_crs, to_storage_crs
from spaces.geo.shift import to_gcj02

GEOD = Geod(ellps="WGS84")

# Shapes at Ningbo's latitudes and sizes from a small plot to a whole district.
SHAPES = {
    "small plot": shapely.box(121.55, 29.87, 121.5512, 29.8711),
    "park": shapely.Point(121.86, 29.90).buffer(0.03, quad_segs=16),
    "tilted quadrilateral": shapely.Polygon([(121.2, 30.1), (121.35, 30.12), (121.33, 30.25), (121.18, 30.2)]),
    "multipolygon": shapely.MultiPolygon([shapely.box(121.4, 29.3, 121.41, 29.31), shapely.box(121.5, 29.2, 121.52, 29.21)]),
    "polygon with hole": shapely.box(121.6, 29.6, 121.7, 29.7).difference(shapely.box(121.62, 29.62, 121.65, 29.65)),
}


@pytest.mark.parametrize("name", list(SHAPES))
def test_area_mu_is_within_0_1_percent_of_the_geodesic_area(name):
    shape = SHAPES[name]
    geodesic_mu = abs(GEOD.geometry_area_perimeter(shape)[0]) / SQUARE_METRES_PER_MU
    computed = area_mu(gpd.GeoSeries([shape], crs=4326))[0]
    assert computed == pytest.approx(geodesic_mu, rel=1e-3)


def test_area_mu_of_points_is_zero_and_of_missing_is_nan():
    areas = area_mu(gpd.GeoSeries([shapely.Point(121.5, 29.8), None], crs=4326))
    assert areas[0] == 0 and np.isnan(areas[1])


def test_area_mu_refuses_projected_input():
    """Areas from a frame in metres would silently be wrong if taken as degrees."""
    with pytest.raises(CrsError, match="EPSG:4326"):
        area_mu(gpd.GeoSeries([SHAPES["park"]], crs=4326).to_crs(4549))


@pytest.mark.parametrize(("text", "offset"), [("gcj02", "gcj02"), ("GCJ-02", "gcj02"), ("bd09", "bd09")])
def test_offset_systems_are_recognised(text, offset):
    assert parse_crs(text).offset == offset
    assert parse_crs(text).is_geographic


@pytest.mark.parametrize("text", ["EPSG:4326", "EPSG:4490", "EPSG:4549", "epsg:4528"])
def test_pyproj_strings_are_accepted(text):
    assert parse_crs(text).crs is not None


def test_unknown_crs_names_the_value():
    with pytest.raises(CrsError, match="'EPSG:99999'"):
        parse_crs("EPSG:99999")


def test_metres_declared_as_degrees_are_refused_with_a_suggestion():
    metric = gpd.GeoDataFrame(geometry=[shapely.Point(645_000, 3_305_000)])
    with pytest.raises(CrsError, match="look like metres.*EPSG:4549"):
        to_storage_crs(metric, parse_crs("EPSG:4326"), file="plots.csv")


def test_gauss_kruger_input_lands_on_the_wgs84_truth():
    truth = gpd.GeoDataFrame(geometry=[SHAPES["park"]], crs=4326)
    metric = truth.to_crs(4549)
    back = to_storage_crs(metric.set_crs(None, allow_override=True), parse_crs("EPSG:4549"), file="x.gpkg")
    assert back.crs.to_epsg() == 4326
    assert shapely.equals_exact(back.geometry.iloc[0], truth.geometry.iloc[0], tolerance=1e-7)


def test_gcj02_input_is_shifted_back_by_about_500_metres():
    truth = gpd.GeoDataFrame(geometry=[shapely.Point(121.55, 29.87)], crs=4326)
    shifted = shapely.transform(truth.geometry.to_numpy(),
                                lambda xy: np.column_stack(chinacoords.wgs84_to_gcj02(xy[:, 0], xy[:, 1])))
    raw = gpd.GeoDataFrame(geometry=shifted)
    back = to_storage_crs(raw, parse_crs("gcj02"), file="amap.geojson")
    assert back.geometry.iloc[0].distance(truth.geometry.iloc[0]) < 1e-8
    assert to_gcj02(back).geometry.iloc[0].distance(shapely.Point(121.55, 29.87)) > 0.004


@pytest.mark.parametrize(("bounds", "expected"), [
    ((121.0, 29.5, 121.9, 30.2), "EPSG:4326"),
    ((600_000, 3_250_000, 700_000, 3_350_000), "EPSG:4549"),
    ((40_600_000, 3_250_000, 40_700_000, 3_350_000), "EPSG:4528"),
])
def test_suggestions_from_coordinate_ranges(bounds, expected):
    assert any(s.startswith(expected) for s in suggest_crs(bounds))
