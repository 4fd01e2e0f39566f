"""The downloaded HTML map opened in a fresh offline browser page: Leaflet loads, layers draw, popups are text."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from spaces.districts import load_districts
from spaces.filters import MAP_LAYERS, Filters, apply_filters
from spaces.html_map import html_map
from spaces.sample import build_sample

HOSTILE = "<img src=x onerror=alert(1)>"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture(scope="module")
def map_url(tmp_path_factory):
    """The HTML map of a 1,000-plot sample, with a park named like an XSS probe, served on 127.0.0.1."""
    sample = build_sample(plots=1000)
    layers = apply_filters(sample, Filters(year=2026))
    parks = layers["parks"].copy()
    parks.loc[parks.index[0], "name_zh"] = HOSTILE
    layers["parks"] = parks
    folder = tmp_path_factory.mktemp("html_map")
    (folder / "map.html").write_bytes(html_map(
        {name: layers[name] for name in MAP_LAYERS}, districts=load_districts(),
        title="宁波产业空间重构 · 2026", notice="示例数据：模拟数据，不是官方数据 · 2026 · 全部行业"))
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/map.html", parks.iloc[0]["park_id"]
    server.shutdown()
    server.server_close()


def test_html_map_renders_offline_with_text_popups(page, map_url, screenshot):
    url, hostile_park = map_url
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 500", timeout=30_000)

    assert page.evaluate("typeof L === 'object' && L.version") == "1.9.3"
    # The Leaflet map object that folium created, whatever its generated variable name.
    page.evaluate("window.testMap = Object.values(window).find(value => value instanceof L.Map)")
    drawn = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
    # 10 districts + 20 parks + 70 communities + 1,000 plots + 1,126 factories, less any off-screen clipping.
    assert drawn > 1500
    assert "示例数据" in page.inner_text(".hm-banner")
    legend = page.inner_text(".hm-legend")
    assert "已盘活" in legend and "国家级" in legend
    control = page.inner_text(".leaflet-control-layers")
    for name in ("区县", "战略产业园", "优势产业社区", "低效用地地块", "绿色工厂"):
        assert name in control

    # A real click on a factory circle that is not under a control opens its popup.
    clicked = page.evaluate("""() => {
        const map = window.testMap;
        let point = null;
        map.eachLayer(layer => {
            if (point || !layer.feature || !layer._path || layer.options.pane !== 'factories') return;
            const box = layer._path.getBoundingClientRect();
            const x = box.left + box.width / 2, y = box.top + box.height / 2;
            if (document.elementFromPoint(x, y) === layer._path) point = [x, y];
        });
        return point;
    }""")
    assert clicked, "no factory circle is visible and clickable"
    page.mouse.click(*clicked)
    page.wait_for_selector(".leaflet-popup-content", timeout=5_000)
    assert "认定年份" in page.inner_text(".leaflet-popup-content")

    # The hostile park name is shown as text: no element, no script, no dialog.
    page.evaluate("""(parkId) => {
        const map = window.testMap;
        map.eachLayer(layer => {
            if (layer.feature && layer.options.pane === 'parks' && layer.feature.properties.r[0] === parkId) {
                layer.openPopup();
            }
        });
    }""", hostile_park)
    page.wait_for_function("document.querySelector('.leaflet-popup-content b')?.textContent.includes('onerror')")
    assert page.inner_text(".leaflet-popup-content b") == HOSTILE
    assert page.locator(".leaflet-popup-content img").count() == 0
    shot = screenshot(page, "html_map")

    # Zoomed in on the busiest district (北仑), plots show as polygons in their status colours.
    page.evaluate("""() => {
        const map = window.testMap;
        map.closePopup();
        map.eachLayer(layer => {
            if (layer.feature && layer.options.pane === 'districts' && layer.feature.properties.t === '北仑区') {
                map.fitBounds(layer.getBounds(), {animate: false});
            }
        });
    }""")
    page.wait_for_timeout(500)
    screenshot(page, "html_map_zoomed")

    # The layer control switches a layer off.
    before = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
    page.locator(".leaflet-control-layers-overlays label", has_text="低效用地地块").locator("input").uncheck()
    after = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
    assert before - after >= 900, (before, after)

    page.wait_for_timeout(300)  # let any late dialog or error surface
    assert dialogs == []
    assert page.outside_requests == []
    assert page.errors == []
    assert shot.stat().st_size > 20_000
