"""Checking an upload in memory: report rows, CRS suggestions, nothing written."""

import pytest

from spaces.intake.upload import check_upload

GOOD = "factory_id,name_zh,level,certified_year,industry,lon,lat\nF1,甲,国家级,2023,模具,121.55,29.87\n"


def test_a_good_csv_gives_an_intake_with_a_district():
    check = check_upload("factories.csv", GOOD.encode(), layer="factories", crs=None)
    assert check.ok
    assert check.intake.frame["district_adcode"].tolist() == ["330203"]
    report = check.report()
    assert list(report.columns) == ["severity", "row", "feature_id", "column", "value", "message"]
    assert report["severity"].tolist() == ["warning"]  # no CRS declared: WGS-84 assumed


def test_errors_are_reported_row_by_row_and_nothing_is_returned_to_write():
    bad = GOOD + "F1,乙,县级,2023,模具,121.56,29.88\n"
    check = check_upload("factories.csv", bad.encode(), layer="factories", crs=None)
    assert not check.ok
    errors = check.report().query("severity == 'error'")
    assert {"level", "factory_id"} <= set(errors["column"])
    assert "县级" in set(errors["value"])


def test_gauss_kruger_metres_suggest_a_crs():
    metric = "factory_id,name_zh,level,certified_year,industry,x,y\nF1,甲,国家级,2023,模具,645000,3305000\n"
    check = check_upload("factories.csv", metric.encode(), layer="factories", crs=None)
    assert not check.ok
    assert any(s.startswith("EPSG:4549") for s in check.suggestions)
    assert check_upload("factories.csv", metric.encode(), layer="factories", crs="EPSG:4549").ok


@pytest.mark.parametrize(("name", "data"), [("x.docx", b"abc"), ("empty.csv", b"")])
def test_unreadable_uploads_become_one_error(name, data):
    check = check_upload(name, data, layer="plots", crs=None)
    assert not check.ok and len(check.problems) == 1 and name in check.problems[0].message


@pytest.mark.parametrize(("language", "headers", "error"), [
    ("zh", ["级别", "行号", "编号", "字段", "值", "说明"], "错误"),
    ("en", ["Severity", "Row", "ID", "Column", "Value", "Message"], "error")])
def test_the_report_a_planner_sees_is_in_their_language_with_whole_row_numbers(language, headers, error):
    from spaces.intake.upload import presented_report

    bad = GOOD + "F2,乙,县级,2023,模具,121.56,29.88\n"
    report = check_upload("factories.csv", bad.encode(), layer="factories", crs=None).report()
    assert str(report["row"].dtype) == "Int64"
    shown = presented_report(report, language)
    assert list(shown.columns) == headers
    level = shown.loc[shown[headers[3]] == "level"].iloc[0]
    assert (level[headers[0]], level[headers[1]], level[headers[2]], level[headers[4]]) == (error, "2", "F2", "县级")
    crs_warning = shown.loc[shown[headers[3]] == ""]  # the file-wide CRS warning names no row, id or value
    assert len(crs_warning) == 1 and crs_warning.iloc[0][headers[2]] == "" and crs_warning.iloc[0][headers[4]] == ""
    assert "None" not in shown.to_csv(index=False) and ",2.0," not in shown.to_csv(index=False)
