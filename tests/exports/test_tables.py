"""The district summary as CSV, JSON and XLSX, read back to the same numbers."""

import csv
import io
import json
import math
import re
from datetime import date

import openpyxl
import pandas as pd
import pytest

from spaces.exports import SUMMARY_EXPORTERS, export, summary_csv
from spaces.planning.filters import Filters
from spaces.planning.summary import (
    SAMPLE_NOTICE_EN,
    SAMPLE_NOTICE_ZH,
    build_summary,
    nested_records,
    wide_table,
)
from spaces.reference.i18n import t
from spaces.reference.palette import STATUS_FILLS
from spaces.reference.targets import load_targets

YEAR = 2025
READ_ON = date(2026, 12, 1)  # 2025 is final, 2026 in progress
XLSX_FIELDS = ("baseline", "actual", "target", "attainment", "progress", "expected", "status", "as_of",
               "projected_2026", "projected_progress")
GROUP_SHEETS_ZH = ["平台载体", "用地效率", "企业整治", "绿色制造"]
GROUP_SHEETS_EN = ["Platforms", "Land and efficiency", "Enterprises", "Green manufacturing"]


@pytest.fixture(scope="module")
def layers(shared_sample_layers):
    """The session's 300-plot sample (shared, so the tests below also prove exports do not change it)."""
    return shared_sample_layers


@pytest.fixture(scope="module")
def summary(layers):
    """The summary the exports should reproduce: all data, the filters' year."""
    return build_summary(layers, year=YEAR, store="test", today=READ_ON)


@pytest.fixture(scope="module")
def imported_layers(layers):
    """The same rows relabelled as imported, for what an export says when no sample data is in it."""
    return {name: frame.assign(source="import") if name != "allocations" else frame
            for name, frame in layers.items()}


def _export(kind, fmt, layers, language="zh", year=YEAR, **filters):
    return export(kind, fmt, layers, filters=Filters(year=year, **filters), store="test.gpkg", language=language,
                  today=READ_ON)


def test_the_cli_summary_formats_still_take_a_summary_alone(summary):
    assert set(SUMMARY_EXPORTERS) == {"csv", "json", "xlsx"}
    for fmt, exporter in SUMMARY_EXPORTERS.items():
        payload = exporter(summary)
        assert isinstance(payload, bytes) and payload, fmt


# -- CSV ---------------------------------------------------------------------------------------------
def test_csv_has_a_bom_for_excel_and_reads_back_to_the_wide_table(layers, summary):
    payload = _export("summary", "csv", layers).data
    assert payload.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(payload.decode("utf-8-sig"))))
    table = wide_table(summary)
    assert [row["adcode"] for row in rows] == table["adcode"].tolist()
    assert rows[0]["district"] == "海曙区"
    for row, record in zip(rows, table.to_dict("records"), strict=True):
        for column, value in record.items():
            if isinstance(value, bool):
                assert row[column] == str(value).lower(), column  # provisional: true / false
            elif isinstance(value, float) and not math.isnan(value):
                assert float(row[column]) == pytest.approx(value), column
            elif value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
                assert row[column] == "", column
            else:
                assert row[column] == str(value), column
    assert {row["year"] for row in rows} == {"2025"}
    assert {row["sample_notice"] for row in rows} == {SAMPLE_NOTICE_ZH}
    assert {row["filters"] for row in rows} == {"年份 2025；无其他筛选（全部数据）"}


def test_csv_without_bom_for_a_pipe(summary):
    payload = summary_csv(summary, bom=False)
    assert payload.startswith(b"adcode,district,")


def test_csv_of_imported_data_has_no_sample_notice(imported_layers):
    rows = list(csv.DictReader(io.StringIO(_export("summary", "csv", imported_layers).data.decode("utf-8-sig"))))
    assert {row["sample_notice"] for row in rows} == {""}


# -- JSON --------------------------------------------------------------------------------------------
def test_json_is_the_cli_records_plus_filters_and_notice(layers, summary):
    text = _export("summary", "json", layers, districts=("330206",)).data.decode("utf-8")
    assert "NaN" not in text
    records = json.loads(text)
    assert [r["adcode"] for r in records] == ["330206", "330200"]
    expected = {r["adcode"]: r for r in nested_records(summary)}
    for record in records:
        assert record["metrics"] == expected[record["adcode"]]["metrics"]
        assert record["year"] == YEAR and record["data_source"] == "sample"
        assert record["notice"] == SAMPLE_NOTICE_EN
        assert record["filters"]["districts"] == "330206"


# -- XLSX --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workbook(layers):
    return openpyxl.load_workbook(io.BytesIO(_export("summary", "xlsx", layers).data))


def _target_columns(sheet) -> dict[str, int]:
    """Target label (row 2, merged over the target's columns) -> its first column."""
    return {cell.value: cell.column for cell in sheet[2][2:] if cell.value}


def test_xlsx_has_a_sheet_per_target_group_then_metadata(workbook):
    assert workbook.sheetnames == [*GROUP_SHEETS_ZH, "亩均评价", "说明", "指标说明"]  # 亩均: the sample has firms
    for name, group in zip(GROUP_SHEETS_ZH, ("platforms", "land", "enterprises", "green"), strict=True):
        labels = list(_target_columns(workbook[name]))
        assert labels == [target.label("zh") for target in load_targets().values() if target.group == group]
        assert workbook[name].cell(1, 1).value == f"{name} · 2025"


def test_xlsx_values_equal_the_summary(workbook, summary):
    long = summary.long.set_index(["adcode", "key"])
    targets = {target.label("zh"): target for target in load_targets().values()}
    checked = 0
    for name in GROUP_SHEETS_ZH:
        sheet = workbook[name]
        assert sheet.freeze_panes == "C4"
        adcodes = [sheet.cell(row, 1).value for row in range(4, 4 + 11)]
        assert adcodes == list(dict.fromkeys(summary.long["adcode"]))
        for label, column in _target_columns(sheet).items():
            key, unit = targets[label].key, targets[label].unit_zh
            headers = [sheet.cell(3, column + offset).value for offset in range(len(XLSX_FIELDS))]
            assert headers == [f"2021 基线（{unit}）", f"实际（{unit}）", f"目标（{unit}）", "完成率", "进度", "时间进度",
                               "状态", "数据年份", f"按当前进度 2026 年预计（{unit}）", "2026 年预计进度"]
            for row, adcode in enumerate(adcodes, start=4):
                record = long.loc[(adcode, key)]
                cells = dict(zip(XLSX_FIELDS, (sheet.cell(row, column + offset) for offset in range(10)), strict=True))
                for field in ("baseline", "actual", "target", "attainment", "progress", "expected", "projected_2026",
                              "projected_progress"):
                    expected, value = record[field], cells[field].value
                    if pd.isna(expected) or not math.isfinite(expected):
                        assert value is None, (adcode, key, field)
                    else:
                        assert value == pytest.approx(expected, abs=1e-4), (adcode, key, field)
                for field in ("attainment", "progress", "expected", "projected_progress"):
                    assert cells[field].number_format == "0.0%"
                as_of = record["as_of"]
                if pd.isna(as_of):
                    assert cells["as_of"].value is None
                else:  # the ETDZ rank of 2024 stands in 2025: stale
                    assert cells["as_of"].value == (int(as_of) if as_of == YEAR else f"{int(as_of)}（旧）"), (adcode, key)
                status = record["status"]
                if isinstance(status, str):
                    assert cells["status"].value == t(f"status_{status}")
                    assert cells["status"].fill.fgColor.rgb.endswith(STATUS_FILLS[status].lstrip("#"))
                else:
                    assert cells["status"].value in (t("export_no_data"), t("export_city_only"))
                checked += 1
    assert checked == 12 * 11


def test_xlsx_shows_about_targets_as_about_and_striving_ones_as_such(workbook, layers):
    sheet = workbook["平台载体"]
    columns = _target_columns(sheet)
    assert "“万亩千亿”新产业平台（力争）" in columns
    goal = sheet.cell(14, columns["战略产业园"] + 2)  # the city row's goal: 20, printed 约20
    assert goal.value == 20 and goal.number_format == '"约"#,##0'
    assert sheet.cell(14, columns["“万亩千亿”新产业平台（力争）"] + 2).number_format == "#,##0"
    targets = {row[1].value: row for row in workbook["指标说明"].iter_rows(min_row=2) if row[1].value}
    assert targets["strategic_parks"][3].number_format == '"约"#,##0'
    english = openpyxl.load_workbook(io.BytesIO(_export("summary", "xlsx", layers, language="en").data))
    assert english["Platforms"].cell(14, 5).number_format == '"about "#,##0'


def test_xlsx_states_the_rules_in_words(workbook):
    column = [cell.value for cell in workbook["指标说明"]["A"] if cell.value]
    rules = column[column.index("计算规则") + 1:]
    assert len(rules) == 14
    assert any("ln(1+g) ÷ ln(1+G)" in rule for rule in rules)
    assert any("时间过半、任务过半" in rule for rule in rules)
    assert any("90% 及以上" in rule for rule in rules)
    assert any("min(进度 ÷ 时间进度, 1.5)" in rule for rule in rules)


def test_xlsx_marks_a_provisional_year_and_stale_data_years(layers):
    """2026 read on 1 December 2026: every title says it is in progress, and 亩均 figures (2025's) are stale."""
    book = openpyxl.load_workbook(io.BytesIO(_export("summary", "xlsx", layers, year=2026).data))
    for name in GROUP_SHEETS_ZH:
        assert book[name].cell(1, 1).value == f"{name} · 2026（进行中，数据未完整）"
    notes = {row[0].value: row[1].value for row in book["说明"].iter_rows(min_row=2)}
    assert notes["年份"] == "2026（进行中，数据未完整）"
    assert notes["数据读取日期"] == "2026-12-01"
    assert notes["时间进度"] == pytest.approx((4 + 334 / 365) / 5)
    assert "2027-04-01 起视为完整" in [row[1].value for row in book["说明"].iter_rows()][-1]
    sheet = book["用地效率"]
    growth = _target_columns(sheet)["规上工业亩均税收增长"]
    assert sheet.cell(14, growth + 7).value == "2025（旧）"
    land = _target_columns(sheet)["盘活腾退低效工业用地"]
    assert sheet.cell(14, land + 7).value == 2026
    column_a = [cell.value for cell in sheet["A"]]
    assert any(text and "沿用最近一年" in str(text) for text in column_a)
    assert any(text and "2026 年数据尚未完整" in str(text) for text in column_a)


def test_xlsx_metadata_says_sample_year_filters_and_time(layers):
    result = _export("summary", "xlsx", layers, districts=("330206",), industries=("绿色石化",))
    book = openpyxl.load_workbook(io.BytesIO(result.data))
    notes = {row[0].value: row[1].value for row in book["说明"].iter_rows(min_row=2)}
    assert notes["数据来源"] == "示例数据（模拟）"  # the code "sample" stays in metadata.json
    assert notes["示例数据"] == SAMPLE_NOTICE_ZH
    assert notes["年份"] == str(YEAR)
    assert notes["筛选条件"] == "年份 2025；区县：北仑区；产业：绿色石化"
    assert "不改变达标情况" in notes["筛选说明"]
    assert "从 2021 基线起的进度不低于时间进度" in notes["状态说明"]
    assert re.fullmatch(r"20\d\d-\d\d-\d\d \d\d:\d\d", notes["导出时间（北京时间）"]) and notes["数据库"] == "test.gpkg"
    sheet = book["平台载体"]
    assert [sheet.cell(row, 1).value for row in (4, 5)] == ["330206", "330200"]
    assert SAMPLE_NOTICE_ZH in [cell.value for cell in sheet["A"]]


def test_xlsx_ignores_industry_filters_for_attainment(layers):
    def values(**filters):
        sheet = openpyxl.load_workbook(io.BytesIO(_export("summary", "xlsx", layers, **filters).data))["绿色制造"]
        return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4, max_row=14)]

    assert values(industries=("绿色石化",), levels=("national",)) == values()


def test_xlsx_in_english(layers):
    book = openpyxl.load_workbook(io.BytesIO(_export("summary", "xlsx", layers, language="en").data))
    assert book.sheetnames == [*GROUP_SHEETS_EN, "Per-mu evaluation", "About", "Targets"]
    sheet = book["Land and efficiency"]
    assert sheet.cell(2, 3).value == "Low-efficiency industrial land reclaimed"
    assert sheet.cell(3, 3).value == "2021 baseline (mu)"
    assert sheet.cell(3, 4).value == "Actual (mu)"
    assert sheet.cell(4, 2).value == "Haishu"
    notes = {row[0].value: row[1].value for row in book["About"].iter_rows(min_row=2)}
    assert notes["Sample data"] == SAMPLE_NOTICE_EN
    assert book["Platforms"].cell(2, 3 + 2 * 10).value == "'10,000-mu, 100-billion' platforms (striving)"


def test_xlsx_of_imported_data_says_it_is_not_sample(imported_layers):
    book = openpyxl.load_workbook(io.BytesIO(_export("summary", "xlsx", imported_layers).data))
    notes = {row[0].value: row[1].value for row in book["说明"].iter_rows(min_row=2)}
    assert notes["示例数据"] == "否" and notes["数据来源"] == "导入数据"
    assert SAMPLE_NOTICE_ZH not in [cell.value for cell in book["平台载体"]["A"]]


def test_xlsx_writes_a_store_named_like_a_formula_as_text(layers):
    """A store file named ``=HYPERLINK(…).gpkg`` must not become a live formula in the 说明 sheet."""
    name = '=HYPERLINK("x.cn","click").gpkg'
    result = export("summary", "xlsx", layers, filters=Filters(year=YEAR), store=name, today=READ_ON)
    book = openpyxl.load_workbook(io.BytesIO(result.data))
    [cell] = [row[1] for row in book["说明"].iter_rows(min_row=2) if row[0].value == "数据库"]
    assert cell.data_type == "s" and cell.value == "'" + name
    formulas = [c.coordinate for sheet in book.worksheets for row in sheet.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
