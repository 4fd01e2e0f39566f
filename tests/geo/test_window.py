"""Zoom windows: the widest block of cells around a point that the map can draw plot by plot."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from spaces.geo.grid import CELL_METRES, cell_centre, cell_of, plot_cells
from spaces.geo.window import ZoomWindow, format_focus, parse_focus, zoom_window

CENTRE = (121.55, 29.87)


@pytest.fixture
def ring_plots() -> gpd.GeoDataFrame:
    """Tiny plots at known cells around CENTRE: 3 in its cell, 10 in each ring 1 and 2, 100 in ring 3.

    Every ring adds a known number, so the window for each limit is known in advance.
    """
    centre_x, centre_y = (int(v) for v in cell_of(*CENTRE))
    counts = {0: 3, 1: 10, 2: 10, 3: 100}
    boxes = []
    for ring, count in counts.items():
        # cells on the ring's right-hand edge (Chebyshev distance == ring), spread over its height
        for i in range(count):
            dy = 0 if ring == 0 else (i % (2 * ring + 1)) - ring
            lon, lat = cell_centre(centre_x + ring, centre_y + dy)
            offset = (i // (2 * ring + 1) if ring else i) * 0.0003
            boxes.append(shapely.box(lon - 0.0001 + offset / 4, lat - 0.0001, lon + offset / 4, lat))
    return gpd.GeoDataFrame({"plot_id": [f"P{i}" for i in range(len(boxes))]}, geometry=boxes, crs=4326)


@pytest.mark.parametrize(("limit", "reach", "plots"), [
    (1_000, 3, 123), (123, 3, 123), (122, 2, 23), (23, 2, 23), (22, 1, 13), (13, 1, 13), (12, 0, 3), (2, 0, 3)])
def test_the_window_is_the_widest_square_within_the_limit(ring_plots, limit, reach, plots):
    window = zoom_window(ring_plots, lon=CENTRE[0], lat=CENTRE[1], limit=limit)
    centre_x, centre_y = (int(v) for v in cell_of(*CENTRE))
    assert window == ZoomWindow(centre_x - reach, centre_y - reach, centre_x + reach + 1, centre_y + reach + 1,
                                  plots=plots)
    assert window.holds(plot_cells(ring_plots)).sum() == plots
    assert window.size_km == (2 * reach + 1) * CELL_METRES / 1000


def test_a_window_never_reaches_beyond_its_widest(ring_plots):
    window = zoom_window(ring_plots, lon=CENTRE[0], lat=CENTRE[1], limit=10_000, reach=1)
    assert window.size_km == 3 and window.plots == 13


def test_precomputed_cells_of_a_superset_give_the_same_window(ring_plots):
    """The app passes the cells of every plot, computed once, with a filtered frame."""
    some = ring_plots.iloc[::2]
    assert zoom_window(some, lon=CENTRE[0], lat=CENTRE[1], limit=20, cells=plot_cells(ring_plots)) == \
        zoom_window(some, lon=CENTRE[0], lat=CENTRE[1], limit=20)


def test_outline_and_view_frame_the_window(ring_plots):
    window = zoom_window(ring_plots, lon=CENTRE[0], lat=CENTRE[1], limit=1_000)
    ring = np.array(window.outline())
    assert (ring[0] == ring[-1]).all()
    outline = shapely.Polygon(ring)
    assert outline.contains(shapely.Point(CENTRE))
    assert outline.covers(shapely.union_all(ring_plots.geometry))
    # 7 km a side: about 0.072° of longitude at 29.9° N and 0.063° of latitude
    minx, miny, maxx, maxy = outline.bounds
    assert maxx - minx == pytest.approx(7000 / (111_320 * np.cos(np.radians(29.87))), rel=0.03)
    assert maxy - miny == pytest.approx(7000 / 110_900, rel=0.03)
    view = window.view()
    assert abs(view["longitude"] - CENTRE[0]) < 0.01 and abs(view["latitude"] - CENTRE[1]) < 0.01
    assert 12 <= view["zoom"] <= 12.6
    narrow = zoom_window(ring_plots, lon=CENTRE[0], lat=CENTRE[1], limit=5)
    assert narrow.view()["zoom"] == pytest.approx(view["zoom"] + np.log2(7), abs=0.01)


def test_no_plots_give_the_widest_window():
    empty = gpd.GeoDataFrame({"plot_id": []}, geometry=[], crs=4326)
    window = zoom_window(empty, lon=CENTRE[0], lat=CENTRE[1], limit=10)
    assert window.plots == 0 and window.size_km == 7


@pytest.mark.parametrize("text", [None, "", "121.5", "a,b", "121.5,29.8,1", "0,0", "116.4,39.9", "nan,nan",
                                  "121.5;29.8"])
def test_bad_focus_text_is_no_focus(text):
    assert parse_focus(text) is None


def test_focus_text_round_trips():
    assert parse_focus(format_focus(121.551234, 29.871234)) == (121.5512, 29.8712)


@pytest.mark.parametrize("basemap", ["none", "amap"])
def test_a_clicked_cell_becomes_a_wgs84_focus_whose_window_frames_it(ring_plots, basemap):
    """Over AMap the cell ids are those of the shifted plots; the focus kept in the URL is WGS-84 all the same."""
    from spaces.geo.shift import shift_point
    from spaces.geo.window import focus_of_cell, window_view

    drawn_x, drawn_y = (int(v) for v in cell_of(*shift_point(*CENTRE, basemap)))
    focus = parse_focus(focus_of_cell(f"{drawn_x},{drawn_y}", basemap))
    # the centre of the cell holding CENTRE (as drawn), back in WGS-84: within the 1 km cell of CENTRE
    assert abs(focus[0] - CENTRE[0]) < 0.011 and abs(focus[1] - CENTRE[1]) < 0.01
    window = zoom_window(ring_plots, lon=CENTRE[0], lat=CENTRE[1], limit=1_000)
    view = window_view(window, basemap)
    assert abs(view["longitude"] - CENTRE[0]) < 0.011 and abs(view["latitude"] - CENTRE[1]) < 0.01
    if basemap == "amap":  # the view is unshifted: the app shifts views when it draws them
        assert (view["longitude"], view["latitude"]) != (window.view()["longitude"], window.view()["latitude"])
