"""The map page's state (issue 12): counts of what is drawn, the view a link or a district filter opens on,
and which filter hides the selected item."""

import math

import pandas as pd
import pytest
import shapely

from spaces.planning.filters import Filters, apply_filters
from spaces.reference.districts import load_districts
from spaces.view.mapstate import (
    NINGBO_VIEW,
    counted,
    counts_line,
    districts_view,
    focus_view,
    format_view,
    hiding_filters,
    opening_view,
    parse_view,
    revealing,
)
from spaces.view.urlstate import query_from_state, state_from_query


@pytest.fixture
def layers(sample_layers):
    """Three parks by hand: P1 in 北仑 (2023, 新材料, national), P2 in 鄞州 (2025), P3 without a year."""
    parks = sample_layers["parks"].iloc[:3].copy()
    parks["park_id"] = ["P1", "P2", "P3"]
    parks["district_adcode"] = ["330206", "330212", "330212"]
    parks["established_year"] = [2023, 2025, None]
    parks["industries"] = ["新材料", "生物医药", "新材料;高端装备"]
    parks["level"] = ["national", "municipal", "provincial"]
    parks["area_mu"] = [1000.0, 234.5, 0.25]
    return {**sample_layers, "parks": parks}


def test_counts_line_counts_what_the_filters_leave_with_its_mu(layers):
    shown = apply_filters(layers, Filters(year=2025, districts=("330212",)))
    line = counts_line(shown, visible=["districts", "parks"], language="zh")
    assert line == "地图显示：2 个园区（234.8 亩）"
    one = apply_filters(layers, Filters(year=2025, districts=("330206",)))
    assert counts_line(one, visible=["parks"], language="en") == "On the map: 1 park (1,000.0 mu)"


def test_counts_line_names_every_layer_shown_and_only_those(layers):
    shown = apply_filters(layers, Filters(year=2025))
    line = counts_line(shown, visible=["parks", "plots", "factories"], language="en")
    plots = shown["plots"]
    assert f"{len(plots):,} plots ({plots['area_mu'].sum():,.1f} mu)" in line
    assert f"{len(shown['factories']):,} green factories" in line
    assert "communit" not in line
    assert counts_line(shown, visible=["districts"], language="en") == ""


def test_plurals_in_english_and_none_in_chinese():
    assert [counted("count_communities", n, "en") for n in (0, 1, 2)] == ["0 communities", "1 community",
                                                                          "2 communities"]
    assert counted("count_factories", 1, "zh") == "1 家绿色工厂"


def test_a_district_view_frames_the_chosen_districts_closer_than_the_city():
    districts = load_districts()
    beilun = districts_view(districts, ["330206"])
    minx, miny, maxx, maxy = districts.loc[districts["adcode"] == "330206"].total_bounds
    assert minx < beilun["longitude"] < maxx and miny < beilun["latitude"] < maxy
    assert beilun["zoom"] > NINGBO_VIEW["zoom"] + 1
    two = districts_view(districts, ["330206", "330226"])  # 北仑 and 宁海: farther apart, farther out
    assert two["zoom"] < beilun["zoom"]
    assert districts_view(districts, []) == NINGBO_VIEW


def test_the_view_survives_a_link_and_a_bad_one_falls_back():
    view = {"longitude": 121.85, "latitude": 29.9, "zoom": 11.2}
    params = query_from_state({"view": view})
    assert params == {"v": "121.85000,29.90000,11.20"}
    assert state_from_query(params)["view"] == view
    assert query_from_state({"view": dict(NINGBO_VIEW)}) == {}  # the whole city: no parameter
    for bad in ("121.85,29.9", "a,b,c", "0,0,9", "121.8,29.9,40", "inf,29.9,9"):
        assert state_from_query({"v": bad})["view"] is None, bad
    assert parse_view(format_view(view)) == view


def test_a_link_opens_on_its_view_else_its_focus_else_its_districts():
    districts = load_districts()
    view = {"longitude": 121.6, "latitude": 29.8, "zoom": 10.0}
    assert opening_view(view=view, focus=(121.9, 29.9), districts=("330206",), district_shapes=districts) == view
    # The focus opens zoomed in at any plot count (below 20k plots too, where no zoom window is drawn).
    focused = opening_view(view=None, focus=(121.9, 29.9), districts=("330206",), district_shapes=districts)
    assert focused == focus_view((121.9, 29.9)) and focused["zoom"] > 12
    assert opening_view(view=None, focus=None, districts=("330206",),
                        district_shapes=districts) == districts_view(districts, ["330206"])
    assert opening_view(view=None, focus=None, districts=(), district_shapes=districts) == NINGBO_VIEW


def test_a_selected_park_hidden_by_the_year_says_so_and_the_year_it_appears(layers):
    filters = Filters(year=2023)
    assert hiding_filters(layers, filters, "park:P2") == ("year",)
    assert revealing(layers, "park:P2", ("year",)) == {"year": 2025}
    assert hiding_filters(layers, filters, "park:P1") == ()  # drawn
    assert hiding_filters(layers, filters, "park:P3") == ()  # no year: always drawn


def test_each_filter_that_alone_hides_the_park_is_named(layers):
    filters = Filters(year=2023, districts=("330206",), industries=("新材料",), levels=("national",))
    assert hiding_filters(layers, filters, "park:P2") == ("year", "districts", "industries", "levels")
    assert revealing(layers, "park:P2", ("year", "districts", "industries", "levels")) == {
        "year": 2025, "districts": [], "industries": [], "levels": []}
    shown = apply_filters(layers, Filters(year=2025))
    assert "P2" in set(shown["parks"]["park_id"])  # what the button sets shows it


def test_districts_unknown_ids_and_nothing_selected_are_never_hidden(layers):
    filters = Filters(year=2022, districts=("330206",))
    assert hiding_filters(layers, filters, "district:330212") == ()
    assert hiding_filters(layers, filters, "park:NOPE") == ()
    assert hiding_filters(layers, filters, None) == ()


def test_focus_view_is_the_zoom_window_scale():
    assert math.isclose(focus_view((121.5, 29.8))["zoom"], 12.3)


def test_a_plot_is_found_by_its_id_in_any_case_or_by_part_of_its_name(layers):
    from spaces.view.mapstate import find_plot

    plots = layers["plots"].copy()
    plots["name_zh"] = None
    plots.loc[plots.index[5], "name_zh"] = "东港工业地块"
    first = plots["plot_id"].iloc[0]
    assert find_plot(plots, first.lower()) == first
    assert find_plot(plots, " 东港 ") == plots["plot_id"].iloc[5]
    assert find_plot(plots, "西港") is None and find_plot(plots, "  ") is None


def test_an_uploads_preview_flies_to_its_features():
    import geopandas as gpd

    from spaces.view.mapstate import features_view

    plots = gpd.GeoDataFrame(geometry=[shapely.box(121.80, 29.90, 121.801, 29.901),
                                       shapely.box(121.81, 29.91, 121.811, 29.911), None], crs=4326)
    view = features_view(plots, height_px=420)
    assert 121.80 < view["longitude"] < 121.811 and 29.90 < view["latitude"] < 29.911
    assert view["zoom"] > 12  # three plots 1.5 km apart fill the preview, not one dot at city scale
    point = features_view(gpd.GeoDataFrame(geometry=[shapely.Point(121.5, 29.8)], crs=4326))
    assert point == {"longitude": 121.5, "latitude": 29.8, "zoom": 15.0}
    assert features_view(gpd.GeoDataFrame(geometry=[], crs=4326)) == NINGBO_VIEW


def test_a_community_outside_the_chosen_parks_is_hidden_by_inside_parks(layers):
    filters = Filters(year=2025, levels=("national",), inside_parks=True)  # levels alone never hide a community
    shown = apply_filters(layers, filters)
    drawn = set(shown["communities"]["community_id"])
    hidden = 0
    for ident in layers["communities"]["community_id"]:
        if pd.isna(layers["communities"].set_index("community_id").loc[ident, "established_year"]) or \
                layers["communities"].set_index("community_id").loc[ident, "established_year"] <= 2025:
            reason = hiding_filters(layers, filters, f"community:{ident}", shown=shown)
            assert reason == (() if ident in drawn else ("inside_parks",)), ident
            hidden += ident not in drawn
    assert hidden > 0  # the case is met
    assert revealing(layers, "community:X", ("inside_parks",)) == {"inside_parks": False}
