"""Every finding of a file check reads in Chinese: a catalogue key and params beside the English message."""

from __future__ import annotations

import io
import math
import re
import string
import zipfile
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj.exceptions import CRSError as PyprojCRSError

from spaces.errors import CrsError, Problem, ReadError, ValidationError
from spaces.geo.crs import parse_crs, to_storage_crs
from spaces.intake import (
    check_upload,
    presented_report,
    problem_text,
    read_any,
    validate_frame,
    validate_values,
)
from spaces.intake.status import validate_plot_status
from spaces.reference.i18n import catalogue, t
from spaces.reference.schema import load_schemas
from spaces.reference.vocab import VOCABULARIES

ROOT = Path(__file__).resolve().parents[2]
# Every module that can raise a catalogued problem: the intake and store packages, and the CRS module
# whose CrsError names its text (intake passes that key on).
CHECKED_MODULES = (*(ROOT / "spaces" / "intake").rglob("*.py"), *(ROOT / "spaces" / "store").rglob("*.py"),
                   ROOT / "spaces" / "geo" / "crs.py", ROOT / "spaces" / "planning" / "consistency.py")

FACTORY_HEADER = "factory_id,name_zh,level,certified_year,industry,lon,lat\n"
GOOD_FACTORY = "F1,甲,国家级,2023,模具,121.55,29.87\n"
# A square of about 160 亩 in 海曙区 and a second one next to it.
SQUARE = "POLYGON ((121.50 29.86, 121.51 29.86, 121.51 29.87, 121.50 29.87, 121.50 29.86))"
SQUARE_2 = "POLYGON ((121.52 29.86, 121.53 29.86, 121.53 29.87, 121.52 29.87, 121.52 29.86))"
BOWTIE = "POLYGON ((121.50 29.86, 121.51 29.87, 121.51 29.86, 121.50 29.87, 121.50 29.86))"
SLIVER = "POLYGON ((121.50 29.86, 121.51 29.86, 121.50 29.86, 121.50 29.86))"


def csv(*lines: str) -> bytes:
    return "\n".join(lines).encode() + b"\n"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _shapefiles_zip(tmp_path: Path) -> bytes:
    """Two Shapefiles without .cpg files in one zip: two reading notes."""
    frame = gpd.GeoDataFrame({"factory_id": ["F1"], "name_zh": ["甲"], "level": ["国家级"]},
                             geometry=[shapely.Point(121.55, 29.87)], crs=4326)
    members = {}
    for stem in ("a", "b"):
        frame.to_file(tmp_path / f"{stem}.shp", encoding="utf-8")
        for suffix in (".shp", ".shx", ".dbf", ".prj"):
            members[f"{stem}{suffix}"] = (tmp_path / f"{stem}{suffix}").read_bytes()
    return _zip(members)


def _two_layer_gpkg(tmp_path: Path) -> bytes:
    """A GeoPackage with two layers: only the first is read, with a note."""
    path = tmp_path / "two.gpkg"
    frame = gpd.GeoDataFrame({"plot_id": ["L1"], "status": ["已盘活"], "reclaimed_year": ["2023"]},
                             geometry=[shapely.from_wkt(SQUARE)], crs=4326)
    frame.to_file(path, layer="plots")
    frame.to_file(path, layer="other")
    return path.read_bytes()


def bad_uploads(tmp_path: Path) -> list[tuple[str, bytes, str, str | None]]:
    """(name, bytes, layer, crs): uploads a planner may well try, each wrong in its own way."""
    many_bad_levels = FACTORY_HEADER + "".join(f"F{i},甲,县级,2023,模具,121.55,29.87\n" for i in range(205))
    return [
        ("factories.csv", (FACTORY_HEADER + GOOD_FACTORY + "F1,乙,县级,2023,模具,121.56,29.88\n").encode(),
         "factories", None),
        ("x.docx", b"abc", "plots", None),
        ("empty.csv", b"", "plots", None),
        ("plots.shp", b"abc", "plots", None),
        ("header_only.csv", b"plot_id,status\n", "plots", None),
        ("blank_lines.csv", b"\n\n", "plots", None),
        ("not_a.zip", b"not a zip", "plots", None),
        ("no_shapefile.zip", _zip({"readme.txt": b"hello"}), "plots", None),
        ("broken.geojson", b"{ not json", "plots", None),
        ("broken.xlsx", b"not a workbook", "plots", None),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "plots", None),  # an OLE2 workbook
        ("quote.csv", b'a,b\n"x,1\n', "plots", None),
        ("bytes.csv", b"a,b\n\xff\xff,\x80\n", "plots", None),
        ("wkt.csv", csv("plot_id,status,reclaimed_year,wkt", "L1,已盘活,2023,POLYGON ((broken"), "plots", None),
        ("lonlat.csv", csv(FACTORY_HEADER.strip(), "F1,甲,国家级,2023,模具,<b>东</b>,29.87"), "factories", None),
        ("gbk.csv", (FACTORY_HEADER + GOOD_FACTORY).encode("gb18030").replace(b"\xbc\xd7", b"\xbc\xd7"),
         "factories", None),
        ("gbk_names.csv", "factory_id,name_zh,level,lon,lat\nF1,宁波模具厂,国家级,121.55,29.87\n".encode("gb18030"),
         "factories", None),
        ("shapefiles.zip", _shapefiles_zip(tmp_path), "factories", None),
        ("two.gpkg", _two_layer_gpkg(tmp_path), "plots", None),
        ("factories.csv", (FACTORY_HEADER + GOOD_FACTORY).encode(), "no_such_layer", None),
        ("factories.csv", csv("factory_id,lon,lat", "F1,121.55,29.87"), "factories", None),
        ("factories.csv", csv("factory_id,name_zh,level,certified_year,industry", "F1,甲,国家级,2023,模具"),
         "factories", None),
        ("factories.csv", csv(f"factory_id,工厂编号,{FACTORY_HEADER[11:].strip()}", "F1,F1,甲,国家级,2023,模具,121.55,29.87"),
         "factories", None),
        ("factories.csv", csv(f"FID,{FACTORY_HEADER.strip()}", "7,F1,甲,国家级,2023,模具,121.55,29.87"),
         "factories", None),
        ("factories.csv", csv(FACTORY_HEADER.strip(), "F1,,国家级,abc,模具,121.55,29.87",
                              "F2,乙,国家级,inf,模具,121.55,29.87", "F3,丙,国家级,2023.5,模具,121.55,29.87",
                              "F4,丁,国家级,1800,模具,121.55,29.87"), "factories", None),
        ("factories.csv", csv(f"district_adcode,{FACTORY_HEADER.strip()}", "北京,F1,甲,国家级,2023,模具,121.55,29.87",
                              "江东区,F2,乙,国家级,2023,模具,121.56,29.87", "330200,F3,丙,国家级,2023,模具,121.55,29.87"),
         "factories", None),
        ("factories.csv", csv(f"district_adcode,{FACTORY_HEADER.strip()}", "330212,F1,甲,国家级,2023,模具,121.55,29.87"),
         "factories", None),
        ("factories.csv", many_bad_levels.encode(), "factories", None),
        ("parks.csv", csv("park_id,name_zh,district_adcode,industries,level,strategic_park,wanmu_qianyi,"
                          "green_park_level,established_year,wkt", f'P1,甲,330203,模具,省级,也许,也许,,2010,"{SQUARE}"'),
         "parks", None),
        ("plots.csv", csv("plot_id,status,reclaimed_year,area_mu,wkt", f'L1,荒废,2023,-5,"{SQUARE}"',
                          f'L2,已盘活,2023,1,"{SQUARE_2}"', f'L3,已盘活,2023,,"{BOWTIE}"',
                          f'L4,已盘活,2023,,"{SLIVER}"', 'L5,已盘活,2023,,', 'L6,已盘活,2023,,"POINT (121.5 29.86)"'),
         "plots", None),
        ("plots.csv", csv("plot_id,status,reclaimed_year,area_mu,wkt", f'L1,已盘活,2023,1,"{SQUARE}"'), "plots", None),
        ("indicators.csv", csv("district_adcode,year,etdz_national_rank,lon,lat",
                               "330212,2023,99999999999999999999,121.55,29.87"), "indicators", None),
        ("indicators.csv", csv("district_adcode,year", "330212,2023"), "factories", None),
        ("allocations.csv", csv("district_adcode,target_key,target", "330212,green_everything,3"), "allocations",
         None),
        ("factories.csv", (FACTORY_HEADER + GOOD_FACTORY).encode(), "factories", "EPSG:nonsense"),
        ("metres.csv", csv(FACTORY_HEADER.strip(), "F1,甲,国家级,2023,模具,645000,3305000"), "factories", None),
        ("far.csv", csv(FACTORY_HEADER.strip(), "F1,甲,国家级,2023,模具,5000000,9000000"), "factories", None),
        ("zone40.csv", csv(FACTORY_HEADER.strip(), "F1,甲,国家级,2023,模具,40645000,3305000"), "factories",
         "EPSG:4549"),
        ("beijing.csv", csv(FACTORY_HEADER.strip(), "F1,甲,国家级,2023,模具,116.4,39.9"), "factories", None),
        ("hangzhou.csv", csv(FACTORY_HEADER.strip(), "F1,甲,国家级,2023,模具,120.1,30.3"), "factories", None),
        ("one_out.csv", csv(FACTORY_HEADER.strip(), GOOD_FACTORY.strip(), "F2,乙,国家级,2023,模具,116.4,39.9"),
         "factories", None),
        ("inf.csv", csv(FACTORY_HEADER.strip(), GOOD_FACTORY.strip(), "F2,乙,国家级,2023,模具,inf,29.87"),
         "factories", None),
        ("factories.csv", csv("factory_id,name_zh,level,certified_year,industry,wkt", f'F1,甲,国家级,2023,模具,"{SQUARE}"'),
         "factories", None),
        ("communities.csv", csv("community_id,name_zh,district_adcode,industries,wkt",
                                'C1,甲,330203,模具,"LINESTRING (121.5 29.86, 121.51 29.87)"'), "communities", None),
        # Issue 10: plot years as a progress update judges them, old park and factory files, city indicators.
        ("plots.csv", csv("plot_id,status,reclaimed_year,wkt", f'L1,已盘活,,"{SQUARE}"', f'L2,已盘活,2035,"{SQUARE_2}"'),
         "plots", None),
        ("plots.csv", csv("plot_id,status,reclaimed_year,wkt", f'L1,已盘活,2019,"{SQUARE}"', f'L2,待处置,2024,"{SQUARE_2}"'),
         "plots", None),
        ("parks.csv", csv("park_id,name_zh,district_adcode,industries,level,wanmu_qianyi,green_park_level,"
                          "established_year,wkt", f'P1,甲,330203,模具,省级,是,,2010,"{SQUARE}"'), "parks", None),
        ("factories.csv", csv("factory_id,name_zh,level,national_year,industry,lon,lat", "F1,甲,市级,2024,模具,121.55,29.87"),
         "factories", None),
        ("indicators.csv", csv("district_adcode,year,inefficient_enterprises_upgraded,scattered_polluting_enterprises_cleared",
                               "330200,2023,40,50", "330212,2023,55,30", "330203,2023,5,40"), "indicators", None),
    ]


def other_findings(tmp_path: Path) -> list[Problem]:
    """Findings that do not come from an upload: files on disk (CLI), a declared CRS, app edits, progress updates."""
    problems = []
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    for path in (tmp_path / "missing.csv", folder):
        with pytest.raises(ReadError) as caught:
            read_any(path)
        problems.append(Problem("error", path.name, str(caught.value), key=caught.value.key,
                                params=caught.value.params))
    frame = gpd.GeoDataFrame({"factory_id": ["F1"], "name_zh": ["甲"], "level": ["国家级"], "certified_year": ["2023"],
                              "industry": ["模具"]}, geometry=[shapely.Point(121.55, 29.87)])
    calls = [
        lambda: validate_frame(frame, "factories", file="f.geojson", file_crs="EPSG:nonsense"),
        lambda: validate_values("plots", {"colour": "红"}, file="app"),
        lambda: validate_frame(pd.DataFrame({"district_adcode": []}), "indicators", file="empty.csv"),
        lambda: validate_plot_status("", status="已盘活", reclaimed_year=2024),
        lambda: validate_plot_status("L1", status="已盘活", reclaimed_year=None),
        lambda: validate_plot_status("L1", status="已盘活", reclaimed_year=2019),
        lambda: validate_plot_status("L1", status="待处置", reclaimed_year=2024),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as caught:
            call()
        problems += caught.value.problems
    return problems


EXPECTED_KEYS = {
    # readers.py
    "no_such_file", "cannot_read_file", "file_empty", "shapefile_not_zipped", "unknown_format", "file_no_rows",
    "several_layers", "not_vector", "zip_without_shapefile", "zip_invalid", "several_shapefiles", "no_cpg",
    "not_utf8", "text_encoding", "csv_unreadable", "excel_format", "excel_unreadable", "invalid_wkt", "coordinate_not_a_number",
    # validation.py, columns.py, geometry.py (with geo/crs.py's CrsError keys)
    "unknown_layer", "unknown_column", "no_rows", "needs_geometry", "geometry_ignored", "duplicate_column", "missing_columns",
    "column_renamed", "empty", "not_yes_no", "unknown_designation", "unknown_level", "unknown_status", "unknown_target_key",
    "not_a_number", "not_finite", "not_whole", "year_out_of_range", "negative", "too_large", "unknown_district",
    "historical_district", "duplicate_id", "whole_city", "unknown_crs", "file_crs_unknown", "no_crs",
    "not_degrees", "not_degrees_try", "no_geometry", "non_numeric_coordinates", "unconvertible_suggest",
    "wrong_geometry_polygon", "wrong_geometry_point", "wrong_geometry_polygon_point", "repaired",
    "empty_after_repair", "outside_ningbo", "outside_ningbo_all", "outside_ningbo_all_suggest",
    "district_mismatch", "area_mismatch",
    # status.py
    "needs_reclaimed_year", "reclaimed_year_out_of_plan", "reclaimed_year_not_reclaimed",
    # rules.py, planning/consistency.py (issue 10)
    "reclaimed_without_year", "reclaimed_year_in_future", "reclaimed_before_plan", "reclaimed_year_dropped",
    "strategic_park_empty", "designation_yes_accepted", "level_below_held", "city_below_district",
    "city_far_from_district_sum",
}


@pytest.fixture(scope="module")
def findings(tmp_path_factory) -> list[Problem]:
    tmp_path = tmp_path_factory.mktemp("bad_files")
    problems = []
    for name, data, layer, crs in bad_uploads(tmp_path):
        problems += check_upload(name, data, layer=layer, crs=crs).problems
    return problems + other_findings(tmp_path)


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def _literal(template: str) -> str:
    return "".join(text for text, *_ in string.Formatter().parse(template))


def _keys_in_code() -> set[str]:
    """Every key the checks can give, read from their source (dynamic keys spelled out from their inputs)."""
    keys = set()
    for path in sorted(CHECKED_MODULES):
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r'\bkey="(\w+)"', text)) | set(re.findall(r'"key": "(\w+)"', text))
        keys |= set(re.findall(r'\b_(?:error|note)\(\s*"(\w+)"', text))
        keys |= {k + suffix for k in re.findall(r'_hint_text\("(\w+)"', text) for suffix in ("", "_suggest")}
        keys |= set(re.findall(r'key, params = "(\w+)"', text))
        keys |= set(re.findall(r'message, key = .*?, "(\w+)"$', text, flags=re.MULTILINE))
        keys |= set(re.findall(r'^\s*key = "(\w+)"', text, flags=re.MULTILINE))
    keys |= {f"unknown_{kind}" for kind in VOCABULARIES}
    keys |= {"wrong_geometry_" + "_".join(s.geometry) for s in load_schemas().values() if s.is_spatial}
    return keys | {"more_rows"}


def test_the_bad_files_give_every_expected_key(findings):
    seen = {p.key for p in findings}
    assert EXPECTED_KEYS <= seen, sorted(EXPECTED_KEYS - seen)
    assert any("more_rows" in p.params for p in findings)  # the capped summary of 205 bad levels


def test_every_key_in_the_code_has_both_templates_with_the_same_placeholders():
    keys = _keys_in_code()
    assert EXPECTED_KEYS <= keys
    assert keys == {k.removeprefix("problem_") for k in catalogue() if k.startswith("problem_")}  # none left over
    for key in keys:
        entry = catalogue().get(f"problem_{key}")
        assert entry is not None, f"no [problem_{key}] in ui_text.toml"
        assert _placeholders(entry["zh"]) == _placeholders(entry["en"]), key


def test_the_placeholders_are_the_params_each_finding_passes(findings):
    for problem in (p for p in findings if p.key):
        params = set(problem.params) - {"more_rows"}
        for language in ("zh", "en"):
            assert _placeholders(t(f"problem_{problem.key}", language)) == params, (problem.key, language)


# Messages that tell the planner to choose a CRS: the CLI says --crs, the Data page names its own control.
CRS_CHOICE_KEYS = {"file_crs_unknown", "no_crs", "not_degrees_try", "unconvertible_suggest",
                   "outside_ningbo_all_suggest"}


def test_the_english_rendering_is_the_message_the_cli_prints(findings):
    for problem in (p for p in findings if p.key and p.key not in CRS_CHOICE_KEYS):
        assert problem_text(problem, "en") == problem.message


@pytest.mark.parametrize("key", sorted(CRS_CHOICE_KEYS))
def test_the_data_page_names_its_crs_control_where_the_cli_names_its_option(key):
    """A web planner has no command line: the page's text names the 坐标系 / Coordinate system control above
    the findings, never --crs; the CLI's message keeps --crs."""
    assert "--crs" not in t(f"problem_{key}", "zh") and "--crs" not in t(f"problem_{key}", "en")
    assert "上方“坐标系”" in t(f"problem_{key}", "zh") and "'Coordinate system' above" in t(f"problem_{key}", "en")
    assert (t("upload_crs", "zh"), t("upload_crs", "en")) == ("坐标系", "Coordinate system")  # the control's label


def test_the_cli_keeps_its_crs_option_in_those_messages(findings):
    worded = [p for p in findings if p.key in CRS_CHOICE_KEYS]
    assert worded and all("--crs" in p.message for p in worded)


@pytest.mark.parametrize(("count", "english"), [
    (1, "1 plot reclaimed before 2022: kept and shown as reclaimed before the plan; it does not count"),
    (3, "3 plots reclaimed before 2022: kept and shown as reclaimed before the plan; they do not count"),
])
def test_english_counts_agree_with_their_number(count, english):
    problem = Problem("warning", "f.csv", "", key="reclaimed_before_plan", params={"count": count, "first": 2022})
    assert problem_text(problem, "en").startswith(english)
    more = Problem("error", "f.csv", "", key="empty", params={"column": "level", "more_rows": 1})
    assert problem_text(more, "en").startswith("… 1 more row: ")


def test_every_crs_error_names_its_text_in_the_catalogue(monkeypatch):
    """Intake shows a CrsError by its key and params: in English they must give its message word for word."""
    def point(x: float, y: float) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(geometry=[shapely.Point(x, y)])

    def refuse(*_, **__):
        raise PyprojCRSError("no transformation found")

    def cannot_transform():
        monkeypatch.setattr(gpd.GeoDataFrame, "to_crs", refuse)
        to_storage_crs(point(645000, 3305000), parse_crs("EPSG:4549"), file="f.csv")

    wgs84 = parse_crs("EPSG:4326")
    calls = {
        "unknown_crs": lambda: parse_crs("EPSG:nonsense"),
        "coordinates_not_finite": lambda: to_storage_crs(point(math.inf, 29.87), wgs84, file="f.csv"),
        "not_degrees_try": lambda: to_storage_crs(point(645000, 3305000), wgs84, file="f.csv"),
        "not_degrees": lambda: to_storage_crs(point(5000000, 9000000), wgs84, file="f.csv"),
        "cannot_transform": cannot_transform,
    }
    for key, call in calls.items():
        with pytest.raises(CrsError) as caught:
            call()
        error = caught.value
        assert error.key == key
        if key not in CRS_CHOICE_KEYS:  # those name the page's control, the CLI's message its option
            assert problem_text(Problem("error", "f.csv", str(error), key=error.key, params=error.params),
                                "en") == str(error)
        assert _placeholders(t(f"problem_{key}", "zh")) == set(error.params), key


@pytest.mark.parametrize("key", sorted(EXPECTED_KEYS | {"more_rows"}))
def test_the_chinese_templates_hold_no_english_sentences(key):
    words = _literal(t(f"problem_{key}", "zh"))
    assert not re.search(r"\b[a-z]+ [a-z]+ [a-z]+\b", words), words
    assert not any(f" {w} " in f" {words} " for w in ("must", "the", "is", "or", "and", "use", "not")), words
    assert re.search(r"[\u4e00-\u9fff]", words)


def test_chinese_messages_keep_values_from_the_file_as_given(findings):
    zh = {}
    for problem in (p for p in findings if p.key and "more_rows" not in p.params):
        zh.setdefault(problem.key, problem_text(problem, "zh"))
    assert "“工厂编号”列和“factory_id”列" not in zh["duplicate_column"]  # the file's headers, in its order
    assert "“factory_id”列和“工厂编号”列都表示“factory_id”" in zh["duplicate_column"]
    assert "<b>东</b>" in zh["coordinate_not_a_number"]  # shown as text, never as markup
    assert zh["unknown_level"].startswith("无法识别的级别") and "national (国家级)" in zh["unknown_level"]
    assert "EPSG:4549 (CGCS2000 3° GK CM 120E) 或 EPSG:4550" in zh["not_degrees_try"]
    assert "请在上方“坐标系”中改选" in zh["not_degrees_try"] and "--crs" not in zh["not_degrees_try"]
    more = next(p for p in findings if "more_rows" in p.params)
    assert problem_text(more, "zh") == f"……另有 {more.params['more_rows']} 行同样的问题：无法识别的级别；可填：" \
                                       "national (国家级); provincial (省级); municipal (市级)"


@pytest.mark.parametrize(("language", "message"), [("zh", "无法识别的级别"), ("en", "unknown level")])
def test_the_report_shows_messages_in_the_planners_language(language, message):
    bad = FACTORY_HEADER + GOOD_FACTORY + "F2,乙,县级,2023,模具,121.56,29.88\n"
    shown = presented_report(check_upload("factories.csv", bad.encode(), layer="factories", crs=None).report(),
                             language)
    level = shown.loc[shown[t("report_column", language)] == "level"].iloc[0]
    assert level[t("report_value", language)] == "县级"
    assert level[t("report_message", language)].startswith(message)


def test_a_message_without_a_key_is_shown_as_it_is():
    report = pd.DataFrame([{"severity": "error", "row": None, "feature_id": None, "column": None, "value": None,
                            "message": "x.csv: the file is 300 MB, more than the upload limit of 200 MB"}])
    shown = presented_report(report, "zh")
    assert shown["说明"].tolist() == ["x.csv: the file is 300 MB, more than the upload limit of 200 MB"]


def test_a_progress_update_can_be_read_in_chinese():
    with pytest.raises(ValidationError) as caught:
        validate_plot_status("L1", status="已盘活", reclaimed_year=2019, today=date(2025, 3, 1))
    assert problem_text(caught.value.problems[0], "zh") == \
        "进度更新的 reclaimed_year（盘活年份）必须在 2022 至 2025 年之间；更早盘活的地块请通过导入文件录入"
