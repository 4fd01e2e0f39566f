"""The map's enterprises layer (issue 11): which firms are drawn, in which colour and size, and a firm's detail."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from spaces.reference.palette import CLASS_COLOURS
from spaces.view import firms as firms_module
from spaces.view.detail import enterprise_detail, firms_by_class, selected_detail
from spaces.view.firms import MU_M2, chosen_firms, district_levels, firm_layers, firm_records

BEILUN, YINZHOU = "330206", "330212"


def _scored() -> gpd.GeoDataFrame:
    rows = [
        # id, district, year, group, class, land, tax, value added, park
        ("E1", BEILUN, 2024, "above_scale", "A", 10.0, 500.0, 1000.0, "P1"),
        ("E2", BEILUN, 2024, "above_scale", "D", 90.0, 90.0, 300.0, "P1"),
        ("E3", BEILUN, 2023, "above_scale", "D", 90.0, 90.0, 300.0, "P1"),
        ("E4", YINZHOU, 2024, "leased", "C", 5.0, 20.0, None, None),
    ]
    frame = pd.DataFrame(rows, columns=["enterprise_id", "district_adcode", "year", "group", "class", "land_mu",
                                        "tax", "value_added", "park_id"])
    frame["name_zh"] = ["甲", "乙", "乙", "丙"]
    frame["class_computed"] = frame["class"]
    frame["class_official"] = [None, None, None, None]
    frame["score"] = [90.0, 20.0, 20.0, 50.0]
    frame["industry"] = "新材料"
    frame["tax_per_mu"] = frame["tax"] / frame["land_mu"]
    frame["value_added_per_mu"] = frame["value_added"] / frame["land_mu"]
    frame["source"] = "sample"
    frame["plot_id"] = None
    points = [shapely.Point(121.8, 29.9), shapely.Point(121.81, 29.9), shapely.Point(121.81, 29.9), None]
    return gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4326")


def test_the_map_draws_the_year_districts_classes_and_groups_chosen():
    scored = _scored()
    assert chosen_firms(scored, year=2024)["enterprise_id"].tolist() == ["E1", "E2", "E4"]
    assert chosen_firms(scored, year=2024, districts=(BEILUN,), classes=("D",))["enterprise_id"].tolist() == ["E2"]
    assert chosen_firms(scored, year=2024, groups=("leased",))["enterprise_id"].tolist() == ["E4"]
    assert chosen_firms(None, year=2024).empty


def test_a_dot_has_its_class_colour_its_land_as_area_and_its_district_level_in_the_tooltip():
    scored = _scored()
    firms = chosen_firms(scored, year=2024)
    records = firm_records(firms, None, language="zh", levels=district_levels(scored, year=2024))
    assert [r["id"] for r in records] == ["E1|2024", "E2|2024"]  # E4 has no location: counted, not drawn
    assert records[1]["color"] == CLASS_COLOURS["D"]
    assert np.pi * records[1]["radius"] ** 2 == pytest.approx(90 * MU_M2, rel=1e-3)
    # Its district: Σ tax ÷ Σ land of the district's firms that year = (500 + 90) / (10 + 90) = 5.9, not a mean of ratios.
    assert records[1]["line2"] == "亩均税收 1.0 万元/亩（所在区县 5.9）"
    others, d_class = firm_layers(records)
    assert [r["id"] for r in d_class.data] == ["E2|2024"] and d_class.radius_min_pixels > others.radius_min_pixels


def test_above_the_dot_limit_only_d_firms_are_drawn_one_by_one_and_the_rest_summed_into_cells(monkeypatch):
    monkeypatch.setattr(firms_module, "FIRM_DOT_LIMIT", 1)
    scored = _scored()
    scored.loc[scored["enterprise_id"] == "E4", "geometry"] = shapely.Point(121.8001, 29.9001)  # E1's cell
    records = firm_records(chosen_firms(scored, year=2024), None, language="en")
    cells = [r for r in records if r["kind"] == "firm_cell"]
    firms = [r for r in records if r["kind"] == "enterprise"]
    assert [r["id"] for r in firms] == ["E2|2024"] and firms[0]["title"] == "乙"
    [cell] = cells  # A (10 亩) and C (5 亩) in one cell: coloured as A, the class with most land
    assert cell["title"].startswith("2 firms") and cell["line1"] == "A 1 · C 1" and cell["line2"] == "15 mu"
    assert cell["color"][:3] == CLASS_COLOURS["A"][:3]
    assert np.pi * cell["radius"] ** 2 == pytest.approx(15 * MU_M2, rel=1e-3)


def test_a_firms_detail_sets_it_against_its_district_and_a_park_lists_its_firms_by_class():
    scored = _scored()
    detail = enterprise_detail(scored, "E2|2024", language="en")
    assert detail.title == "乙" and detail.attributes["firm_class"].startswith("D")
    assert detail.attributes["firm_tax_per_mu"] == "1.0 / 5.9"
    assert detail.attributes["firm_value_added_per_mu"] == "3.3 / 13.0"  # (1000 + 300) / (10 + 90)
    assert detail.attributes["industry"] == "New materials"
    assert enterprise_detail(scored, "E2|2019") is None and enterprise_detail(scored, "nonsense") is None
    assert firms_by_class(scored, park_id="P1", year=2024) == "A 1 · D 1 (D 90.0 亩)"
    assert selected_detail({}, pd.DataFrame(), "enterprise:E1|2024", year=2024, scored=scored).title == "甲"


def test_d_class_to_land_as_a_layer_outlines_the_plots_the_firms_sit_on():
    from spaces.view.firms import d_land_map

    plots = gpd.GeoDataFrame({"plot_id": ["L1", "L2"]}, geometry=[shapely.box(121.8, 29.9, 121.81, 29.91),
                                                                  shapely.box(121.9, 29.9, 121.91, 29.91)],
                             crs="EPSG:4326")
    table = pd.DataFrame({"enterprise_id": ["E2", "E9"], "year": [2024, 2024], "name_zh": ["乙", "壬"],
                          "land_mu": [90.0, 5.0], "plot_id": ["L1", None], "lon": [121.805, None],
                          "lat": [29.905, None]})
    layers, features = d_land_map(table, plots, language="zh")
    _outlines, plots_layer, _others, d_dots = layers
    assert [p["title"] for p in plots_layer.data] == ["L1"]  # only the plot a D firm sits on
    assert [r["id"] for r in d_dots.data] == ["E2|2024"]  # E9 has no location
    assert len(features) == 2  # the firm and its plot: the view is fitted to them


def test_a_districts_panel_shows_its_above_scale_levels_since_2021():
    from spaces.planning.mujun import score_enterprises
    from spaces.planning.summary import build_summary
    from spaces.sample import build_sample

    layers = build_sample(plots=100)
    scored = score_enterprises(layers["enterprises"])
    long = build_summary(layers, year=2025).long
    detail = selected_detail(layers, long, "district:330206", year=2024, scored=scored, language="zh")
    line = detail.attributes["tax_per_mu_levels"]
    assert line.startswith("2021 ") and " 2024 " in line and "2025" not in line and "万元/亩" in line
    above = scored[(scored["district_adcode"] == "330206") & (scored["year"] == 2021)
                   & (scored["group"] == "above_scale")]
    assert line.split(" · ")[0] == f"2021 {above['tax'].sum() / above['land_mu'].sum():,.1f}"  # Σ ÷ Σ of 规上 firms
