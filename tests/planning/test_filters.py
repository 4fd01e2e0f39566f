"""Filters on tiny layers: industry, district, level, status as of a year, inside the selected parks."""

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from spaces.planning.filters import Filters, apply_filters, industries_in, status_as_of

PARK_A = shapely.box(121.50, 29.80, 121.52, 29.82)
PARK_B = shapely.box(121.60, 29.80, 121.62, 29.82)


@pytest.fixture
def layers():
    """Two parks, a community in each, plots and factories inside A, inside B and outside both."""
    parks = gpd.GeoDataFrame({"park_id": ["A", "B"], "industries": ["汽车及零部件;新材料", "生物医药"],
                              "district_adcode": ["330212", "330206"], "level": ["national", "municipal"],
                              "established_year": pd.array([2022, 2025], dtype="Int64")},
                             geometry=[PARK_A, PARK_B], crs=4326)
    communities = gpd.GeoDataFrame({"community_id": ["c1", "c2"], "industries": ["新材料", "生物医药"],
                                    "district_adcode": ["330212", "330206"], "park_id": [None, "B"],
                                    "established_year": pd.array([None, 2023], dtype="Int64")},
                                   geometry=[PARK_A.centroid, shapely.Point(121.7, 29.9)], crs=4326)
    plots = gpd.GeoDataFrame({"plot_id": ["p1", "p2", "p3"], "status": ["reclaimed", "reclaimed", "pending"],
                              "reclaimed_year": pd.array([2023, 2025, None], dtype="Int64"),
                              "district_adcode": ["330212", "330206", "330212"]},
                             geometry=[PARK_A.centroid.buffer(0.001), PARK_B.centroid.buffer(0.001),
                                       shapely.Point(121.4, 29.7).buffer(0.001)], crs=4326)
    factories = gpd.GeoDataFrame({"factory_id": ["f1", "f2"], "industry": ["新材料", "模具"], "level": ["national", "municipal"],
                                  "certified_year": pd.array([2020, 2024], dtype="Int64"),
                                  "district_adcode": ["330212", "330212"]},
                                 geometry=[PARK_A.centroid, shapely.Point(121.4, 29.7)], crs=4326)
    return {"parks": parks, "communities": communities, "plots": plots, "factories": factories,
            "indicators": pd.DataFrame()}


def test_industry_filter_selects_parks_with_any_matching_industry(layers):
    out = apply_filters(layers, Filters(industries=("新材料",)))
    assert out["parks"]["park_id"].tolist() == ["A"]
    assert out["communities"]["community_id"].tolist() == ["c1"]
    assert out["factories"]["factory_id"].tolist() == ["f1"]
    assert len(out["plots"]) == 3  # plots have no industry


def test_year_hides_later_stock_and_shows_status_as_of_the_year(layers):
    out = apply_filters(layers, Filters(year=2024))
    assert out["parks"]["park_id"].tolist() == ["A"]
    assert out["plots"]["status_as_of"].tolist() == ["reclaimed", "in_progress", "pending"]
    only_reclaimed = apply_filters(layers, Filters(year=2024, statuses=("reclaimed",)))
    assert only_reclaimed["plots"]["plot_id"].tolist() == ["p1"]


def test_district_and_level(layers):
    out = apply_filters(layers, Filters(districts=("330206",), levels=("municipal",)))
    assert out["parks"]["park_id"].tolist() == ["B"]
    assert out["factories"].empty
    assert out["plots"]["plot_id"].tolist() == ["p2"]


def test_inside_selected_parks(layers):
    """Only park A is selected (by industry): what lies in B or outside disappears; c2 belongs to B."""
    out = apply_filters(layers, Filters(industries=("汽车及零部件",), inside_parks=True))
    assert out["plots"]["plot_id"].tolist() == ["p1"]
    assert out["factories"]["factory_id"].tolist() == []  # f1 is 新材料, not 汽车
    everything_in_b = apply_filters(layers, Filters(park_ids=("B",), inside_parks=True))
    assert everything_in_b["communities"]["community_id"].tolist() == ["c2"]
    assert everything_in_b["plots"]["plot_id"].tolist() == ["p2"]


def test_inputs_unchanged_and_industries_listed(layers):
    before = layers["plots"].copy()
    apply_filters(layers, Filters(year=2022, inside_parks=True))
    pd.testing.assert_frame_equal(layers["plots"], before)
    assert industries_in(layers) == sorted({"汽车及零部件", "新材料", "生物医药", "模具"})


def test_status_as_of_keeps_unknown_years():
    plots = pd.DataFrame({"status": ["reclaimed", "pending"], "reclaimed_year": [None, None]})
    assert status_as_of(plots, 2022).tolist() == ["reclaimed", "pending"]
