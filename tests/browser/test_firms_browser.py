"""The map's enterprises layer in Chromium (issue 11): a planner adds the layer, keeps the D class only, clicks a
black dot and reads the firm's class and 亩均 figures against its district's, in Chinese and English."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from spaces.reference.palette import CLASS_COLOURS

READY = 90_000
TEXT = {
    "zh": {"layers": "图层", "layer": "企业亩均评价", "classes": "企业类别", "d": "D类（落后整治）",
           "class_attr": "评价类别", "tax_attr": "亩均税收 本企业 / 所在区县", "legend": "企业（点的大小为用地面积）"},
    "en": {"layers": "Layers", "layer": "Enterprises (per-mu evaluation)", "classes": "Firm classes",
           "d": "D (to be remedied)", "class_attr": "Class", "tax_attr": "Tax per mu, firm / its district",
           "legend": "Firms (dot size: land)"},
}


def _choose(page, label: str, option: str) -> None:
    page.locator("[data-testid='stMultiSelect']").filter(has_text=label).first.locator("input").click()
    page.get_by_role("option", name=option).click()
    page.keyboard.press("Escape")


def _d_dot(canvas_png: bytes) -> tuple[int, int] | None:
    """The centre of a D-class dot: a 5×5 block of its near-black fill (no outline or label is that dark)."""
    rgb = np.asarray(Image.open(io.BytesIO(canvas_png)).convert("RGB")).astype(int)
    target = np.array(CLASS_COLOURS["D"][:3])
    dark = (np.abs(rgb - target).sum(axis=2) < 30)
    blocks = dark[:-4, :-4] & dark[4:, 4:] & dark[:-4, 4:] & dark[4:, :-4] & dark[2:-2, 2:-2]
    ys, xs = np.nonzero(blocks)
    if not len(ys):
        return None
    middle = len(ys) // 2
    return int(xs[middle]) + 2, int(ys[middle]) + 2


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_d_class_firm_is_clicked_on_the_map_and_its_detail_opens(browser, app_url, language, screenshot):
    text = TEXT[language]
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(app_url + ("/?lang=en" if language == "en" else "/"), wait_until="domcontentloaded")
    page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for(timeout=READY)
    _choose(page, text["layers"], text["layer"])
    page.get_by_text(text["classes"], exact=True).wait_for(timeout=READY)
    _choose(page, text["classes"], text["d"])
    page.get_by_text(text["legend"], exact=True).wait_for(timeout=READY)
    page.wait_for_timeout(3000)  # the chart redraws with the D class only
    chart = page.locator("[data-testid='stDeckGlJsonChart']").first
    chart.scroll_into_view_if_needed()
    spot = _d_dot(chart.screenshot())
    assert spot is not None, "no D-class dot drawn"
    box = chart.bounding_box()
    page.mouse.move(box["x"] + spot[0], box["y"] + spot[1])
    page.wait_for_timeout(500)
    page.mouse.click(box["x"] + spot[0], box["y"] + spot[1])
    page.get_by_text(text["tax_attr"], exact=False).wait_for(timeout=READY)
    detail = page.locator("[data-testid='stMarkdownContainer']").filter(has_text=text["class_attr"]).last.inner_text()
    assert "D" in detail and "/" in detail
    screenshot(page, f"firms_d_detail_{language}")
    context.close()
