"""Tests for spaces.intake.columns: ids, vocabularies, numbers, headers and aliases, district spellings, reserved column names."""

from __future__ import annotations

import geopandas as gpd
import pytest
from fixtures_intake import (
    XSS,
    YINZHOU,
    assert_names,
    csv_plots,
    factories_frame,
    factory_rows,
    plot_rows,
    plots_frame,
    rejected,
    with_lonlat,
    with_wkt,
    write_csv,
    write_shapefile,
    write_vector,
)

from spaces.errors import Problem, ValidationError
from spaces.intake import validate_file
from spaces.intake.columns import COERCERS
from spaces.reference.schema import COLUMN_TYPES
from spaces.store import GeoPackageStore, local_actor


def errors_in(exc: ValidationError, column: str | None = None) -> list[Problem]:
    return [p for p in exc.errors if column is None or p.column == column]


def test_every_column_type_has_one_coercer():
    """The schema refuses other types on load, so a type without a coercer would only fail at an import."""
    assert set(COERCERS) == COLUMN_TYPES


# --- ids, vocabularies, numbers --------------------------------------------------------------------


@pytest.mark.parametrize("second", ["P1", " P1 "], ids=["same", "padded"])
def test_duplicate_ids_report_both_rows(tmp_path, second):
    """Two rows with one id would overwrite each other on upsert; both rows are named so either can be fixed."""
    rows = plot_rows(3)
    rows[2]["plot_id"] = second
    path = csv_plots(tmp_path, rows)
    exc = rejected(path)
    duplicates = errors_in(exc, "plot_id")
    assert [p.row for p in duplicates] == [1, 3]
    for problem in duplicates:
        assert "duplicate plot_id" in problem.message
        assert_names(problem, file="plots.csv", column="plot_id", value="P1")
    assert duplicates[0].feature_id == "P1"


@pytest.mark.parametrize(
    ("layer", "column", "bad", "accepted"),
    [
        ("plots", "status", "sold", ["pending", "待处置", "in_progress", "处置中", "reclaimed", "已盘活"]),
        ("plots", "status", XSS, ["pending", "待处置"]),
        ("factories", "level", "区级", ["national", "国家级", "provincial", "省级", "municipal", "市级"]),
    ],
)
def test_unknown_vocabulary_value_lists_accepted_values(tmp_path, layer, column, bad, accepted):
    """A status or level we do not know must name the value and list what is accepted."""
    if layer == "plots":
        rows = plot_rows(3)
        rows[1][column] = bad
        path = csv_plots(tmp_path, rows)
        feature_id = "P2"
    else:
        rows = factory_rows(2)
        rows[1][column] = bad
        path = write_csv(with_lonlat(factories_frame(rows)), tmp_path / "factories.csv")
        feature_id = "F2"
    exc = rejected(path, layer)
    [problem] = exc.errors
    assert_names(problem, file=path.name, row=2, feature_id=feature_id, column=column, value=bad)
    for word in accepted:
        assert word in problem.message


def test_vocabulary_synonyms_are_accepted(tmp_path):
    """Chinese labels, synonyms and odd spacing/case all map to the canonical value."""
    rows = plot_rows(4)
    for row, status, year in zip(rows, ["已盘活", " In Progress ", "待盘活", "DONE"], [2023, None, None, 2024],
                                 strict=True):
        row["status"], row["reclaimed_year"] = status, year
    intake = validate_file(csv_plots(tmp_path, rows), "plots")
    assert intake.frame["status"].tolist() == ["reclaimed", "in_progress", "pending", "reclaimed"]


@pytest.mark.parametrize(
    ("layer", "drop", "listed"),
    [
        ("plots", ["status", "reclaimed_year"],
         ["status (aliases: 状态, 处置状态, 盘活状态)", "reclaimed_year (aliases: 盘活年份, 完成年份"]),
        ("plots", ["plot_id"], ["plot_id (aliases: 地块编号, 地块号, 编号, id, fid_plot)"]),
        ("factories", ["level"], ["level (aliases: 级别, 等级, 认定级别)"]),
    ],
)
def test_missing_required_columns_are_listed_with_aliases(tmp_path, layer, drop, listed):
    """A missing column must be named together with every header that would have been accepted for it."""
    frame = plots_frame() if layer == "plots" else factories_frame()
    path = write_vector(frame.drop(columns=drop), tmp_path / f"{layer}.geojson")
    exc = rejected(path, layer)
    [problem] = exc.errors
    assert f"{layer}.geojson" in str(problem)
    assert "missing required column(s)" in problem.message
    for text in listed:
        assert text in problem.message
    kept = [c for c in frame.columns if c not in drop and c != "geometry"]
    assert all(c in problem.message for c in kept)  # "Found: ..." lists what the file has


@pytest.mark.parametrize(
    ("column", "bad", "message"),
    [
        ("reclaimed_year", "二〇二一", "reclaimed_year must be a number"),
        ("reclaimed_year", "2021年", "reclaimed_year must be a number"),
        ("reclaimed_year", "2021.5", "reclaimed_year must be a whole number"),
        ("reclaimed_year", "1800", "between 1949 and 2035"),
        ("reclaimed_year", "2100", "between 1949 and 2035"),
        ("reclaimed_year", "1e30", "between 1949 and 2035"),
        ("reclaimed_year", "inf", "reclaimed_year must be a finite number"),
        ("area_mu", "inf", "area_mu must be a finite number"),
        ("area_mu", "-3.5", "area_mu must not be negative"),
        ("area_mu", "十亩", "area_mu must be a number"),
    ],
)
def test_bad_numbers_name_row_id_column_and_value(tmp_path, column, bad, message):
    """Years and areas typed wrongly are errors pointing at the cell, never a crash while converting."""
    rows = plot_rows(3)
    rows[1][column] = bad
    exc = rejected(csv_plots(tmp_path, rows))
    [problem] = exc.errors
    assert message in problem.message
    assert_names(problem, file="plots.csv", row=2, feature_id="P2", column=column, value=bad)


def test_blank_cells_are_missing_not_the_text_nan(tmp_path):
    """Empty optional cells stay missing (not 'nan'); an empty required cell is one error, not two."""
    rows = plot_rows(3)
    rows[0]["name_zh"] = ""
    rows[1]["status"] = ""
    rows[2]["reclaimed_year"] = ""
    exc = rejected(csv_plots(tmp_path, rows))
    problem, missing_year = exc.errors
    assert problem.message == "status must not be empty"
    assert (problem.row, problem.feature_id, problem.column) == (2, "P2", "status")
    assert (missing_year.key, missing_year.row, missing_year.feature_id) == ("reclaimed_without_year", 3, "P3")
    rows[1]["status"], rows[2]["status"] = "pending", "in_progress"
    frame = validate_file(csv_plots(tmp_path, rows, "fixed.csv"), "plots").frame
    assert frame["name_zh"].isna().tolist() == [True, False, False]
    assert frame["reclaimed_year"].isna().tolist() == [True, True, True]


# --- headers -----------------------------------------------------------------------------------------


def test_chinese_headers(tmp_path):
    """Planners' own headers (地块编号, 状态, 盘活年份, 名称, 区县) map onto the schema."""
    frame = plots_frame().rename(columns={"plot_id": "地块编号", "status": "状态", "reclaimed_year": "盘活年份",
                                          "name_zh": "名称", "district_adcode": "区县"})
    frame["状态"] = ["待处置", "处置中", "已盘活"]
    frame["区县"] = ["鄞州区"] * 3
    frame["备注"] = ["保留", "", "x"]
    intake = validate_file(write_csv(with_wkt(frame), tmp_path / "地块.csv", encoding="gbk"), "plots")
    out = intake.frame
    assert out["plot_id"].tolist() == ["P1", "P2", "P3"]
    assert out["status"].tolist() == ["pending", "in_progress", "reclaimed"]
    assert out["reclaimed_year"].astype(object).where(out["reclaimed_year"].notna(), None).tolist() == [None, None, 2022]
    assert out["district_adcode"].tolist() == [YINZHOU] * 3
    assert out["name_zh"].tolist() == ["地块1", "地块2", "地块3"]
    assert "备注" in out.columns  # unknown columns are kept, not dropped


def test_two_headers_meaning_one_column(tmp_path):
    """状态 and status in one file: which one wins is the planner's call, so it is an error naming both."""
    frame = plots_frame()
    frame["状态"] = frame["status"]
    exc = rejected(write_vector(frame, tmp_path / "plots.geojson"))
    assert "'status' and '状态' both mean 'status'" in exc.errors[0].message


def test_shapefile_truncated_headers(tmp_path):
    """The .dbf cuts field names to 10 characters: certified_year, reclaimed_year and district_adcode arrive cut."""
    plots = write_shapefile(plots_frame(), tmp_path / "p", zipped=True)
    factories = write_shapefile(factories_frame(), tmp_path / "f", stem="factories", zipped=True)
    plot_intake = validate_file(plots, "plots")
    factory_intake = validate_file(factories, "factories")
    assert {"reclaimed_", "district_a"} <= set(gpd.read_file(plots).columns)  # the fixture really truncates
    assert "certified_" in gpd.read_file(factories).columns
    years = plot_intake.frame["reclaimed_year"]
    assert years.astype(object).where(years.notna(), None).tolist() == [None, None, 2022]
    assert plot_intake.frame["district_adcode"].tolist() == [YINZHOU] * 3
    assert factory_intake.frame["certified_year"].tolist() == [2019, 2020]
    assert factory_intake.frame["district_adcode"].tolist() == [YINZHOU] * 2


@pytest.mark.parametrize(
    ("spelling", "historical"),
    [
        ("鄞州区", False), ("鄞州", False), ("Yinzhou", False), ("YINZHOU", False), ("330212", False),
        ("330212.0", False), (" 330212 ", False),
        ("330204", True), ("江东区", True), ("330204.0", True),
    ],
)
def test_district_spellings(tmp_path, spelling, historical):
    """Names, English names, Excel-floated codes and pre-2016 江东区 (330204, now part of 鄞州) all give 330212."""
    rows = plot_rows(2)
    rows[1]["district_adcode"] = spelling
    intake = validate_file(csv_plots(tmp_path, rows), "plots")
    assert intake.frame["district_adcode"].tolist() == [YINZHOU, YINZHOU]
    warnings = [p for p in intake.warnings if p.column == "district_adcode"]
    if historical:
        [warning] = warnings
        assert "江东区→鄞州区" in warning.message
        assert_names(warning, file="plots.csv", row=2, feature_id="P2", value=spelling.strip())
    else:
        assert warnings == []


@pytest.mark.parametrize(("bad", "message"), [("330100", "not a Ningbo district"), ("杭州", "not a Ningbo district"),
                                              ("宁波市", "not to the whole city")])
def test_district_that_is_not_a_ningbo_district(tmp_path, bad, message):
    """Codes of other cities, and the city itself, are not districts."""
    rows = plot_rows(2)
    rows[0]["district_adcode"] = bad
    [problem] = rejected(csv_plots(tmp_path, rows)).errors
    assert message in problem.message
    assert_names(problem, file="plots.csv", row=1, feature_id="P1", column="district_adcode")


# --- columns the store could not hold under their own name ---------------------------------------------


def test_columns_a_geopackage_reserves_are_kept_under_another_name(tmp_path, tmp_store):
    """An ArcGIS table export carries FID; others bring geom, Source, or remark and REMARK.
    A GeoPackage refuses them (fid and geom are its own, names compare without case): they are renamed."""
    table = with_wkt(plots_frame())
    for header in ("FID", "geom", "Source", "remark", "REMARK"):
        table[header] = [f"{header}-{n}" for n in range(len(table))]
    intake = validate_file(write_csv(table, tmp_path / "arcgis.csv"), "plots")
    renamed = {"FID": "FID_in_file", "geom": "geom_in_file", "Source": "Source_in_file", "REMARK": "REMARK_in_file"}
    kept = [w for w in intake.warnings if "kept as" in w.message]
    assert [w.column for w in kept] == list(renamed)
    assert all(f"kept as {renamed[w.column]!r}" in w.message for w in kept)
    assert intake.frame["remark"].tolist() == ["remark-0", "remark-1", "remark-2"]

    store = GeoPackageStore(tmp_store)
    store.initialise({}, dataset="empty", actor=local_actor())
    assert store.upsert(intake, actor=local_actor()).added == 3
    stored = store.read_layer("plots")
    for header, name in renamed.items():
        assert stored[name].tolist() == [f"{header}-{n}" for n in range(3)]
