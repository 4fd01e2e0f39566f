"""Spatial assignment of features to districts."""

import geopandas as gpd
import shapely

from spaces.geo.spatial import assign_districts
from spaces.reference.districts import load_districts

HAISHU, YINZHOU = "330203", "330212"


def _border_plot(share_in_haishu: float):
    """A square on the 海曙/鄞州 border with about ``share_in_haishu`` of its area in 海曙."""
    districts = load_districts().set_index("adcode").geometry
    border = districts[HAISHU].boundary.intersection(districts[YINZHOU].boundary)
    anchor = border.interpolate(0.5, normalized=True)
    for offset in [i * 0.0002 for i in range(-40, 41)]:
        square = shapely.box(anchor.x - 0.004 + offset, anchor.y - 0.004, anchor.x + 0.004 + offset, anchor.y + 0.004)
        share = square.intersection(districts[HAISHU]).area / square.area
        if abs(share - share_in_haishu) < 0.08:
            return square, share
    raise AssertionError("no square with that share found")


def test_a_plot_across_a_district_line_goes_to_the_larger_overlap():
    mostly_haishu, share_a = _border_plot(0.7)
    mostly_yinzhou, share_b = _border_plot(0.3)
    assert share_a > 0.5 > share_b
    result = assign_districts(gpd.GeoSeries([mostly_haishu, mostly_yinzhou], crs=4326))
    assert result.tolist() == [HAISHU, YINZHOU]


def test_points_by_containment_missing_as_none_and_offshore_to_the_nearest():
    tianyi_square = shapely.Point(121.544, 29.868)
    beilun = shapely.Point(121.85, 29.90)
    offshore_of_beilun = shapely.Point(122.25, 29.85)  # east of 北仑/舟山 waters, touching no district
    result = assign_districts(gpd.GeoSeries([tianyi_square, None, beilun, offshore_of_beilun], crs=4326))
    assert result.iloc[0] == HAISHU
    assert result.iloc[1] is None
    assert result.iloc[2] == "330206"
    assert result.iloc[3] in {"330206", "330225"}


def test_index_is_kept():
    series = gpd.GeoSeries([shapely.Point(121.544, 29.868)], index=[42], crs=4326)
    assert assign_districts(series).index.tolist() == [42]
