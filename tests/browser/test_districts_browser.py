"""区县达标 and the parks directory as a planner reads them in Chromium: the matrix fits 1280 px, the search is
bilingual; the drill-down map follows the chosen target."""

import io

import numpy as np
import pytest
from PIL import Image

from spaces.planning.calendar import today_in_beijing
from spaces.planning.summary import build_summary
from spaces.reference.targets import load_targets
from spaces.sample import build_sample
from spaces.view.deck import STATUS_COLOURS
from spaces.view.urlstate import defaults

READY = 60_000
MATRIX_WIDTHS = """(() => {
    const box = document.querySelector('.gap-matrix');
    const main = document.querySelector('[data-testid="stMain"]');
    return {scroll: box.scrollWidth, client: box.clientWidth, mainScroll: main.scrollWidth, mainClient: main.clientWidth,
            columns: box.querySelectorAll('thead th').length, table: box.querySelector('table').getBoundingClientRect().right,
            right: box.getBoundingClientRect().right};
})()"""


def _matrix(page, url: str) -> dict:
    page.goto(url, wait_until="domcontentloaded")
    page.locator(".gap-matrix").first.wait_for(timeout=READY)
    page.wait_for_timeout(1500)
    return page.evaluate(MATRIX_WIDTHS)


@pytest.mark.parametrize(("language", "size"), [("zh", (1280, 720)), ("en", (1280, 720)), ("zh", (1440, 900)),
                                                ("en", (1440, 900))])
def test_the_matrix_reads_without_scrolling_sideways(page, app_url, screenshot, language, size):
    """Every district and the city as a column, no horizontal scroll of the matrix or the page."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    widths = _matrix(page, f"{app_url}/districts?lang={language}")
    screenshot(page, f"districts_{language}_{size[0]}x{size[1]}")
    assert widths["columns"] == 1 + 11  # the target names, ten districts and the city
    assert widths["scroll"] <= widths["client"], widths
    assert widths["mainScroll"] <= widths["mainClient"], widths
    assert widths["table"] <= widths["right"] + 0.5, widths
    assert page.errors == [] and page.outside_requests == []


def test_the_matrix_and_the_drill_down_follow_the_sidebar_district(page, app_url, screenshot):
    page.set_viewport_size({"width": 1280, "height": 720})
    widths = _matrix(page, f"{app_url}/districts?d=330206")
    assert widths["columns"] == 1 + 2  # 北仑 and the city
    headings = page.evaluate("Array.from(document.querySelectorAll('.gap-matrix thead th')).map(e => e.innerText)")
    assert headings[1:] == ["北仑区", "宁波市"]
    from playwright.sync_api import expect  # conftest skips these tests where Playwright is missing

    drill = page.locator("[data-testid='stMain']").get_by_role("combobox", name="区县")  # the drill-down's
    expect(drill).to_have_value("北仑区", timeout=READY)
    screenshot(page, "districts_zh_beilun")
    assert page.errors == [] and page.outside_requests == []


def _directory_rows(page, search: str) -> list[list[str]]:
    """The rows the directory shows after typing ``search``, from the grid's accessible table."""
    box = page.locator("[data-testid='stTextInput'] input").first
    box.fill(search)
    box.press("Enter")
    page.wait_for_timeout(3000)
    return page.evaluate("""Array.from(document.querySelectorAll('[data-testid="stDataFrame"] [role=row]'))
        .slice(1).map(row => Array.from(row.querySelectorAll('[role=gridcell]')).map(cell => cell.innerText))""")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_directory_finds_beilun_in_either_language(page, app_url, screenshot, language):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/parks?lang={language}", wait_until="domcontentloaded")
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=READY)
    english = _directory_rows(page, "Beilun")
    screenshot(page, f"directory_beilun_{language}")
    chinese = _directory_rows(page, "北仑")
    district = "Beilun" if language == "en" else "北仑区"
    assert len(english) >= 3 and all(district in row for row in english), english
    assert english == chinese
    materials = _directory_rows(page, "new materials")
    shown = "New materials" if language == "en" else "新材料"
    assert materials and all(any(shown in cell for cell in row) for row in materials)
    assert page.errors == [] and page.outside_requests == []


def _status_pixels(png: bytes) -> dict[str, int]:
    """How many pixels of a map screenshot are each status's district colour (drawn at its alpha over white)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(float)
    counts = {}
    for status, colour in STATUS_COLOURS.items():
        drawn = np.array(colour[:3]) * colour[3] / 255 + 255 * (1 - colour[3] / 255)
        counts[status] = int((np.abs(pixels - drawn).sum(axis=2) < 12).sum())
    return counts


def test_the_drill_down_map_colours_its_district_by_the_chosen_target(page, app_url, screenshot):
    """The district map's outline comes in a file that stays the same, its colour in the chart message (an accessor
    expression, spaces/view/deck.py district_layer): another target, another status, another colour."""
    year = defaults()["year"]
    long = build_summary(build_sample(plots=500), year=year, today=today_in_beijing()).long
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{app_url}/districts", wait_until="domcontentloaded")
    chart = page.locator("[data-testid='stDeckGlJsonChart']").first
    chart.wait_for(timeout=READY)
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(3000)  # SwiftShader draws the first frame slowly
    adcode = "330203"  # the drill-down opens on the first district, 海曙
    statuses = long.loc[long["adcode"] == adcode].set_index("key")["status"].dropna()
    keys = [k for k, target in load_targets().items() if target.scope == "district"]
    first = keys[0]  # the target the page opens on
    second = next(k for k in keys if statuses.get(k, statuses[first]) != statuses[first])
    select = page.locator(".st-key-districts_target")
    for key in (first, second):
        if key != first:
            select.click()
            page.keyboard.type(load_targets()[key].label("zh"))
            page.get_by_role("option", name=load_targets()[key].label("zh"), exact=True).click()
            page.wait_for_timeout(3000)  # the rerun, then one frame
        counts = _status_pixels(chart.screenshot())
        assert max(counts, key=counts.get) == statuses[key], f"{key}: {counts}, not {statuses[key]}"
    screenshot(page, "districts_drill_down_recoloured")
    assert page.errors == [] and page.outside_requests == []
