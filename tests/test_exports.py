"""Every summary exporter returns bytes that read back to the same numbers."""

import csv
import io
import json

import openpyxl
import pytest

from spaces.exports import SUMMARY_EXPORTERS
from spaces.sample import build_sample
from spaces.summary import build_summary, wide_table


@pytest.fixture(scope="module")
def summary():
    """A small sample summary for 2025."""
    return build_summary(build_sample(plots=400), year=2025, store="test")


def test_the_registry_has_the_cli_formats():
    assert set(SUMMARY_EXPORTERS) >= {"csv", "json", "xlsx"}
    for exporter in SUMMARY_EXPORTERS.values():
        assert callable(exporter)


def test_csv_reads_back_to_the_wide_table(summary):
    rows = list(csv.DictReader(io.StringIO(SUMMARY_EXPORTERS["csv"](summary).decode("utf-8"))))
    table = wide_table(summary)
    assert [r["adcode"] for r in rows] == table["adcode"].tolist()
    assert float(rows[-1]["reclaimed_land_mu_actual"]) == pytest.approx(table.iloc[-1]["reclaimed_land_mu_actual"])
    assert rows[0]["district"] == "海曙区"


def test_json_is_valid_json_without_nan(summary):
    text = SUMMARY_EXPORTERS["json"](summary).decode("utf-8")
    assert "NaN" not in text
    assert json.loads(text)[-1]["adcode"] == "330200"


def test_xlsx_values_equal_the_summary_and_say_sample(summary):
    book = openpyxl.load_workbook(io.BytesIO(SUMMARY_EXPORTERS["xlsx"](summary)))
    sheet = book["区县达标"]
    header = [c.value for c in sheet[1]]
    table = wide_table(summary)
    column = header.index("盘活腾退低效工业用地 实际(亩)") + 1
    assert sheet.cell(12, 1).value == "330200"
    assert sheet.cell(12, column).value == pytest.approx(table.iloc[-1]["reclaimed_land_mu_actual"])
    assert sheet.cell(12, column + 2).number_format == "0.0%"
    notes = {row[0].value: row[1].value for row in book["说明"].iter_rows(min_row=2)}
    assert "示例数据" in notes["示例数据 Sample data"]
    assert notes["年份 Year"] == 2025
