"""The district summary as CSV, JSON and XLSX, read back to the same numbers."""

import csv
import io
import json
import math

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
GROUP_SHEETS_ZH = ["平台载体", "用地效率", "企业整治", "绿色制造"]
GROUP_SHEETS_EN = ["Platforms", "Land and efficiency", "Enterprises", "Green manufacturing"]


@pytest.fixture(scope="module")
def layers(shared_sample_layers):
    """The session's 300-plot sample (shared, so the tests below also prove exports do not change it)."""
    return shared_sample_layers


@pytest.fixture(scope="module")
def summary(layers):
    """The summary the exports should reproduce: all data, the filters' year."""
    return build_summary(layers, year=YEAR, store="test")


@pytest.fixture(scope="module")
def imported_layers(layers):
    """The same rows relabelled as imported, for what an export says when no sample data is in it."""
    return {name: frame.assign(source="import") if name != "allocations" else frame
            for name, frame in layers.items()}


def _export(kind, fmt, layers, language="zh", **filters):
    return export(kind, fmt, layers, filters=Filters(year=YEAR, **filters), store="test.gpkg", language=language)


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
    """Target label (row 1, merged over four columns) -> its first column."""
    return {cell.value: cell.column for cell in sheet[1][2:] if cell.value}


def test_xlsx_has_a_sheet_per_target_group_then_metadata(workbook):
    assert workbook.sheetnames == [*GROUP_SHEETS_ZH, "说明", "指标说明"]
    for name, group in zip(GROUP_SHEETS_ZH, ("platforms", "land", "enterprises", "green"), strict=True):
        labels = list(_target_columns(workbook[name]))
        assert labels == [target.label_zh for target in load_targets().values() if target.group == group]


def test_xlsx_values_equal_the_summary(workbook, summary):
    table = wide_table(summary).set_index("adcode")
    targets = {target.label_zh: target for target in load_targets().values()}
    checked = 0
    for name in GROUP_SHEETS_ZH:
        sheet = workbook[name]
        assert sheet.freeze_panes == "C3"
        adcodes = [sheet.cell(row, 1).value for row in range(3, 3 + len(table))]
        assert adcodes == table.index.tolist()
        for label, column in _target_columns(sheet).items():
            key = targets[label].key
            unit = targets[label].unit_zh
            assert sheet.cell(2, column).value == f"实际（{unit}）"
            assert sheet.cell(2, column + 1).value == f"目标（{unit}）"
            for row, adcode in enumerate(adcodes, start=3):
                record = table.loc[adcode]
                for offset, field in enumerate(("actual", "target", "attainment")):
                    expected = record[f"{key}_{field}"]
                    value = sheet.cell(row, column + offset).value
                    if expected is None or pd.isna(expected):
                        assert value is None, (adcode, key, field)
                    else:
                        assert isinstance(value, int | float), (adcode, key, field)
                        assert value == pytest.approx(expected), (adcode, key, field)
                checked += 1
                assert sheet.cell(row, column + 2).number_format == "0.0%"
                status = record[f"{key}_status"]
                cell = sheet.cell(row, column + 3)
                if isinstance(status, str):
                    assert cell.value == t(f"status_{status}")
                    assert cell.fill.fgColor.rgb.endswith(STATUS_FILLS[status].lstrip("#"))
                else:
                    assert cell.value in (t("export_no_data"), t("export_city_only"))
    assert checked == 12 * 11


def test_xlsx_metadata_says_sample_year_filters_and_time(layers):
    result = _export("summary", "xlsx", layers, districts=("330206",), industries=("绿色石化",))
    book = openpyxl.load_workbook(io.BytesIO(result.data))
    notes = {row[0].value: row[1].value for row in book["说明"].iter_rows(min_row=2)}
    assert notes["数据来源"] == "示例数据（模拟）"  # the code "sample" stays in metadata.json
    assert notes["示例数据"] == SAMPLE_NOTICE_ZH
    assert notes["年份"] == YEAR
    assert notes["筛选条件"] == "年份 2025；区县：北仑区；产业：绿色石化"
    assert "不改变达标情况" in notes["筛选说明"]
    assert notes["导出时间（UTC）"].startswith("20") and notes["数据库"] == "test.gpkg"
    sheet = book["平台载体"]
    assert [sheet.cell(row, 1).value for row in (3, 4)] == ["330206", "330200"]
    assert SAMPLE_NOTICE_ZH in [cell.value for cell in sheet["A"]]


def test_xlsx_ignores_industry_filters_for_attainment(layers):
    def values(**filters):
        sheet = openpyxl.load_workbook(io.BytesIO(_export("summary", "xlsx", layers, **filters).data))["绿色制造"]
        return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3, max_row=13)]

    assert values(industries=("绿色石化",), levels=("national",)) == values()


def test_xlsx_in_english(layers):
    book = openpyxl.load_workbook(io.BytesIO(_export("summary", "xlsx", layers, language="en").data))
    assert book.sheetnames == [*GROUP_SHEETS_EN, "About", "Targets"]
    sheet = book["Land and efficiency"]
    assert sheet.cell(1, 3).value == "Low-efficiency industrial land reclaimed"
    assert sheet.cell(2, 3).value == "Actual (mu)"
    assert sheet.cell(3, 2).value == "Haishu"
    notes = {row[0].value: row[1].value for row in book["About"].iter_rows(min_row=2)}
    assert notes["Sample data"] == SAMPLE_NOTICE_EN


def test_xlsx_of_imported_data_says_it_is_not_sample(imported_layers):
    book = openpyxl.load_workbook(io.BytesIO(_export("summary", "xlsx", imported_layers).data))
    notes = {row[0].value: row[1].value for row in book["说明"].iter_rows(min_row=2)}
    assert notes["示例数据"] == "否" and notes["数据来源"] == "导入数据"
    assert SAMPLE_NOTICE_ZH not in [cell.value for cell in book["平台载体"]["A"]]
