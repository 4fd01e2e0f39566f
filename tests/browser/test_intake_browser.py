"""A planner imports, checks, confirms and undoes on the Data page, in Chromium, offline."""

import os
import re
from pathlib import Path

import pytest

from spaces.geo.chinacoords import wgs84_to_gcj02
from spaces.sample import build_sample
from spaces.store import local_actor, open_store

READY = 60_000


@pytest.fixture(scope="module")
def writable_app(tmp_path_factory, streamlit_server):
    """Its own server and store: these tests write."""
    from tests.browser.conftest import ROOT

    folder = tmp_path_factory.mktemp("intake")
    store = folder / "spaces.gpkg"
    open_store(str(store)).initialise(build_sample(plots=200), dataset="sample", actor=local_actor())
    # A row limit of 3 (issue 14, hole 8), which the one-row files of the other tests stay under; desktop mode.
    env = {**os.environ, "SPACES_STORE": str(store), "SPACES_MAX_UPLOAD_ROWS": "3", "SPACES_MODE": "desktop"}
    with streamlit_server(ROOT / "streamlit_app.py", env=env, cwd=ROOT, log_dir=folder) as url:
        yield url, store


def _factories_csv(path, *, level="国家级", rows=1):
    lon, lat = wgs84_to_gcj02(121.55, 29.87)  # as exported from AMap
    path.write_text("工厂编号,企业名称,级别,认定年份,行业,经度,纬度\n" + "".join(
                    f"NEW-{n},新导入绿色工厂,{level},2024,模具,{float(lon) + n / 1000:.6f},{float(lat):.6f}\n"
                    for n in range(1, rows + 1)), encoding="utf-8")
    return path


def _choose(page, label: str, option: str):
    page.locator("[data-testid='stSelectbox']").filter(has_text=label).click()
    page.get_by_role("option", name=option).click()


def test_upload_check_confirm_and_undo(page, writable_app, tmp_path, screenshot):
    url, store = writable_app
    page.goto(f"{url}/data", wait_until="domcontentloaded")
    page.get_by_text("导入数据", exact=True).wait_for(timeout=READY)
    _choose(page, "导入到图层", "绿色工厂")
    _choose(page, "坐标系", "gcj02")
    page.locator("input[type='file']").set_input_files(str(_factories_csv(tmp_path / "factories.csv")))
    page.get_by_text("校验通过", exact=False).wait_for(timeout=READY)
    page.locator("canvas").first.wait_for(timeout=READY)
    screenshot(page, "intake_preview")
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("新增 1", exact=False).wait_for(timeout=READY)
    assert "NEW-1" in set(open_store(str(store)).read_layer("factories")["factory_id"])
    # The imported file leaves the page: nothing invites importing it twice; the undo names its time in 北京时间.
    # (The page redraws after the message: wait for the old button to go rather than count it at once.)
    page.get_by_role("button", name="确认导入").wait_for(state="detached", timeout=READY)
    from playwright.sync_api import expect  # conftest skips these tests where Playwright is missing
    expect(page.get_by_role("button", name="撤销上一次更改", exact=False)).to_have_text(re.compile(r"：.+（\d{4}-\d\d-\d\d \d\d:\d\d 北京时间）$"))

    page.get_by_role("button", name="撤销上一次更改", exact=False).click()
    page.get_by_text("已撤销", exact=False).wait_for(timeout=READY)
    assert "NEW-1" not in set(open_store(str(store)).read_layer("factories")["factory_id"])
    assert page.errors == [] and page.outside_requests == []


def _refused_upload(page, writable_app, upload: Path) -> tuple[Path, bytes]:
    """Upload ``upload`` as green factories on the Data page and wait for the refusal; returns the store and its
    bytes from before the upload."""
    url, store = writable_app
    before = store.read_bytes()
    page.goto(f"{url}/data", wait_until="domcontentloaded")
    page.get_by_text("导入数据", exact=True).wait_for(timeout=READY)
    _choose(page, "导入到图层", "绿色工厂")
    page.locator("input[type='file']").set_input_files(str(upload))
    page.get_by_text("文件有错误，未写入任何数据", exact=False).wait_for(timeout=READY)
    return store, before


def test_a_bad_upload_shows_the_report_and_writes_nothing(page, writable_app, tmp_path, screenshot):
    store, before = _refused_upload(page, writable_app, _factories_csv(tmp_path / "bad.csv", level="县级"))
    screenshot(page, "intake_rejected")
    assert page.get_by_role("button", name="确认导入").count() == 0
    assert store.read_bytes() == before
    assert page.errors == [] and page.outside_requests == []


def test_an_upload_over_the_row_limit_is_refused_before_it_is_read(page, writable_app, tmp_path, screenshot):
    store, before = _refused_upload(page, writable_app, _factories_csv(tmp_path / "many.csv", rows=4))
    screenshot(page, "intake_too_many_rows")
    with page.expect_download(timeout=READY) as download:  # the report is drawn on a canvas: read its CSV
        page.get_by_role("button", name="下载校验报告（CSV）").click()
    report = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "many.csv：文件有 4 行，超过上传上限 3 行（可用环境变量 $SPACES_MAX_UPLOAD_ROWS 调整" in report
    assert page.get_by_role("button", name="确认导入").count() == 0
    assert store.read_bytes() == before
    assert page.errors == [] and page.outside_requests == []
