"""Plots reclaimed before the plan (finding 12 of issue 10): kept, counted nowhere, and drawn as 计划前已盘活, so the
map, its legends and the exports agree with the totals."""

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from spaces.exports.features import feature_layers
from spaces.exports.html_map import html_map
from spaces.geo.grid import aggregate_plots
from spaces.planning.attainment import compute_attainment
from spaces.planning.filters import Filters, apply_filters, status_as_of
from spaces.reference.districts import load_districts
from spaces.reference.palette import PLOT_COLOURS, STATUS_COLOURS
from spaces.reference.schema import load_schemas
from spaces.reference.vocab import load_vocabularies
from spaces.store import empty_layer
from spaces.view.deck import legend_swatches, plot_records

CITY, YINZHOU = "330200", "330212"
BEFORE = "reclaimed_before_plan"


@pytest.fixture
def layers() -> dict[str, pd.DataFrame]:
    """The finding's store: 50 亩 reclaimed in 2021 and 60 亩 in 2023 in 鄞州区, and one pending plot. The
    map drew 110 亩 reclaimed while the total said 60."""
    lon, lat = 121.60, 29.80
    plots = gpd.GeoDataFrame({
        "plot_id": ["L2021", "L2023", "L0"], "name_zh": ["甲", "乙", "丙"], "status": ["reclaimed", "reclaimed", "pending"],
        "reclaimed_year": pd.array([2021, 2023, None], dtype="Int64"), "district_adcode": [YINZHOU] * 3,
        "area_mu": [50.0, 60.0, 5.0],
    }, geometry=[shapely.box(lon + i * 0.002, lat, lon + i * 0.002 + 0.001, lat + 0.001) for i in range(3)], crs=4326)
    out = {name: empty_layer(schema) for name, schema in load_schemas().items()}
    out["plots"] = plots
    return out


def test_status_as_of_the_year_sets_plots_reclaimed_before_2022_apart():
    plots = pd.DataFrame({"status": ["reclaimed", "reclaimed", "reclaimed", "pending", "reclaimed"],
                          "reclaimed_year": [2021, 2022, 2026, None, None]})
    assert status_as_of(plots, 2025).tolist() == [BEFORE, "reclaimed", "in_progress", "pending", "reclaimed"]


def test_the_map_draws_as_reclaimed_exactly_what_the_total_counts(layers):
    allocations = pd.DataFrame({"district_adcode": [YINZHOU], "target_key": ["reclaimed_land_mu"], "target": [100.0]})
    result = compute_attainment(layers, allocations, year=2025)
    total = result.loc[(result["adcode"] == CITY) & (result["key"] == "reclaimed_land_mu"), "actual"].iloc[0]
    plots = apply_filters(layers, Filters(year=2025))["plots"]
    drawn = plots.loc[plots["status_as_of"] == "reclaimed", "area_mu"].sum()
    assert total == drawn == 60.0
    grid = aggregate_plots(plots)
    assert grid["reclaimed_mu"].sum() == 60.0 and grid[f"{BEFORE}_mu"].sum() == 50.0 and grid["plots"].sum() == 3


def test_its_colour_is_neutral_and_its_own():
    colour = PLOT_COLOURS[BEFORE]
    others = [c for status, c in PLOT_COLOURS.items() if status != BEFORE] + list(STATUS_COLOURS.values())
    assert all(colour[:3] != other[:3] for other in others)
    red, green, blue = colour[:3]
    assert max(red, green, blue) - min(red, green, blue) < 80  # muted: no status hue


@pytest.mark.parametrize(("language", "label"), [("zh", "计划前已盘活"), ("en", "Reclaimed before the plan")])
def test_the_app_map_shows_it_in_the_legend_and_the_tooltip(layers, language, label):
    swatches = dict(legend_swatches({"plots"}, language=language, status_labels={}))
    assert any(name.endswith(label) and colour == PLOT_COLOURS[BEFORE] for name, colour in swatches.items())
    plots = apply_filters(layers, Filters(year=2025))["plots"]
    record = next(r for r in plot_records(plots, language=language) if r["id"] == "L2021")
    assert record["color"] == PLOT_COLOURS[BEFORE] and record["line1"] == f"{label} (2021)"


def test_the_html_map_legend_counts_it_and_its_popup_keeps_the_year(layers):
    plots = apply_filters(layers, Filters(year=2025))
    page = html_map(plots, districts=load_districts(), title="t", notice=None, language="zh").decode("utf-8")
    assert "计划前已盘活" in page
    legend = page.split('class="hm-legend"')[1]
    assert "计划前已盘活" in legend and "2021" in page


def test_the_features_export_says_it(layers):
    frames = feature_layers(layers, Filters(year=2025))
    assert frames["plots"].set_index("plot_id")["status_as_of"].to_dict() == {
        "L2021": BEFORE, "L2023": "reclaimed", "L0": "pending"}


def test_the_status_filter_can_pick_it(layers):
    plots = apply_filters(layers, Filters(year=2025, statuses=(BEFORE,)))["plots"]
    assert plots["plot_id"].tolist() == ["L2021"]


def test_it_is_shown_but_never_read_from_a_file_or_an_update():
    statuses = load_vocabularies()["status"]
    assert BEFORE in statuses.values and BEFORE not in statuses.stored_values
    assert statuses.normalise("计划前已盘活") is None and statuses.normalise(BEFORE) is None
    assert "计划前已盘活" not in statuses.accepted()
