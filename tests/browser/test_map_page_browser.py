"""The map page read as a whole, in Chromium, offline (issue 12): the header, controls, map and legend on the
first screen; counts and a district zoom that follow the filters; a link that reopens a zoomed view; a hidden
selection that says so; an upload's preview that flies to it."""

import io
from urllib.parse import parse_qs, quote, urlparse

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import ARTIFACTS

READY = 60_000
SIZES = ({"width": 1280, "height": 720}, {"width": 1440, "height": 900})
MAP_SHOWN_PX = 250  # at least this much of the map's height on the first screen
# preview_layers' magenta (230, 0, 126) at alpha 160 over the page's light grey
UPLOAD_FILL = (237, 92, 171)


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _open(page, url: str):
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text("示例数据" if "lang=en" not in url else "Sample data", exact=False).first.wait_for(timeout=READY)
    canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
    canvas.wait_for(timeout=READY)
    page.wait_for_timeout(2500)  # SwiftShader draws the first frame slowly
    return canvas


def _query(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


@pytest.mark.parametrize("language", ["zh", "en"])
def test_header_controls_map_and_legend_fit_the_first_screen(page, app_url, language):
    """At 1280×720, then 1440×900 (the same session, resized): every card, the controls, at least
    ``MAP_SHOWN_PX`` of the map and the whole legend are above the fold."""
    page.set_viewport_size(SIZES[0])
    canvas = _open(page, f"{app_url}/?lang={language}")
    for size in SIZES:
        page.set_viewport_size(size)
        page.wait_for_timeout(1500)
        height = size["height"]
        cards = page.locator("[class*='st-key-hcard_']")
        assert cards.count() == 12
        for index in range(12):
            box = cards.nth(index).bounding_box()
            assert box["y"] + box["height"] <= height and box["height"] < 40, f"card {index} at {box}, {size}"
        label = "图层" if language == "zh" else "Layers"
        layers = _box(page, f"[data-testid='stMultiSelect']:has-text('{label}')")
        assert layers["y"] + layers["height"] < height
        map_box = canvas.bounding_box()
        assert height - map_box["y"] >= MAP_SHOWN_PX, f"only {height - map_box['y']:.0f} px of the map, {size}"
        legend = _box(page, ".st-key-map_legend")
        assert legend["y"] + legend["height"] <= height, f"the legend ends at {legend['y'] + legend['height']:.0f}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"first_screen_{language}_{size['width']}.png"))  # as seen
    assert page.errors == [] and page.outside_requests == []


def test_a_district_filter_counts_flies_to_the_district_and_dims_the_rest(page, app_url, screenshot):
    page.set_viewport_size({"width": 1440, "height": 900})
    canvas = _open(page, app_url)
    counts = page.get_by_text("地图显示：", exact=False).first
    before_text, before = counts.inner_text(), _pixels(canvas.screenshot())
    assert "个园区" in before_text and "亩" in before_text
    page.locator("[data-testid='stMultiSelect']").filter(has_text="区县").first.click()
    page.get_by_role("option", name="北仑区").click()
    page.wait_for_function("location.search.includes('d=330206') && location.search.includes('v=')", timeout=READY)
    page.keyboard.press("Escape")
    page.wait_for_function("t => !document.body.innerText.includes(t)", arg=before_text, timeout=READY)
    after_text = page.get_by_text("地图显示：", exact=False).first.inner_text()
    page.wait_for_timeout(2500)
    after = _pixels(canvas.screenshot())
    screenshot(page, "map_district_zoom")
    zoom = float(_query(page)["v"].split(",")[2])
    assert zoom > 9, f"the map did not fly to 北仑 (zoom {zoom})"
    assert after_text != before_text and "个园区" in after_text
    assert np.abs(after - before).mean() > 10, "the canvas did not change"
    assert page.errors == [] and page.outside_requests == []


def test_a_shared_link_reopens_the_zoomed_view_at_any_plot_count(page, app_url, screenshot):
    """500 plots (drawn one by one, no zoom window): ``f=`` alone opens zoomed in, and the link written then
    (with ``v=``) opens the same picture in a fresh session."""
    page.set_viewport_size({"width": 1440, "height": 900})
    city = _pixels(_open(page, f"{app_url}/?ly=districts,parks").screenshot())
    focused = _pixels(_open(page, f"{app_url}/?ly=districts,parks&f=121.8500,29.9000").screenshot())
    page.wait_for_function("location.search.includes('v=')", timeout=READY)
    link = page.url
    assert _query(page)["v"] == "121.85000,29.90000,12.30"
    assert np.abs(focused - city).mean() > 10, "f= had no effect"
    fresh = page.context.browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        reopened = _pixels(_open(fresh, link).screenshot())
        screenshot(fresh, "map_shared_link")
    finally:
        fresh.close()
    assert np.abs(reopened - focused).mean() < np.abs(focused - city).mean() / 4, "the link opened elsewhere"
    assert page.errors == [] and page.outside_requests == []


def test_a_selected_park_hidden_by_the_year_says_so_and_shows_it_on_request(page, app_url, screenshot):
    page.set_viewport_size({"width": 1440, "height": 900})
    _open(page, f"{app_url}/?year=2023&sel={quote('park:P007')}")  # 前湾智能汽车产业平台, established 2025
    page.get_by_text("被筛选条件", exact=False).wait_for(timeout=READY)
    assert page.get_by_text("2025 年设立", exact=False).count() == 1
    screenshot(page, "map_hidden_selection")
    page.get_by_role("button", name="显示它", exact=False).click()
    page.wait_for_function("!location.search.includes('year=2023')", timeout=READY)
    page.get_by_text("被筛选条件", exact=False).wait_for(state="detached", timeout=READY)
    assert "sel=park%3AP007" in page.url
    assert page.errors == [] and page.outside_requests == []


def test_an_uploads_preview_flies_to_the_uploaded_features(page, app_url, tmp_path, screenshot):
    """Three factories within 2 km: at city scale they would be three dots of 4 px (~150 pixels); flown to,
    three discs of 150 m."""
    page.set_viewport_size({"width": 1440, "height": 900})
    rows = [f"F-{i},预览工厂{i},国家级,2024,模具,{121.55 + i * 0.01:.6f},{29.87 + i * 0.005:.6f}" for i in range(3)]
    upload = tmp_path / "three_factories.csv"
    upload.write_text("工厂编号,企业名称,级别,认定年份,行业,经度,纬度\n" + "\n".join(rows) + "\n", encoding="utf-8")
    page.goto(f"{app_url}/data", wait_until="domcontentloaded")
    page.get_by_text("导入数据", exact=True).wait_for(timeout=READY)
    page.locator("[data-testid='stSelectbox']").filter(has_text="导入到图层").click()
    page.get_by_role("option", name="绿色工厂").click()
    page.locator("input[type='file']").set_input_files(str(upload))
    page.get_by_text("校验通过", exact=False).wait_for(timeout=READY)
    canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first  # the page's only map
    canvas.wait_for(timeout=READY)
    page.wait_for_timeout(3000)
    pixels = _pixels(canvas.screenshot())
    screenshot(page, "upload_preview_zoomed")
    magenta = int((np.abs(pixels - np.array(UPLOAD_FILL)) <= 40).all(axis=2).sum())
    assert magenta > 3000, f"only {magenta} magenta pixels: the preview did not fly to the upload"
    assert page.errors == [] and page.outside_requests == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_districts_are_named_on_the_map(page, app_url, language):
    """The names are drawn (near-black glyphs on a white halo; nothing else on the default map is that dark),
    as small text: a few thousand pixels, not blobs over the map; without the districts layer, no names."""
    page.set_viewport_size({"width": 1440, "height": 900})
    named = _pixels(_open(page, f"{app_url}/?lang={language}").screenshot())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"district_names_{language}.png"))
    unnamed = _pixels(_open(page, f"{app_url}/?lang={language}&ly=parks,communities,plots").screenshot())

    def dark(pixels: np.ndarray) -> int:
        return int((pixels.max(axis=2) < 60).sum())

    assert 1500 < dark(named) < 0.03 * named.shape[0] * named.shape[1], f"{dark(named)} dark pixels"
    assert dark(unnamed) < 200
    assert page.errors == [] and page.outside_requests == []
