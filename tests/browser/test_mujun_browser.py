"""The 亩均评价 page in Chromium, offline: at 1280x720 and 1440x900 in Chinese and English, its class list download
(formula-neutral, sample-marked) and From D class to land in desktop mode."""

import csv
import io
import os

import pytest

from spaces.intake import validate_file
from spaces.planning.mujun_land import d_class_land
from spaces.reference.credit_code import check_character
from spaces.sample import build_sample
from spaces.store import local_actor, open_store

READY = 60_000
HOSTILE = '=HYPERLINK("http://x")'
HOSTILE_CSV = '"=HYPERLINK(""http://x"")"'  # as a CSV cell


@pytest.fixture(scope="module")
def mujun_app(tmp_path_factory, streamlit_server):
    """Its own server and store (desktop mode: these tests write), with one imported 北仑 firm named like a formula."""
    from tests.browser.conftest import ROOT

    folder = tmp_path_factory.mktemp("mujun")
    store = open_store(str(folder / "spaces.gpkg"))
    store.initialise(build_sample(plots=200), dataset="sample", actor=local_actor())
    code = "91330206000000009"
    firm = folder / "firm.csv"
    firm.write_text("统一社会信用代码,企业名称,评价年度,企业类别,用地面积,评价税收,区县代码\n"
                    f"{code}{check_character(code)},{HOSTILE_CSV},2025,租赁,5,900,北仑区\n",
                    encoding="utf-8")
    store.upsert(validate_file(firm, "enterprises"), actor=local_actor())
    env = {**os.environ, "SPACES_STORE": store.location, "SPACES_MODE": "desktop"}
    with streamlit_server(ROOT / "streamlit_app.py", env=env, cwd=ROOT, log_dir=folder) as url:
        yield url, store


def _open(browser, url: str, *, width: int, height: int, language: str):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(f"{url}/mujun?lang={language}", wait_until="domcontentloaded")
    page.get_by_role("heading", name={"zh": "亩均评价", "en": "Land efficiency"}[language]).wait_for(timeout=READY)
    page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=READY)
    page.wait_for_timeout(2000)
    return context, page


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1440, 900)])
def test_the_page_fits_and_speaks_the_language(browser, mujun_app, screenshot, width, height, language):
    url, _ = mujun_app
    context, page = _open(browser, url, width=width, height=height, language=language)
    try:
        levels = page.locator("[data-testid='stDataFrame']").first
        box = levels.bounding_box()
        assert box["x"] + box["width"] <= width  # the levels table fits the window
        # No horizontal scrolling inside it either: every column shows at once.
        scroller = levels.locator(".dvn-scroller").first
        assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
        words = {"zh": ("各区县亩均水平（万元/亩）", "从D类企业到土地", "模拟示例"),
                 "en": ("Per-mu levels by district (10k yuan/mu)", "From D class to land", "simulated sample")}[language]
        for text in words:
            page.get_by_text(text, exact=False).first.wait_for(timeout=READY)
        assert page.locator("[data-testid='stVegaLiteChart']").count() == 2
        screenshot(page, f"mujun_{language}_{width}x{height}")
        assert page.errors == []
    finally:
        context.close()


def test_the_class_list_downloads_formula_neutral_and_marked_sample(browser, mujun_app, tmp_path):
    url, _ = mujun_app
    context, page = _open(browser, url, width=1440, height=900, language="zh")
    try:
        with page.expect_download(timeout=READY) as download:
            page.get_by_role("button", name="CSV").click()
        assert download.value.suggested_filename == "spaces-mujun-2025-sample.csv"
        path = tmp_path / "classes.csv"
        download.value.save_as(path)
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        assert len(rows) > 1000 and rows[0]["sample_notice"]
        assert "'" + HOSTILE in {row["name_zh"] for row in rows} and HOSTILE not in {row["name_zh"] for row in rows}
    finally:
        context.close()


def test_an_editor_makes_a_pending_plot_from_a_d_class_firm(browser, mujun_app, screenshot):
    url, store = mujun_app
    table = d_class_land(store.read_all(), year=2025)
    firm = table.loc[table["plot_found_by"] != "plot_id"].iloc[0]
    context, page = _open(browser, url, width=1440, height=900, language="zh")
    try:
        chooser = page.locator("[data-testid='stMultiSelect']").filter(has_text="D类企业（名称、信用代码、亩）")
        chooser.click()
        page.keyboard.type(firm["enterprise_id"])
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        button = page.get_by_role("button", name=f"新建待处置地块：{firm['name_zh']}")
        button.wait_for(timeout=READY)
        button.click()
        page.get_by_text(f"已新建待处置地块 D-{firm['enterprise_id']}", exact=False).wait_for(timeout=READY)
        plots = store.read_layer("plots").set_index("plot_id")
        assert plots.loc[f"D-{firm['enterprise_id']}", "status"] == "pending"
        assert store.next_undo().user == local_actor().user
        screenshot(page, "mujun_d_to_land_made")
        assert page.errors == []
    finally:
        context.close()
