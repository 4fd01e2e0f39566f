"""A city of plots in Chromium: 1 km cells at city scale, every plot around a clicked cell, and back."""

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from spaces.sample import build_sample
from spaces.store import local_actor, open_store
from spaces.view.deck import CELL_ALPHA, FAINT_CELL_ALPHA, PLOT_COLOURS, PLOT_POLYGON_LIMIT

APP_READY = 60_000
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def city_url(tmp_path_factory, streamlit_server):
    """The app on a store with more plots than the map draws one by one."""
    store = tmp_path_factory.mktemp("city") / "spaces.gpkg"
    open_store(str(store)).initialise(build_sample(plots=PLOT_POLYGON_LIMIT + 8_000), dataset="sample", actor=local_actor())
    with streamlit_server(ROOT / "streamlit_app.py", env={**os.environ, "SPACES_STORE": str(store)}, cwd=ROOT,
                          log_dir=tmp_path_factory.mktemp("city_log")) as url:
        yield url


def _drawn_colours() -> list[np.ndarray]:
    """The plot colours as drawn on the white map (``?ly=plots``): plots at their own alpha, cells
    translucent (``CELL_ALPHA``, ``FAINT_CELL_ALPHA`` around a detail window) so district colours show through."""
    colours = []
    for colour in PLOT_COLOURS.values():
        for alpha in (colour[3], CELL_ALPHA, FAINT_CELL_ALPHA):
            colours.append(np.array(colour[:3]) * alpha / 255 + 255 * (1 - alpha / 255))
    return colours


def _plot_pixels(png: bytes) -> np.ndarray:
    """(row, column) of every pixel close to a plot colour (cells and plots share them)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    near = np.zeros(pixels.shape[:2], dtype=bool)
    for colour in _drawn_colours():
        near |= (np.abs(pixels - colour) <= 30).all(axis=2)
    return np.argwhere(near)


def test_clicking_a_cell_zooms_in_to_every_plot_around_it(page, city_url, screenshot):
    page.goto(f"{city_url}/?ly=plots", wait_until="domcontentloaded")
    page.get_by_text("点击网格可放大", exact=False).wait_for(timeout=APP_READY)
    canvas = page.locator("canvas").first
    canvas.wait_for(timeout=APP_READY)
    page.wait_for_timeout(3000)
    before = canvas.screenshot()
    screenshot(page, "zoom_city_cells")
    coloured = _plot_pixels(before)
    assert len(coloured) > 2000, "no cells drawn"
    # click the coloured pixel nearest the middle of the cells (well inside one cell)
    row, column = coloured[np.argmin(((coloured - coloured.mean(axis=0)) ** 2).sum(axis=1))]
    box = canvas.bounding_box()
    x, y = box["x"] + float(column), box["y"] + float(row)
    page.mouse.move(x - 5, y - 5)  # as a hand does: deck.gl may miss a click that arrives with no move first
    page.mouse.move(x, y)
    page.wait_for_timeout(800)
    page.mouse.click(x, y)
    page.wait_for_function("location.search.includes('f=')", timeout=APP_READY)
    page.get_by_text("黑框内", exact=False).wait_for(timeout=APP_READY)
    page.wait_for_timeout(3500)
    after = canvas.screenshot()
    screenshot(page, "zoom_detail_window")
    # The black square around the detail window: a few hundred pixels wide, so the map zoomed in
    # (at city scale the 7 km window would be ~20 px), and centred where the planner clicked.
    dark = np.argwhere((np.asarray(Image.open(io.BytesIO(after)).convert("RGB")).astype(int) < 80).all(axis=2))
    assert len(dark) > 1000, "the black outline of the detail window is not drawn"
    height, width = dark.max(axis=0) - dark.min(axis=0)
    assert width > 250 and abs(height - width) < 0.15 * width, (height, width)
    assert len(_plot_pixels(after)) > 500  # plots inside, cells around
    page.get_by_text("返回全市视图").click()
    page.wait_for_function("!location.search.includes('f=')", timeout=APP_READY)
    page.get_by_text("点击网格可放大", exact=False).wait_for(timeout=APP_READY)
    assert page.errors == [] and page.outside_requests == []
