"""The 亩均 class list (`python -m spaces export mujun csv|xlsx`) and the summary's 亩均 columns and sheet."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from spaces.exports.mujun_tables import CLASS_LIST_COLUMNS
from spaces.reference.credit_code import check_character

BEILUN = "330206"


@pytest.fixture(scope="module")
def firms_store(tmp_path_factory, run_cli):
    """A sample store (200 plots) plus an imported 2024 file of three 北仑 firms: one named like a formula,
    one with an official grade A although the computed class is low."""
    folder = tmp_path_factory.mktemp("mujun")
    store = folder / "spaces.gpkg"
    assert run_cli("init", "--sample", "--plots", "200", "--store", store).returncode == 0
    codes = [body + check_character(body) for body in ("91330206000000001", "91330206000000002", "91330206000000003")]
    rows = [
        "统一社会信用代码,企业名称,评价年度,企业类别,用地面积,评价税收,区县代码,评价等级,综合得分",
        f"{codes[0]},=HYPERLINK(\"http://x\"),2024,租赁,5,900,北仑区,,",
        f"{codes[1]},乙,2024,租赁,5,1,北仑区,A类,92",
        f"{codes[2]},丙,2024,租赁,5,400,北仑区,,",
    ]
    path = folder / "firms.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = run_cli("import", path, "--layer", "enterprises", "--store", store)
    assert done.returncode == 0, done.stderr.decode()
    return store, codes


def _csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_class_list_has_one_row_per_evaluated_firm_of_the_year_and_districts(firms_store, run_cli, tmp_path):
    store, codes = firms_store
    out = tmp_path / "classes.csv"
    done = run_cli("export", "mujun", "csv", "--year", "2024", "--district", BEILUN, "--out", out, "--store", store)
    assert done.returncode == 0, done.stderr.decode()
    rows = _csv(out.read_bytes())
    assert list(rows[0])[:len(CLASS_LIST_COLUMNS)] == list(CLASS_LIST_COLUMNS)
    assert {r["district_adcode"] for r in rows} == {BEILUN} and {r["year"] for r in rows} == {"2024"}
    mine = {r["enterprise_id"]: r for r in rows if r["enterprise_id"] in codes}
    assert mine[codes[0]]["name_zh"] == "'=HYPERLINK(\"http://x\")"  # formula-neutral
    official = mine[codes[1]]
    assert (official["class_official"], official["class"], official["classes_differ"]) == ("A", "A", "true")
    assert official["class_computed"] != "A" and official["score_official"] == "92.0"
    leased = [r for r in rows if r["group"] == "leased"]
    assert {r["ranked"] for r in leased if r["enterprise_id"] in codes} == {str(sum(1 for r in leased))}
    samples = {r["source"] for r in rows}
    assert samples == {"sample", "import"} and rows[0]["sample_notice"]  # the sample rows say so


def test_the_xlsx_class_list_is_in_the_language_and_says_the_method(firms_store, run_cli, tmp_path):
    store, codes = firms_store
    out = tmp_path / "classes.xlsx"
    done = run_cli("export", "mujun", "xlsx", "--year", "2024", "--language", "en", "--out", out, "--store", store)
    assert done.returncode == 0, done.stderr.decode()
    book = openpyxl.load_workbook(out)
    sheet, about = book.worksheets
    assert [c.value for c in sheet[1]][:3] == ["Credit code", "Name", "Year"]
    named = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert named[codes[0]][1].value == "'=HYPERLINK(\"http://x\")"
    assert named[codes[1]][0].fill.fgColor.rgb.endswith("FCE4D6")  # official differs: shaded
    text = " ".join(str(row[0].value) for row in about.iter_rows())
    assert "SAMPLE DATA" in text and "Illustrative method" in text and "chacewang.com" in text


def test_a_bad_method_file_stops_the_export(firms_store, run_cli, tmp_path):
    store, _ = firms_store
    bad = tmp_path / "method.toml"
    bad.write_text("[method]\nname_zh = 'x'\n", encoding="utf-8")
    done = run_cli("export", "mujun", "csv", "--method", bad, "--out", tmp_path / "x.csv", "--store", store)
    assert done.returncode == 1 and "method.toml" in done.stderr.decode()
    assert not (tmp_path / "x.csv").exists()


def test_another_method_file_changes_the_classes(firms_store, run_cli, tmp_path):
    store, _ = firms_store
    from spaces.reference.mujun_method import METHOD_FILE

    strict = tmp_path / "strict.toml"
    strict.write_text(METHOD_FILE.read_text(encoding="utf-8").replace("A = 20", "A = 1"), encoding="utf-8")
    counts = {}
    for name, extra in (("default", []), ("strict", ["--method", strict])):
        out = tmp_path / f"{name}.csv"
        assert run_cli("export", "mujun", "csv", "--year", "2024", "--out", out, *extra, "--store", store).returncode == 0
        counts[name] = sum(r["class_computed"] == "A" for r in _csv(out.read_bytes()))
    assert 0 < counts["strict"] < counts["default"]


def test_the_summary_csv_and_xlsx_carry_the_mujun_figures(firms_store, run_cli, tmp_path):
    store, _ = firms_store
    rows = _csv(run_cli("summary", "--year", "2024", store=store).stdout)
    city = next(r for r in rows if r["adcode"] == "330200")
    assert city["tax_per_mu_growth_pct_source"] == "enterprises"
    assert int(city["mujun_enterprises"]) == sum(int(r["mujun_enterprises"]) for r in rows if r["adcode"] != "330200")
    assert int(city["mujun_enterprises"]) == sum(int(city[f"mujun_class_{c}"]) for c in "ABCDT")
    out = tmp_path / "summary.xlsx"
    assert run_cli("summary", "--year", "2024", "--format", "xlsx", "--out", out, store=store).returncode == 0
    sheet = openpyxl.load_workbook(out)["亩均评价"]
    assert sheet.cell(1, 6).value == "亩均税收（万元/亩）" and sheet.max_row == 12


def test_the_pages_download_is_the_export_narrowed_to_classes_and_groups(firms_store):
    """The 亩均 page's CSV and XLSX: the same cells and sample marks as the CLI's, only the firms shown."""
    from spaces.exports import class_list_export
    from spaces.planning.filters import Filters
    from spaces.store import open_store

    store, codes = firms_store
    layers = open_store(str(store)).read_all()
    filters = Filters(year=2024, districts=(BEILUN,))
    done = class_list_export("csv", layers, filters=filters, store=str(store), groups=("leased",))
    rows = _csv(done.data)
    assert rows and {r["group"] for r in rows} == {"leased"} and done.filename.endswith("-sample.csv")
    named = {r["enterprise_id"]: r for r in rows}
    assert named[codes[0]]["name_zh"] == "'=HYPERLINK(\"http://x\")" and rows[0]["sample_notice"]
    only_a = _csv(class_list_export("csv", layers, filters=filters, store=str(store), classes=("A",),
                                    groups=("leased",)).data)
    assert codes[1] in {r["enterprise_id"] for r in only_a} and {r["class"] for r in only_a} == {"A"}
    book = openpyxl.load_workbook(io.BytesIO(class_list_export("xlsx", layers, filters=filters, store=str(store),
                                                               language="en", classes=("A",)).data))
    sheet, about = book.worksheets
    assert {row[CLASS_LIST_COLUMNS.index("class")].value for row in sheet.iter_rows(min_row=2)} == {"A"}
    assert any(str(row[0].value).startswith("Class: A") for row in about.iter_rows())
