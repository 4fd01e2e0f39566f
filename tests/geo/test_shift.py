"""The GCJ-02 display shift over AMap of spaces/geo/shift.py: overlays, single frames, the view."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from spaces.errors import UnknownBasemapError
from spaces.geo.shift import shift_frame, shift_overlays, shift_view, to_gcj02


@pytest.fixture
def overlays():
    """A park polygon, a factory point and a table without geometry, as the map's layers dict holds them."""
    parks = gpd.GeoDataFrame({"park_id": ["P1"]}, geometry=[shapely.box(121.50, 29.85, 121.52, 29.87)], crs=4326)
    factories = gpd.GeoDataFrame({"factory_id": ["F1"]}, geometry=[shapely.Point(121.55, 29.88)], crs=4326)
    indicators = pd.DataFrame({"district_adcode": ["330203"], "year": [2024]})
    return {"parks": parks, "factories": factories, "indicators": indicators}


def test_overlays_shift_to_gcj02_over_amap_only(overlays):
    before = {name: frame.copy() for name, frame in overlays.items()}
    shifted = shift_overlays(overlays, "amap")
    for name in ("parks", "factories"):
        assert shifted[name].geom_equals_exact(to_gcj02(overlays[name]), tolerance=1e-12).all()
        # Near Ningbo GCJ-02 lies some 400 m east and 250 m south of WGS-84.
        dx, dy = (shapely.get_coordinates(shifted[name].geometry.to_numpy())[0]
                  - shapely.get_coordinates(overlays[name].geometry.to_numpy())[0])
        assert 0.003 < dx < 0.006 and -0.004 < dy < -0.001
    assert shifted["indicators"] is overlays["indicators"]
    for name, frame in overlays.items():  # inputs are not mutated
        pd.testing.assert_frame_equal(pd.DataFrame(frame), pd.DataFrame(before[name]))


@pytest.mark.parametrize("basemap_id", ["none", "osm", "carto", "tianditu_vec", "tianditu_img"])
def test_overlays_stay_in_wgs84_elsewhere(overlays, basemap_id):
    shifted = shift_overlays(overlays, basemap_id)
    assert all(shifted[name] is overlays[name] for name in overlays)


def test_a_single_frame_such_as_the_districts(overlays):
    assert shift_frame(overlays["parks"], "amap").geom_equals_exact(to_gcj02(overlays["parks"]), 1e-12).all()
    assert shift_frame(overlays["parks"], "tianditu_vec") is overlays["parks"]
    with pytest.raises(UnknownBasemapError):
        shift_overlays({"indicators": overlays["indicators"]}, "gaode")


def test_the_view_follows_the_overlays():
    view = {"longitude": 121.55, "latitude": 29.87, "zoom": 12.5, "pitch": 0}
    assert shift_view(view, "osm") == view
    moved = shift_view(view, "amap")
    point = to_gcj02(gpd.GeoDataFrame(geometry=[shapely.Point(121.55, 29.87)], crs=4326)).geometry.iloc[0]
    assert (moved["longitude"], moved["latitude"]) == pytest.approx((point.x, point.y), abs=1e-12)
    assert moved["zoom"] == 12.5 and view["longitude"] == 121.55
