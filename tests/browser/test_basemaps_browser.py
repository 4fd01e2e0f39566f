"""Basemaps in Debian's Chromium: none makes no outside request; a basemap's tiles are drawn under the layers.

There is no internet here: a route fulfils the configured tile hosts with locally drawn PNGs, so the test
proves where the browser asks for tiles and that what comes back is drawn, not that the servers answer.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
from PIL import Image, ImageDraw

from spaces.view.basemaps import basemap_options, tile_hosts

ROOT = Path(__file__).resolve().parents[2]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
ALLOWED_CONSOLE = ("GPU stall", "luma.gl", "WebGL", "GroupMarkerNotSet", "Automatic fallback to software WebGL")
TIANDITU_KEY = "test-key-7f3a"
OVERLAY = (230, 30, 30)  # the red rectangle the app draws over Ningbo
BASE_TILE = (0, 140, 160)  # every base-layer tile: teal …
BASE_GRID = (250, 210, 40)  # … with a yellow grid
LABEL_INK = (0, 0, 0)  # label-layer tiles (Tianditu cva/cia): transparent with black diagonals

# A throwaway page that draws one overlay with the basemap named in the URL, through spaces.view.basemaps.
APP = """
import pydeck as pdk
import streamlit as st

from spaces.view.basemaps import deck_basemap

choice = st.query_params.get("basemap", "none")
overlay = [{"polygon": [[121.45, 29.80], [121.60, 29.80], [121.60, 29.90], [121.45, 29.90]]}]
layer = pdk.Layer("PolygonLayer", overlay, id="overlay", get_polygon="polygon",
                  get_fill_color=[230, 30, 30, 255], stroked=False)
deck = pdk.Deck(layers=[layer], initial_view_state=pdk.ViewState(longitude=121.525, latitude=29.85, zoom=10),
                **deck_basemap(choice))
st.pydeck_chart(deck, height=420, key="map")
st.caption(f"basemap={choice}")
"""

# Per basemap: the hosts that may be asked for tiles and a fragment every tile URL must hold. Written out
# here rather than read from geodata/basemaps.toml, so that a wrong entry there fails the test. Carto is
# left out to keep the run under 30 s: it is drawn exactly like OSM (tests/test_basemaps.py checks its URLs).
EXPECTED = {
    "osm": ({"tile.openstreetmap.org"}, "/"),
    "tianditu_img": ({f"t{i}.tianditu.gov.cn" for i in range(8)}, f"&tk={TIANDITU_KEY}"),
    "amap": ({f"webrd0{i}.is.autonavi.com" for i in range(1, 5)}, "/appmaptile?lang=zh_cn&size=1&scale=1&style=8&"),
}


def _png(draw_base: bool) -> bytes:
    image = Image.new("RGBA", (256, 256), (*BASE_TILE, 255) if draw_base else (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    for offset in range(0, 256, 64):
        if draw_base:
            pen.line([(offset, 0), (offset, 255)], fill=(*BASE_GRID, 255), width=4)
            pen.line([(0, offset), (255, offset)], fill=(*BASE_GRID, 255), width=4)
        else:
            pen.line([(offset, 0), (offset + 60, 60)], fill=(*LABEL_INK, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


BASE_PNG, LABEL_PNG = _png(True), _png(False)


def _pixels(png: bytes, colour: tuple[int, int, int], tolerance: int = 30) -> int:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int((np.abs(pixels - np.array(colour)).max(axis=2) <= tolerance).sum())


@pytest.fixture(scope="module")
def basemap_app(tmp_path_factory, streamlit_server) -> Iterator[str]:
    """The throwaway page under `streamlit run`, with a Tianditu key in its environment."""
    folder = tmp_path_factory.mktemp("basemap_app")
    (folder / "basemap_app.py").write_text(APP, encoding="utf-8")
    env = {**os.environ, "TIANDITU_KEY": TIANDITU_KEY,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    with streamlit_server(folder / "basemap_app.py", env=env, cwd=folder, log_dir=folder) as url:
        yield url


@pytest.fixture
def tile_page(browser):
    """Like the shared `page`, but tile requests to a configured basemap host get a local PNG (and are
    recorded in ``page.tile_requests``); any other request leaving localhost is refused and recorded."""
    configured = set().union(*(tile_hosts(basemap_id) for basemap_id in basemap_options()))
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.tile_requests, page.outside_requests, page.errors = [], [], []

    def route(route_request):
        url = route_request.request.url
        host = urlparse(url).hostname or ""
        if url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route_request.continue_()
        elif host in configured:
            page.tile_requests.append(url)
            body = LABEL_PNG if any(f"/{layer}/" in url for layer in ("cva_w", "cia_w")) else BASE_PNG
            # Tiles become WebGL textures, which needs CORS; OSM and Carto send this header too.
            route_request.fulfill(status=200, body=body, content_type="image/png",
                                  headers={"Access-Control-Allow-Origin": "*"})
        else:
            page.outside_requests.append(url)
            route_request.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: page.errors.append(message.text)
            if message.type == "error" and not any(a in message.text for a in ALLOWED_CONSOLE) else None)
    yield page
    context.close()


def _open(page, url: str, basemap_id: str):
    page.goto(f"{url}/?basemap={basemap_id}", wait_until="domcontentloaded")
    page.get_by_text(f"basemap={basemap_id}").wait_for(timeout=60_000)
    chart = page.get_by_test_id("stDeckGlJsonChart")
    chart.locator("canvas").first.wait_for(timeout=60_000)
    return chart


def _wait_for(chart, colour, *, at_least: int, timeout_s: float = 20) -> bytes:
    """A screenshot of the chart once ``colour`` covers ``at_least`` pixels (or the last one at the timeout)."""
    deadline = time.monotonic() + timeout_s
    while True:
        shot = chart.screenshot()
        if _pixels(shot, colour) >= at_least or time.monotonic() > deadline:
            return shot
        time.sleep(0.4)


def test_no_basemap_makes_no_request_leaving_the_machine(page, basemap_app, screenshot):
    chart = _open(page, basemap_app, "none")
    shot = _wait_for(chart, OVERLAY, at_least=5000)
    page.wait_for_timeout(1000)  # a basemap would be asking for its tiles by now
    screenshot(page, "basemap_none")
    assert _pixels(shot, OVERLAY) >= 5000, "the overlay is not drawn"
    assert _pixels(shot, BASE_TILE) == 0
    assert chart.locator("canvas").count() == 1, "a second canvas means a basemap was mounted"
    assert page.outside_requests == [], page.outside_requests
    assert page.errors == [], page.errors


@pytest.mark.parametrize("basemap_id", list(EXPECTED))
def test_basemap_tiles_come_from_the_configured_hosts_and_are_drawn_under_the_layers(
        tile_page, basemap_app, screenshot, basemap_id):
    chart = _open(tile_page, basemap_app, basemap_id)
    box = chart.bounding_box()
    shot = _wait_for(chart, BASE_TILE, at_least=int(box["width"] * box["height"] * 0.4))
    screenshot(tile_page, f"basemap_{basemap_id}")

    hosts, fragment = EXPECTED[basemap_id]
    assert tile_page.tile_requests, "no tile was requested"
    assert {urlparse(url).hostname for url in tile_page.tile_requests} <= hosts
    assert all(fragment in url for url in tile_page.tile_requests), tile_page.tile_requests[:3]
    assert tile_page.outside_requests == [], tile_page.outside_requests  # no style, font, sprite or telemetry
    assert tile_page.errors == [], tile_page.errors

    area = box["width"] * box["height"]
    assert _pixels(shot, BASE_TILE) > 0.4 * area, "the tiles are not drawn"
    assert _pixels(shot, BASE_GRID) > 0.02 * area, "the tiles are not drawn as sent"
    # The overlay is drawn over the tiles: as many red pixels as without a basemap, and red at its centre.
    assert _pixels(shot, OVERLAY) >= 5000
    pixels = np.asarray(Image.open(io.BytesIO(shot)).convert("RGB")).astype(int)
    centre = pixels[pixels.shape[0] // 2, pixels.shape[1] // 2]
    assert np.abs(centre - np.array(OVERLAY)).max() <= 30, centre
    if basemap_id == "tianditu_img":  # the label layer is requested and drawn on top of the imagery
        assert any("/cia_w/" in url for url in tile_page.tile_requests)
        assert any("/img_w/" in url for url in tile_page.tile_requests)
        assert _pixels(shot, LABEL_INK, tolerance=20) > 0.005 * area
