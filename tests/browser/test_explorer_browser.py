"""The explorer as a planner uses it, in Debian's Chromium, offline: every page, the map, clicks, filters, links."""

import io
from urllib.parse import quote

import numpy as np
import pytest
from PIL import Image

from spaces.view.deck import PARK_LINE

PAGES = ["", "districts", "parks", "data"]  # the map is the default page, at the root URL
APP_READY = 60_000


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _near(pixels: np.ndarray, colour, tolerance: int = 40) -> int:
    """Pixels within ``tolerance`` of ``colour`` in every channel."""
    return int((np.abs(pixels - np.array(colour[:3])) <= tolerance).all(axis=2).sum())


def _open(page, url: str):
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text("示例数据", exact=False).first.wait_for(timeout=APP_READY)


def _map_canvas(page):
    canvas = page.locator("canvas").first
    canvas.wait_for(timeout=APP_READY)
    page.wait_for_timeout(2500)  # SwiftShader draws the first frame slowly
    return canvas


@pytest.mark.parametrize("name", PAGES)
def test_every_page_loads_without_errors_or_outside_requests(page, app_url, screenshot, name):
    _open(page, f"{app_url}/{name}")
    page.wait_for_timeout(3000)
    screenshot(page, f"page_{name or 'map'}")
    assert page.outside_requests == []
    assert page.errors == []


def test_map_draws_layers_and_the_industry_filter_changes_them(page, app_url, screenshot):
    _open(page, f"{app_url}/?ly=parks")
    everything = _near(_pixels(_map_canvas(page).screenshot()), PARK_LINE)
    _open(page, f"{app_url}/?ly=parks&ind={quote('生物医药')}")
    filtered = _near(_pixels(_map_canvas(page).screenshot()), PARK_LINE)
    screenshot(page, "map_filtered_biomedicine")
    assert everything > 500, "park outlines are not drawn"
    assert 0 < filtered < everything * 0.6
    assert page.errors == [] and page.outside_requests == []


def test_clicking_a_park_opens_its_detail_panel(page, app_url, screenshot):
    """Fly to a park with the search box, clear the selection, then click the park on the canvas."""
    _open(page, f"{app_url}/?ly=parks")
    page.get_by_text("搜索园区、社区或地块").wait_for()
    page.locator("[data-testid='stSelectbox']").filter(has_text="搜索园区、社区或地块").click()
    page.keyboard.type("宁海经济开发区")
    page.keyboard.press("Enter")
    page.get_by_text("清除选择").click(timeout=APP_READY)
    page.get_by_text("点击地图上的园区", exact=False).wait_for(timeout=APP_READY)
    # The frame writes the URL after the page has run, so the address changes a moment after the panel.
    page.wait_for_function("!location.search.includes('sel=')", timeout=APP_READY)
    canvas = _map_canvas(page)
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("location.search.includes('sel=park%3AP012')", timeout=APP_READY)
    page.get_by_text("宁海经济开发区").nth(1).wait_for(timeout=APP_READY)  # the search box, then the panel
    screenshot(page, "map_park_detail")
    assert page.get_by_text("范围内").count() >= 1
    assert page.errors == [] and page.outside_requests == []


def test_a_link_with_state_opens_the_same_view(page, app_url, screenshot):
    url = f"{app_url}/?year=2023&t=green_parks&sel=park%3AP004&lang=en"
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text("Sample data", exact=False).first.wait_for(timeout=APP_READY)
    page.locator("h4", has_text="宁波石化经济技术开发区").wait_for(timeout=APP_READY)
    target = page.locator("[data-testid='stSelectbox']").filter(has_text="Colour districts by")
    assert target.locator("input").first.input_value() == "Green parks"
    screenshot(page, "map_from_link")
    assert "year=2023" in page.url
    assert page.errors == [] and page.outside_requests == []


def _directory_rows(page) -> int:
    grid = page.locator("[data-testid='stDataFrame'] table[aria-rowcount]").first
    grid.wait_for(state="attached", timeout=APP_READY)
    return int(grid.get_attribute("aria-rowcount")) - 1  # minus the header row


def test_parks_directory_follows_the_industry_filter(page, app_url):
    _open(page, f"{app_url}/parks")
    everything = _directory_rows(page)
    _open(page, f"{app_url}/parks?ind={quote('生物医药')}")
    filtered = _directory_rows(page)
    assert everything == 90  # 20 parks + 70 communities
    assert 0 < filtered < everything
    assert page.errors == [] and page.outside_requests == []


def test_the_html_map_download_opens_offline_with_leaflet(page, browser, app_url, tmp_path, screenshot):
    """Download the current view, then open the file in a fresh page that may not reach anything."""
    _open(page, f"{app_url}/?ind={quote('绿色石化')}")
    with page.expect_download(timeout=APP_READY) as download:
        page.get_by_text("下载当前地图", exact=False).click()
    saved = tmp_path / "map.html"
    download.value.save_as(saved)
    html = saved.read_text(encoding="utf-8")
    assert "示例数据" in html and "绿色石化" in html

    context = browser.new_context()
    outside = []
    context.route("**/*", lambda route: (outside.append(route.request.url), route.abort())
                  if not route.request.url.startswith(("file:", "data:", "blob:")) else route.continue_())
    fresh = context.new_page()
    errors = []
    fresh.on("pageerror", lambda error: errors.append(str(error)))
    fresh.goto(saved.as_uri())
    fresh.wait_for_function("typeof L === 'object' && document.querySelectorAll('path.leaflet-interactive').length > 10")
    screenshot(fresh, "html_map_download")
    context.close()
    assert outside == [] and errors == []


def test_the_district_summary_downloads_as_xlsx_marked_sample(page, app_url, tmp_path):
    """A planner's export: the XLSX from the Districts page holds the city row and says it is sample data."""
    import openpyxl

    _open(page, f"{app_url}/districts?year=2024")
    page.get_by_text("下载").first.click()
    with page.expect_download(timeout=APP_READY) as download:
        page.get_by_role("button", name="XLSX").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.endswith(".xlsx") and "2024" in saved.name
    book = openpyxl.load_workbook(saved)
    cells = [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "330200" in cells
    assert any("示例数据" in c for c in cells)
    assert page.errors == [] and page.outside_requests == []


def _centre_of_colour(png: bytes) -> tuple[float, float]:
    pixels = _pixels(png)
    ys, xs = np.nonzero((pixels.max(axis=2) - pixels.min(axis=2)) > 60)
    return float(xs.mean()), float(ys.mean())


def test_the_view_stays_where_the_planner_moved_it_when_a_filter_changes(page, app_url):
    _open(page, f"{app_url}/?ly=districts,parks")
    canvas = _map_canvas(page)
    start = _centre_of_colour(canvas.screenshot())
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 200, y - 100, steps=10)
    page.mouse.up()
    page.wait_for_timeout(1500)
    panned = _centre_of_colour(canvas.screenshot())
    page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first.click()
    page.keyboard.type("生物医药")
    page.keyboard.press("Enter")
    page.wait_for_function("location.search.includes('ind=')", timeout=APP_READY)
    page.wait_for_timeout(3000)
    after = _centre_of_colour(canvas.screenshot())
    assert start[0] - panned[0] > 100  # the drag moved the map
    assert abs(after[0] - panned[0]) < 25 and abs(after[1] - panned[1]) < 25, (start, panned, after)
    assert page.errors == [] and page.outside_requests == []


def test_switching_pages_keeps_the_language_and_filters_in_the_url(page, app_url):
    """The parks page ends early until a row is chosen; the URL must still carry the state."""
    page.goto(f"{app_url}/districts?lang=en&year=2023", wait_until="domcontentloaded")
    page.get_by_text("Sample data", exact=False).first.wait_for(timeout=APP_READY)
    page.get_by_role("link", name="Parks").click()
    page.wait_for_function("location.pathname.endsWith('/parks')", timeout=APP_READY)
    page.wait_for_function("location.search.includes('lang=en') && location.search.includes('year=2023')",
                           timeout=APP_READY)
    assert page.errors == [] and page.outside_requests == []
