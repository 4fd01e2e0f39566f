"""The districts page's matrix: targets as rows, districts as columns, each cell the gap and its status."""

import pandas as pd
import pytest

from spaces.reference.palette import STATUS_BACKGROUND
from spaces.reference.targets import load_targets
from spaces.view.matrix import gap_matrix, matrix_columns, matrix_html

TARGETS = {k: v for k, v in load_targets().items() if k in ("strategic_parks", "reclaimed_land_mu",
                                                            "tax_per_mu_growth_pct")}
NAMES = {"330203": "海曙区", "330206": "北仑区", "330200": "宁波市"}


def _long():
    """Land behind in 海曙 (2,515.3 亩 short: rounded up to whole 亩), met in 北仑; parks met with a goal of 0 in
    北仑 (a district allotted none); growth behind by 13.2 points in 海曙, stale; the city without data for parks."""
    rows = [
        ("330203", "reclaimed_land_mu", 2684.7, 5200.0, "behind", 0.516, 0.8, False),
        ("330206", "reclaimed_land_mu", 6000.0, 5000.0, "met", 1.2, 0.8, False),
        ("330200", "reclaimed_land_mu", 40000.0, 50000.0, "on_track", 0.8, 0.8, False),
        ("330203", "strategic_parks", 2.0, 3.0, "behind", 0.5, 0.8, False),
        ("330206", "strategic_parks", 1.0, 0.0, "met", None, None, False),
        ("330200", "strategic_parks", None, 20.0, None, None, None, False),
        ("330203", "tax_per_mu_growth_pct", 26.8, 40.0, "behind", 0.71, 0.8, True),
        ("330206", "tax_per_mu_growth_pct", 40.5, 40.0, "met", 1.01, 0.8, False),
        ("330200", "tax_per_mu_growth_pct", 30.0, 40.0, "behind", 0.78, 0.8, False),
    ]
    return pd.DataFrame(rows, columns=["adcode", "key", "actual", "target", "status", "progress", "expected", "stale"])


def test_columns_follow_the_sidebar_districts_and_keep_the_city_last():
    order = ["330203", "330205", "330206", "330200"]
    assert matrix_columns(order, ()) == order
    assert matrix_columns(order, ("330206",)) == ["330206", "330200"]
    assert matrix_columns(order, ("330206", "330203")) == ["330203", "330206", "330200"]  # adcode order


@pytest.mark.parametrize(("language", "land_gap", "growth_gap", "met", "no_target"), [
    ("zh", "差 2,516", "差 13.2", "已达标", "无分解目标"),
    ("en", "2,516 to go", "13.2 to go", "Met", "no target"),
])
def test_cells_show_the_gap_in_the_rows_unit_or_what_stands_instead(language, land_gap, growth_gap, met,
                                                                    no_target):
    matrix = gap_matrix(_long(), targets=TARGETS, columns=["330203", "330206", "330200"], language=language)
    assert list(matrix) == ["strategic_parks", "reclaimed_land_mu", "tax_per_mu_growth_pct"]  # the plan's order
    assert list(matrix["reclaimed_land_mu"]) == ["330203", "330206", "330200"]
    land = matrix["reclaimed_land_mu"]["330203"]
    assert (land.text, land.progress, land.pace, land.status) == (land_gap, "52%", "80%", "behind")
    assert matrix["reclaimed_land_mu"]["330206"].text == met
    assert matrix["strategic_parks"]["330206"].text == no_target
    assert matrix["strategic_parks"]["330200"].text == "—" and matrix["strategic_parks"]["330200"].status is None
    growth = matrix["tax_per_mu_growth_pct"]["330203"]
    assert growth.text == growth_gap and growth.stale


def test_a_district_not_in_the_table_gets_a_dash():
    matrix = gap_matrix(_long(), targets=TARGETS, columns=["330212", "330200"], language="zh")
    assert matrix["reclaimed_land_mu"]["330212"].text == "—"


def test_html_names_the_unit_once_per_row_colours_by_status_and_escapes():
    matrix = gap_matrix(_long(), targets=TARGETS, columns=["330203", "330206", "330200"], language="zh")
    html = matrix_html(matrix, targets=TARGETS, column_names={**NAMES, "330203": "<b>海曙</b>"}, language="zh",
                       district_heading="指标")
    assert "盘活腾退低效工业用地（亩）" in html and "规上工业亩均税收增长（百分点）" in html
    assert "战略产业园（个）" in html
    assert html.index("平台载体") < html.index("战略产业园") < html.index("用地效率") < html.index("盘活腾退")
    assert STATUS_BACKGROUND["behind"] in html and STATUS_BACKGROUND["met"] in html
    assert "差 13.2*" in html  # a stale figure is marked
    assert "<b>海曙</b>" not in html and "&lt;b&gt;海曙&lt;/b&gt;" in html
    assert html.count("<tr>") == 4  # the heading and one row per target (group rows are <tr class="group">)
    assert 'title="海曙区 · 盘活腾退低效工业用地：差 2,516 亩 · 进度 / 时间进度：52% / 80%"' in html.replace(
        "&lt;b&gt;海曙&lt;/b&gt;", "海曙区")
