"""Plots summed to grid cells: nothing lost, tooltips complete, detail when filters narrow the plots."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from spaces.geo.grid import PLOT_STATUSES, aggregate_plots, grid_records, plot_cells
from spaces.view.deck import PLOT_COLOURS, build_layers, plot_drawing


@pytest.fixture
def plots() -> gpd.GeoDataFrame:
    """Six small plots: four packed near one point (one cell), two about 5 km east (another cell).

    Statuses and areas differ so per-status sums are checked, and one area is missing (counts as 0 亩).
    """
    centres = [(121.5000, 29.7000), (121.5010, 29.7005), (121.5005, 29.7010), (121.5012, 29.7012),
               (121.5500, 29.7000), (121.5510, 29.7002)]
    return gpd.GeoDataFrame({
        "plot_id": [f"L{i}" for i in range(6)],
        "status": ["reclaimed", "reclaimed", "pending", "in_progress", "pending", "reclaimed"],
        "reclaimed_year": [2023, 2024, None, None, None, 2022],
        "area_mu": [10.0, 20.0, 5.0, 1.5, 7.0, None],
    }, geometry=[shapely.box(x, y, x + 0.0002, y + 0.0002) for x, y in centres], crs=4326)


def test_counts_and_areas_add_up_to_the_input(plots):
    grid = aggregate_plots(plots)
    assert len(grid) == 2
    assert grid["plots"].sum() == len(plots)
    assert grid["area_mu"].sum() == pytest.approx(plots["area_mu"].fillna(0).sum())
    for status in PLOT_STATUSES:
        chosen = plots["status"] == status
        assert grid[f"{status}_plots"].sum() == chosen.sum()
        assert grid[f"{status}_mu"].sum() == pytest.approx(plots.loc[chosen, "area_mu"].fillna(0).sum())
    packed = grid.loc[grid["plots"] == 4].iloc[0]
    assert packed["majority"] == "reclaimed"  # 30 亩 reclaimed against 5 pending and 1.5 in progress


def test_status_as_of_the_year_is_used_when_present(plots):
    """A plot reclaimed after the chosen year counts as in progress (filters.apply_filters sets the column)."""
    dated = plots.assign(status_as_of=["in_progress"] * 6)
    grid = aggregate_plots(dated)
    assert grid["in_progress_plots"].sum() == 6 and grid["reclaimed_plots"].sum() == 0


def test_cells_are_about_a_kilometre_square_around_their_plots(plots):
    grid = aggregate_plots(plots)
    for row in grid.itertuples():
        ring = shapely.Polygon(row.polygon)
        assert len(row.polygon) == 4
        assert 0.008 < ring.bounds[2] - ring.bounds[0] < 0.012  # ~1 km of longitude at 29.7°N
    cells = shapely.Polygon(grid.iloc[0]["polygon"]).union(shapely.Polygon(grid.iloc[1]["polygon"]))
    assert cells.buffer(1e-9).contains(shapely.centroid(plots.geometry.to_numpy())).all()


def test_input_is_not_mutated(plots):
    before = plots.copy()
    aggregate_plots(plots)
    pd.testing.assert_frame_equal(plots, before)


def test_empty_plots_give_an_empty_grid(plots):
    assert aggregate_plots(plots.iloc[:0]).empty
    assert plot_drawing(plots.iloc[:0], language="zh").records == []


def test_every_cell_carries_plain_text_tooltip_fields(plots):
    grid = aggregate_plots(plots)
    records = grid_records(grid, status_labels={"reclaimed": "已盘活", "pending": "待处置"},
                           colours=PLOT_COLOURS, language="zh")
    for record in records:
        assert all(isinstance(record[field], str) and record[field] for field in ("title", "line1", "line2"))
    packed = next(r for r in records if r["title"].startswith("4 "))
    assert "已盘活 30.0 亩" in packed["line1"] and packed["line2"].endswith("36.5 亩")
    assert packed["color"] == PLOT_COLOURS["reclaimed"]


def test_threshold_switches_between_detail_and_cells(plots):
    detail = plot_drawing(plots, language="en", polygon_limit=len(plots)).records
    cells = plot_drawing(plots, language="en", polygon_limit=len(plots) - 1).records
    assert [r["kind"] for r in detail] == ["plot"] * 6
    assert [r["kind"] for r in cells] == ["plot_cell"] * 2
    assert cells[0]["title"].endswith("plots")


def test_build_layers_aggregates_a_city_of_plots_and_details_a_district():
    """Above PLOT_POLYGON_LIMIT the map gets cells; one district's plots come back in full."""
    from spaces.planning.filters import Filters, apply_filters
    from spaces.sample import build_sample
    from spaces.view.deck import PLOT_POLYGON_LIMIT

    layers = build_sample(plots=PLOT_POLYGON_LIMIT + 5_000)
    city = build_layers(apply_filters(layers, Filters()), visible=["plots"], choropleth=None, language="zh")
    assert {r["kind"] for r in city[0].data} == {"plot_cell"}
    assert sum(int(r["title"].split()[0].replace(",", "")) for r in city[0].data) == PLOT_POLYGON_LIMIT + 5_000
    adcodes = layers["plots"]["district_adcode"]
    small = next(a for a in adcodes.unique() if (adcodes == a).sum() <= PLOT_POLYGON_LIMIT)
    one = build_layers(apply_filters(layers, Filters(districts=(small,))), visible=["plots"], choropleth=None,
                       language="zh")
    assert {r["kind"] for r in one[0].data} == {"plot"}
    assert len(one[0].data) == int(np.sum(adcodes == small))


def test_a_focus_draws_every_plot_in_its_window_and_cells_elsewhere():
    """No plot is lost or drawn twice: cells count exactly the plots outside the window."""
    from spaces.geo.window import zoom_window
    from spaces.sample import build_sample
    from spaces.view.deck import plot_drawing

    plots = build_sample(plots=3_000)["plots"]
    centre = plots.geometry.iloc[0].centroid
    drawing = plot_drawing(plots, language="zh", focus=(centre.x, centre.y), polygon_limit=400)
    window = drawing.window
    assert window == zoom_window(plots, lon=centre.x, lat=centre.y, limit=400)
    assert 0 < window.plots <= 400
    details = [r for r in drawing.records if r["kind"] == "plot"]
    cells = [r for r in drawing.records if r["kind"] == "plot_cell"]
    assert drawing.aggregated and len(details) == window.plots == drawing.plot_polygons
    assert plots["plot_id"].iloc[0] in {r["id"] for r in details}
    assert len(details) + sum(int(r["title"].split()[0].replace(",", "")) for r in cells) == len(plots)
    inside = {(window.x0 <= x < window.x1) and (window.y0 <= y < window.y1)
              for x, y in (map(int, r["id"].split(",")) for r in cells)}
    assert inside == {False}
    layers = build_layers({"plots": plots}, visible=["plots"], choropleth=None, language="zh", plots=drawing)
    assert [layer.id for layer in layers] == ["plot_cells", "plots", "zoom_window"]  # cells under the parks
    assert layers[0].data == cells and layers[1].data == details
    assert layers[2].data == [{"path": window.outline()}]


def test_without_a_focus_or_under_the_limit_there_is_no_window(plots):
    from spaces.view.deck import plot_drawing

    assert plot_drawing(plots, language="zh", focus=(121.5, 29.7)).window is None  # 6 plots: all drawn
    assert plot_drawing(plots, language="zh", polygon_limit=2).window is None
    assert plot_drawing(plots, language="zh", focus=(121.5, 29.7), polygon_limit=2).window is not None


def test_cells_over_a_gcj02_basemap_are_those_of_the_shifted_plots(plots):
    from spaces.geo.shift import to_gcj02

    assert plot_cells(plots, basemap_id="amap").equals(plot_cells(to_gcj02(plots)))
    assert not plot_cells(plots, basemap_id="amap").equals(plot_cells(plots))  # 500 m moves a cell


def test_precomputed_cells_give_the_same_grid(plots):
    some = plots.iloc[[0, 2, 5]]
    pd.testing.assert_frame_equal(aggregate_plots(some, cells=plot_cells(plots)), aggregate_plots(some))
