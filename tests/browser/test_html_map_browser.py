"""The downloaded HTML map opened in a fresh offline browser page: Leaflet loads, layers draw, popups are text."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from spaces.exports.html_map import MAX_PLOT_POLYGONS, html_map
from spaces.geo.grid import aggregate_plots, plot_cells
from spaces.geo.window import zoom_window
from spaces.planning.filters import MAP_LAYERS, Filters, apply_filters
from spaces.planning.summary import build_summary
from spaces.reference.districts import load_districts
from spaces.sample import build_sample
from spaces.view.deck import STATUS_COLOURS

HOSTILE = "<img src=x onerror=alert(1)>"
BEILUN = (121.85, 29.90)

# The Leaflet map object that folium created, whatever its generated variable name ("void": Playwright
# would otherwise serialise the whole map back to Python, 40 s with thousands of layers).
FIND_MAP = "void (window.testMap = Object.values(window).find(value => value instanceof L.Map))"
# The centre of the first path of ``pane`` that passes ``test(layer)`` and is the topmost element there.
CLICKABLE = """([pane, test]) => {
    const keep = new Function('layer', 'return ' + test);
    let point = null;
    window.testMap.eachLayer(layer => {
        if (point || !layer.feature || !layer._path || layer.options.pane !== pane || !keep(layer)) return;
        const box = layer._path.getBoundingClientRect();
        const x = box.left + box.width / 2, y = box.top + box.height / 2;
        if (x < 0 || y < 0 || x > window.innerWidth || y > window.innerHeight) return;
        if (document.elementFromPoint(x, y) === layer._path) point = [x, y];
    });
    return point;
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@contextmanager
def _served(folder: Path) -> Iterator[str]:
    """``folder`` served on a free 127.0.0.1 port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def map_url(tmp_path_factory):
    """The HTML map of a 1,000-plot sample, with a park named like an XSS probe and the districts coloured by
    盘活腾退 in 2026, served on 127.0.0.1; beside it the same view with only districts and parks shown."""
    sample = build_sample(plots=1000)
    layers = apply_filters(sample, Filters(year=2026))
    parks = layers["parks"].copy()
    parks.loc[parks.index[0], "name_zh"] = HOSTILE
    layers["parks"] = parks
    shown = {name: layers[name] for name in MAP_LAYERS}
    options = {"districts": load_districts(), "title": "宁波产业空间重构 · 2026",
               "notice": "示例数据：模拟数据，不是官方数据 · 2026 · 全部行业",
               "summary": build_summary(sample, year=2026), "target": "reclaimed_land_mu"}
    folder = tmp_path_factory.mktemp("html_map")
    (folder / "map.html").write_bytes(html_map(shown, **options))
    (folder / "districts_parks.html").write_bytes(html_map(shown, visible=("districts", "parks"), **options))
    with _served(folder) as base:
        yield f"{base}/map.html", parks.iloc[0]["park_id"]


@pytest.fixture(scope="module")
def city_map(tmp_path_factory):
    """The export of a 100,000-plot sample (above the limit: 1 km cells) focused on 北仑, served on
    127.0.0.1, with the number of cells and window plots worked out here from the same building blocks."""
    layers = apply_filters(build_sample(plots=100_000), Filters(year=2025))
    plots = layers["plots"]
    cells = plot_cells(plots)
    window = zoom_window(plots, lon=BEILUN[0], lat=BEILUN[1], limit=MAX_PLOT_POLYGONS, cells=cells)
    inside = window.holds(cells)
    expected = {"cells": len(aggregate_plots(plots.loc[~inside], cells=cells)), "window": int(inside.sum())}
    folder = tmp_path_factory.mktemp("html_map_city")
    (folder / "city.html").write_bytes(html_map(
        {name: layers[name] for name in MAP_LAYERS}, districts=load_districts(), title="宁波产业空间重构 · 2025",
        notice="示例数据：模拟数据，不是官方数据 · 2025 · 全部行业", focus=BEILUN))
    with _served(folder) as base:
        yield f"{base}/city.html", expected


def test_html_map_renders_offline_with_text_popups(page, map_url, screenshot):
    url, hostile_park = map_url
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 500", timeout=30_000)

    assert page.evaluate("typeof L === 'object' && L.version") == "1.9.3"
    page.evaluate(FIND_MAP)
    drawn = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
    # 10 districts + 20 parks + 70 communities + 1,000 plots + 1,126 factories, less any off-screen clipping.
    assert drawn > 1500
    assert "示例数据" in page.inner_text(".hm-banner")
    legend = page.inner_text(".hm-legend")
    assert "已盘活" in legend and "国家级" in legend
    names = page.evaluate("Array.from(document.querySelectorAll('.hm-district-name')).map(e => e.innerText)")
    assert sorted(names) == sorted(load_districts()["name_zh"]), names  # every district named, as text
    control = page.inner_text(".leaflet-control-layers")
    for name in ("区县", "战略产业园", "优势产业社区", "低效用地地块", "绿色工厂"):
        assert name in control
    # A metric scale only, and no Leaflet link or flag in the corner.
    assert page.locator(".leaflet-control-scale-line").count() == 1
    scale = page.inner_text(".leaflet-control-scale")
    assert "km" in scale and "mi" not in scale and "ft" not in scale, scale
    attribution = page.locator(".leaflet-control-attribution")
    assert "Leaflet" not in attribution.inner_text() and attribution.locator("svg, a").count() == 0

    # Districts are filled by the status of the target, as on the app's map, and say so in their popup.
    fills = page.evaluate("""() => {
        const fills = {};
        window.testMap.eachLayer(layer => {
            if (layer.feature && layer.options.pane === 'districts') {
                fills[layer.feature.properties.t] = [getComputedStyle(layer._path).fill, layer.feature.properties.r[1]];
            }
        });
        return fills;
    }""")
    assert len(fills) == 10
    status_rgb = {label: "rgb({}, {}, {})".format(*STATUS_COLOURS[key][:3])
                  for key, label in (("met", "已达标"), ("on_track", "进度正常"), ("behind", "滞后"))}
    assert any(status in status_rgb for _, status in fills.values())
    for name, (fill, status) in fills.items():
        assert fill == status_rgb.get(status, "rgb(189, 189, 189)"), (name, fill, status)
    assert "区县着色：盘活腾退低效工业用地（2026 年）" in legend
    page.evaluate("""() => window.testMap.eachLayer(layer => {
        if (layer.feature && layer.options.pane === 'districts' && layer.feature.properties.t === '北仑区') {
            layer.openPopup();
        }
    })""")
    page.wait_for_selector(".leaflet-popup-content", timeout=5_000)
    district_popup = page.inner_text(".leaflet-popup-content")
    assert "北仑区" in district_popup and "完成率" in district_popup and "%" in district_popup, district_popup
    page.evaluate("void window.testMap.closePopup()")
    page.wait_for_selector(".leaflet-popup", state="detached", timeout=5_000)  # it fades out first

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


def test_layers_left_out_are_not_drawn(page, map_url, screenshot):
    url, _ = map_url
    page.goto(url.replace("map.html", "districts_parks.html"))
    page.wait_for_function("document.querySelectorAll('.leaflet-parks-pane path.leaflet-interactive').length > 10",
                           timeout=30_000)
    control = page.inner_text(".leaflet-control-layers")
    assert "区县" in control and "战略产业园" in control
    for name in ("优势产业社区", "低效用地地块", "绿色工厂"):
        assert name not in control and name not in page.inner_text(".hm-legend"), name
    for pane in ("communities", "plots", "factories"):
        assert page.locator(f".leaflet-{pane}-pane path").count() == 0, pane
    assert page.locator(".leaflet-land-pane path").count() == 10
    screenshot(page, "html_map_districts_parks")
    assert page.outside_requests == []
    assert page.errors == []


def test_city_scale_export_draws_cells_and_the_window_offline(page, city_map, screenshot):
    url, expected = city_map
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('.leaflet-plots-pane path.leaflet-interactive').length > 1000",
                           timeout=60_000)
    page.evaluate(FIND_MAP)
    # One clickable path per 1 km cell outside the window and per plot inside it; the outline is not clickable.
    drawn = page.evaluate("document.querySelectorAll('.leaflet-plots-pane path.leaflet-interactive').length")
    assert drawn == expected["cells"] + expected["window"], (drawn, expected)
    assert page.evaluate("document.querySelectorAll('.leaflet-plots-pane path:not(.leaflet-interactive)').length") == 1
    legend = page.inner_text(".hm-legend")
    assert "1 公里网格" in legend and "黑框（7 × 7 公里）内的地块" in legend
    assert f"{expected['window']:,}" in legend
    assert "黑框内逐块显示，框外按 1 公里网格汇总 (100,000)" in page.inner_text(".leaflet-control-layers")
    # The page opens on the window: 北仑 is in view.
    assert page.evaluate(f"window.testMap.getBounds().contains([{BEILUN[1]}, {BEILUN[0]}])")
    assert page.evaluate("window.testMap.getZoom()") >= 11

    # A real click on a plot inside the window opens that plot's popup.
    plot = page.evaluate(CLICKABLE, ["plots", "!/^[\\d,]+ 宗地块$/.test(layer.feature.properties.t)"])
    assert plot, "no plot of the window is visible and clickable"
    page.mouse.click(*plot)
    page.wait_for_selector(".leaflet-popup-content", timeout=5_000)
    assert "面积（亩）" in page.inner_text(".leaflet-popup-content")
    page.wait_for_timeout(400)  # the popup fades in
    shot = screenshot(page, "html_map_city_window")

    # A real click on a cell outside the window opens its popup: plots and 亩 per status, the total.
    page.evaluate("void window.testMap.closePopup()")
    page.wait_for_selector(".leaflet-popup", state="detached", timeout=5_000)  # it fades out first
    cell = page.evaluate(CLICKABLE, ["plots", "/^[\\d,]+ 宗地块$/.test(layer.feature.properties.t)"])
    assert cell, "no cell is visible and clickable"
    page.mouse.click(*cell)
    page.wait_for_selector(".leaflet-popup-content", timeout=5_000)
    popup = page.inner_text(".leaflet-popup-content")
    assert "宗地块" in popup and "合计" in popup and "亩" in popup, popup
    page.wait_for_timeout(400)
    screenshot(page, "html_map_city_cell")

    # The whole city, as 1 km cells.
    page.evaluate("""() => {
        const map = window.testMap;
        map.closePopup();
        const bounds = L.latLngBounds([]);
        map.eachLayer(layer => { if (layer.options.pane === 'districts' && layer.getBounds) bounds.extend(layer.getBounds()); });
        map.fitBounds(bounds, {animate: false});
    }""")
    page.wait_for_timeout(500)
    screenshot(page, "html_map_city_cells")

    page.wait_for_timeout(300)  # let any late error surface
    assert page.outside_requests == []
    assert page.errors == []
    assert shot.stat().st_size > 20_000
