"""The enterprises layer (亩均评价) comes in like every layer, with the issue's own checks of bad input."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from fixtures_intake import (
    YINZHOU,
    assert_names,
    inside,
    write_csv,
    write_shapefile,
    write_vector,
    write_xlsx,
)

from spaces.errors import ValidationError
from spaces.intake import Known, validate_file, validate_frame
from spaces.reference.credit_code import check_character, credit_code_problem

TODAY = date(2026, 12, 5)
# The example code printed in GB 32100-2015.
STANDARD_EXAMPLE = "91350100M000100Y43"


def code(body: str) -> str:
    """A well-formed credit code: ``body`` (17 characters) and its check character."""
    return body + check_character(body)


def rows(n: int = 3) -> list[dict]:
    """``n`` valid 规上 firms in 鄞州区, a point each; the first has every optional figure."""
    lon, lat = inside(YINZHOU)
    out = []
    for i in range(n):
        out.append({"统一社会信用代码": code(f"9133021257{i:07d}"), "企业名称": f"企业{i}", "评价年度": 2024,
                    "企业类别": "规上", "行业": "模具", "用地面积": 20.0 + i, "评价税收": 800.0 + 10 * i,
                    "工业增加值": 2400.0, "综合能耗": 500.0 + i, "lon": lon + i * 0.001, "lat": lat})
    return out


def points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """As a vector file holds them (a row without lon/lat has no geometry, as the CSV reader makes it)."""
    geometry = shapely.points(frame["lon"].astype(float), frame["lat"].astype(float))
    geometry[frame["lon"].isna().to_numpy()] = None
    return gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), crs="EPSG:4326", geometry=geometry)


def check(frame: pd.DataFrame, **kwargs):
    return validate_frame(points(frame) if "lon" in frame else frame, "enterprises", file="firms.csv",
                          has_geometry="lon" in frame, today=TODAY, **kwargs)


def refused(frame: pd.DataFrame, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check(frame, **kwargs)
    return caught.value


def test_the_check_digit_is_gb_32100s():
    """The standard's example code passes; one changed character anywhere fails."""
    assert credit_code_problem(STANDARD_EXAMPLE) is None
    assert credit_code_problem("91110000600037341L") is None  # a published code ending in a letter
    assert credit_code_problem(STANDARD_EXAMPLE[:-1] + "4") == "check_digit"
    assert credit_code_problem(STANDARD_EXAMPLE[:5] + "2" + STANDARD_EXAMPLE[6:]) == "check_digit"
    assert credit_code_problem(STANDARD_EXAMPLE[:-1]) == "length"
    assert credit_code_problem(STANDARD_EXAMPLE[:-2] + "O3") == "characters"


def test_chinese_headers_and_group_spellings_come_in_canonical():
    intake = check(pd.DataFrame(rows()).assign(企业类别=["规上", "规下≥3亩", "租赁企业"]))
    frame = intake.frame
    assert list(frame["group"]) == ["above_scale", "below_scale_large", "leased"]
    assert list(frame["district_adcode"]) == [YINZHOU] * 3
    assert frame["land_mu"].tolist() == [20.0, 21.0, 22.0] and not intake.warnings


def test_a_wrong_check_digit_is_a_warning_naming_the_row():
    frame = pd.DataFrame(rows())
    wrong = frame.loc[1, "统一社会信用代码"][:-1] + ("0" if frame.loc[1, "统一社会信用代码"][-1] != "0" else "1")
    frame.loc[1, "统一社会信用代码"] = wrong
    intake = check(frame)
    [warning] = intake.warnings
    assert warning.key == "credit_code_check_digit"
    assert_names(warning, file="firms.csv", row=2, column="enterprise_id", value=wrong)
    assert len(intake.frame) == 3


BAD_CELLS = [
    ("用地面积", 0, "land_mu", "land_not_positive"),
    ("用地面积", -3, "land_mu", "negative"),
    ("评价税收", "八百", "tax", "not_a_number"),
    ("工业增加值", "n/a", "value_added", "not_a_number"),
    ("企业类别", "规上企业X", "group", "unknown_group"),
    ("评价年度", 2014, "year", "evaluation_year_out_of_range"),
    ("评价年度", 2027, "year", "evaluation_year_out_of_range"),
]


@pytest.mark.parametrize(("header", "value", "column", "key"), BAD_CELLS)
def test_each_bad_value_is_refused_naming_file_row_column_and_value(header, value, column, key):
    frame = pd.DataFrame(rows()).astype({header: object})
    frame.loc[2, header] = value
    error = refused(frame)
    [problem] = [p for p in error.errors if p.key == key]
    assert_names(problem, file="firms.csv", row=3, column=column, value=str(value))


def test_an_unknown_official_grade_is_refused_and_a_known_one_kept():
    frame = pd.DataFrame(rows()).assign(评价等级=["A类", "落后整治", "T"])
    assert check(frame).frame["grade"].tolist() == ["A", "D", "T"]
    frame.loc[0, "评价等级"] = "E"
    [problem] = refused(frame).errors
    assert problem.key == "unknown_grade" and problem.row == 1 and problem.value == "E"


def test_this_years_evaluation_is_allowed_and_next_years_not():
    frame = pd.DataFrame(rows()).assign(评价年度=[2015, 2026, 2026])
    assert check(frame).frame["year"].tolist() == [2015, 2026, 2026]


def test_the_same_enterprise_twice_in_one_year_is_refused_but_not_in_two_years():
    frame = pd.DataFrame(rows())
    frame.loc[1, "统一社会信用代码"] = frame.loc[0, "统一社会信用代码"]
    problems = refused(frame).errors
    assert {p.row for p in problems if p.key == "duplicate_id"} == {1, 2}
    frame.loc[1, "评价年度"] = 2023
    assert len(check(frame).frame) == 3


def test_plots_and_parks_not_in_the_store_are_warned_and_kept():
    frame = pd.DataFrame(rows()).assign(地块编号=["L1", "L404", None], 园区编号=[None, None, "P404"])
    intake = check(frame, known=Known({"L1": YINZHOU}, frozenset({"P1"})))
    unknown = {(p.row, p.column, p.value) for p in intake.warnings if p.key == "unknown_reference"}
    assert unknown == {(2, "plot_id", "L404"), (3, "park_id", "P404")}
    assert intake.frame["plot_id"].tolist() == ["L1", "L404", None]


def test_a_firm_without_location_takes_its_plots_district():
    """A table without lon/lat: the firms sit on plots of the store, whose districts they get."""
    frame = pd.DataFrame(rows()).drop(columns=["lon", "lat"]).assign(地块编号=["L1", "L2", "L1"])
    intake = check(frame, known=Known({"L1": "330206", "L2": YINZHOU}, frozenset()))
    assert intake.frame["district_adcode"].tolist() == ["330206", YINZHOU, "330206"]
    assert intake.frame.geometry.isna().all()


def test_a_firm_with_neither_location_nor_plot_is_refused():
    frame = pd.DataFrame(rows()).drop(columns=["lon", "lat"]).assign(地块编号=["L1", None, "L9"])
    known = Known({"L1": YINZHOU}, frozenset())
    [problem] = refused(frame, known=known).errors
    assert (problem.key, problem.row, problem.column) == ("no_location", 2, "plot_id")
    frame.loc[1, "地块编号"] = "L1"
    [problem] = refused(frame, known=known).errors  # L9 is not in the store: no district to take
    assert (problem.key, problem.row, problem.value) == ("enterprise_without_district", 3, "L9")
    frame.loc[2, "区县代码"] = "北仑区"
    assert check(frame, known=known).frame["district_adcode"].tolist() == [YINZHOU, YINZHOU, "330206"]


def test_a_row_without_coordinates_needs_a_plot_in_a_file_with_coordinates():
    frame = pd.DataFrame(rows())
    frame.loc[0, ["lon", "lat"]] = None
    frame.loc[1, ["lon", "lat"]] = None
    frame["地块编号"] = ["L1", None, None]
    error = refused(frame, known=Known({"L1": YINZHOU}, frozenset()))
    assert [(p.key, p.row) for p in error.errors] == [("no_geometry", 2)]


def test_energy_a_thousand_times_the_district_median_per_mu_is_a_warning():
    frame = pd.DataFrame(rows(5))
    frame.loc[4, "综合能耗"] = 504.0 * 1000 * 1.2  # kgce typed as tce
    intake = check(frame)
    [warning] = intake.warnings
    assert warning.key == "energy_unit"
    assert_names(warning, file="firms.csv", row=5, column="energy_tce", value="604800")


@pytest.mark.parametrize("kind", ["csv", "gbk-csv", "xlsx", "geojson", "gpkg", "shp-zip-gbk"])
def test_every_file_kind_comes_in(tmp_path, kind):
    frame = pd.DataFrame(rows())
    if kind == "csv":
        path = write_csv(frame, tmp_path / "f.csv")
    elif kind == "gbk-csv":
        path = write_csv(frame, tmp_path / "f.csv", encoding="gbk")
    elif kind == "xlsx":
        path = write_xlsx(frame, tmp_path / "f.xlsx")
    elif kind == "geojson":
        path = write_vector(points(frame), tmp_path / "f.geojson")
    elif kind == "gpkg":
        path = write_vector(points(frame), tmp_path / "f.gpkg")
    else:
        path = write_shapefile(points(frame), tmp_path / "shp", "firms", encoding="GBK", cpg=False, zipped=True)
    intake = validate_file(path, "enterprises")
    assert intake.frame["name_zh"].tolist() == ["企业0", "企业1", "企业2"]
    assert intake.frame["group"].tolist() == ["above_scale"] * 3
    assert intake.frame["district_adcode"].tolist() == [YINZHOU] * 3


def test_an_official_list_without_locations_is_kept_in_its_districts_with_a_warning():
    """Published result lists hold names, districts and grades, no coordinates: counted, not drawn."""
    frame = pd.DataFrame(rows()).drop(columns=["lon", "lat"]).assign(区县=["北仑区", "鄞州", None],
                                                                    地块编号=[None, None, "L1"])
    intake = check(frame, known=Known({"L1": YINZHOU}, frozenset()))
    assert intake.frame["district_adcode"].tolist() == ["330206", YINZHOU, YINZHOU]
    assert [(p.key, p.row) for p in intake.warnings] == [("not_drawn", 1), ("not_drawn", 2)]
