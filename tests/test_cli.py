"""Tests for spaces.cli: ``python -m spaces`` run in a child process, as planners run it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import tomllib
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely

from spaces.cli import SUMMARY_FORMATS, main
from spaces.exports import CSV_CONTEXT_COLUMNS, SUMMARY_EXPORTERS
from spaces.geo.chinacoords import transform_geometries, wgs84_to_gcj02
from spaces.geo.crs import EQUAL_AREA_CRS
from spaces.planning.summary import SAMPLE_NOTICE_EN
from spaces.reference.districts import CITY_ADCODE, DISTRICT_ADCODES, load_districts
from spaces.sample import default_allocation_layer
from spaces.store import GeoPackageStore, local_actor, open_store

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Read straight from the file, not through spaces.reference.targets: this is what the CLI promises.
TARGET_KEYS = [entry["key"] for entry in tomllib.loads((PROJECT_DIR / "geodata" / "targets.toml").read_text())["target"]]
METRIC_FIELDS = ("actual", "target", "attainment", "status", "baseline", "progress", "expected", "as_of",
                 "projected_2026")
# The two 亩均 targets also say where their figure came from (issue 11); then the year's 亩均 record.
SOURCED_KEYS = ("tax_per_mu_growth_pct", "value_added_per_mu_growth_pct")
CSV_COLUMNS = ["adcode", "district"] + [f"{key}_{part}" for key in TARGET_KEYS
                                        for part in (*METRIC_FIELDS, *(("source",) if key in SOURCED_KEYS else ()))] + [
    "mujun_year", "mujun_enterprises", "mujun_land_mu", "mujun_tax_per_mu", "mujun_value_added_per_mu",
    *(f"mujun_class_{c}" for c in "ABCDT")]
# After the documented columns the CSV carries whether the year is provisional, then what it reflects: the data
# source and the context columns the export registry declares (year, filters, sample notice). Nothing else.
TRAILING_COLUMNS = ["provisional", "data_source", *CSV_CONTEXT_COLUMNS]
ALL_ADCODES = [*DISTRICT_ADCODES, CITY_ADCODE]
STATUSES = {"met", "on_track", "behind", None}
GEOD = pyproj.Geod(ellps="WGS84")
SQUARE_METRES_PER_MU = 2000 / 3


def snapshot(path: Path) -> tuple:
    stat = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_ino, stat.st_mtime_ns


def folder_listing(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


# -- a store with the sample, and its summaries ------------------------------------------------
@pytest.fixture(scope="module")
def sample_cli_store(tmp_path_factory, run_cli):
    """``init --sample --plots 200`` run once; returns the store path and the finished process."""
    store = tmp_path_factory.mktemp("cli-sample") / "spaces.gpkg"
    done = run_cli("init", "--sample", "--plots", "200", "--store", store)
    assert done.returncode == 0, done.stderr.decode()
    return store, done


@pytest.fixture(scope="module")
def summaries(sample_cli_store, run_cli):
    """``summary`` of the sample store as CSV (store from $SPACES_STORE) and JSON (from --store)."""
    store, _ = sample_cli_store
    return {"csv": run_cli("summary", "--year", "2024", store=store),
            "json": run_cli("summary", "--format", "json", "--year", "2024", "--store", store)}


@pytest.fixture
def store_copy(sample_cli_store, tmp_path) -> Path:
    """A private copy of the sample store (copying is cheaper than another ``init``)."""
    store = tmp_path / "store" / "spaces.gpkg"
    store.parent.mkdir()
    shutil.copyfile(sample_cli_store[0], store)
    return store


def test_init_sample_builds_the_requested_number_of_plots(sample_cli_store):
    store, done = sample_cli_store
    assert done.stdout == b""
    assert b"initialised" in done.stderr
    opened = GeoPackageStore(store)
    layers = opened.read_all()
    assert len(layers["plots"]) == 200
    assert (layers["plots"]["source"] == "sample").all()
    assert len(layers["factories"]) > 0 and len(layers["allocations"]) == len(default_allocation_layer())
    assert opened.meta()["dataset"] == "sample"


def test_summary_csv_has_the_documented_columns_and_rows(summaries):
    done = summaries["csv"]
    assert done.returncode == 0, done.stderr.decode()
    assert not done.stdout.startswith(b"\xef\xbb\xbf"), "no byte-order mark on stdout"
    rows = list(csv.reader(io.StringIO(done.stdout.decode("utf-8"))))
    header, body = rows[0], rows[1:]
    assert header == [*CSV_COLUMNS, *TRAILING_COLUMNS]
    assert len(header) == len(set(header))
    assert len(body) == 11 and all(len(row) == len(header) for row in body)
    records = [dict(zip(header, row, strict=True)) for row in body]
    assert [r["adcode"] for r in records] == ALL_ADCODES
    assert records[0]["district"] == "海曙区" and records[-1]["district"] == "宁波市"
    assert {r["reclaimed_land_mu_status"] for r in records} <= {"met", "on_track", "behind"}
    assert {r["provisional"] for r in records} == {"false"} and {r["year"] for r in records} == {"2024"}
    districts = sum(float(r["reclaimed_land_mu_actual"]) for r in records[:-1])
    assert float(records[-1]["reclaimed_land_mu_actual"]) == pytest.approx(districts, abs=0.1)
    assert districts > 0


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_summary_stdout_holds_only_data_and_stderr_the_sample_notice(summaries, kind):
    done = summaries[kind]
    assert done.returncode == 0
    assert SAMPLE_NOTICE_EN in done.stderr.decode()
    text = done.stdout.decode("utf-8")
    # All of stdout parses as the format: no message line before, after or between the data.
    if kind == "json":
        assert isinstance(json.loads(text), list)
    else:
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0][0] == "adcode" and len(rows) == 12 and len({len(row) for row in rows}) == 1
    for line in done.stderr.decode().splitlines():
        assert line not in text.splitlines()


def test_summary_json_has_the_documented_shape_and_agrees_with_csv(summaries):
    records = json.loads(summaries["json"].stdout)
    assert isinstance(records, list) and [r["adcode"] for r in records] == ALL_ADCODES
    table = {row["adcode"]: row for row in csv.DictReader(io.StringIO(summaries["csv"].stdout.decode()))}
    for record in records:
        assert {"adcode", "district", "metrics", "mujun"} <= set(record)
        assert record["district"] == table[record["adcode"]]["district"]
        assert list(record["metrics"]) == TARGET_KEYS
        assert record["mujun"]["enterprises"] == int(table[record["adcode"]]["mujun_enterprises"])
        for key, metric in record["metrics"].items():
            sourced = {"source"} if key in SOURCED_KEYS else set()
            assert set(metric) == {*METRIC_FIELDS, "stale", "annual_task", *sourced}
            assert metric.get("source") == (table[record["adcode"]].get(f"{key}_source") or None)
            assert metric["status"] in STATUSES
            assert metric["stale"] is (metric["as_of"] is not None and metric["as_of"] < 2024)
            for part in ("actual", "target", "attainment", "baseline", "progress", "expected", "as_of",
                         "projected_2026"):
                assert metric[part] is None or isinstance(metric[part], int | float), (key, part)
                written = table[record["adcode"]][f"{key}_{part}"]
                assert (metric[part] is None) == (written == ""), (record["adcode"], key, part)
                if metric[part] is not None:
                    assert float(written) == pytest.approx(metric[part]), (record["adcode"], key, part)


@pytest.mark.parametrize(("today", "year", "provisional"), [
    ("2026-12-01", 2025, False),  # 2025's statistics are final from 1 April 2026
    ("2026-03-31", 2024, False),
    ("2027-04-01", 2026, False),
])
def test_summary_defaults_to_the_latest_final_year(sample_cli_store, monkeypatch, capsys, today, year, provisional):
    monkeypatch.setenv("SPACES_TODAY", today)
    assert main(["summary", "--format", "json", "--store", str(sample_cli_store[0])]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {r["year"] for r in records} == {year} and {r["provisional"] for r in records} == {provisional}


def test_a_year_in_progress_stays_selectable_and_is_marked(sample_cli_store, monkeypatch, capsys):
    monkeypatch.setenv("SPACES_TODAY", "2026-12-01")
    assert main(["summary", "--format", "json", "--year", "2026", "--store", str(sample_cli_store[0])]) == 0
    captured = capsys.readouterr()
    assert {r["provisional"] for r in json.loads(captured.out)} == {True}
    assert "note: 2026 is provisional" in captured.err and "2027-04-01" in captured.err


def test_export_defaults_to_the_latest_final_year(sample_cli_store, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SPACES_TODAY", "2026-12-01")
    monkeypatch.chdir(tmp_path)
    assert main(["export", "summary", "csv", "--store", str(sample_cli_store[0])]) == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "spaces-summary-2025-sample.csv").read_text("utf-8-sig"))))
    assert {row["year"] for row in rows} == {"2025"} and {row["provisional"] for row in rows} == {"false"}


@pytest.mark.parametrize("today", ["2026-13-01", "1 Dec 2026", "20261201"])
def test_a_bad_spaces_today_is_a_clear_error(sample_cli_store, run_cli, today, monkeypatch):
    monkeypatch.setenv("SPACES_TODAY", today)
    done = run_cli("summary", store=sample_cli_store[0])
    assert done.returncode == 1 and done.stdout == b""
    err = done.stderr.decode()
    assert f"error: SPACES_TODAY={today!r} is not a date" in err and "YYYY-MM-DD" in err
    assert "Traceback" not in err


def test_summary_xlsx_is_written_to_out(sample_cli_store, run_cli, tmp_path):
    out = tmp_path / "summary.xlsx"
    done = run_cli("summary", "--format", "xlsx", "--out", out, store=sample_cli_store[0])
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == b""
    book = openpyxl.load_workbook(out)
    first_column = [str(row[0]) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert [value for value in first_column if value.isdigit()] == ALL_ADCODES


def test_summary_xlsx_without_out_fails(sample_cli_store, run_cli, tmp_path):
    done = run_cli("summary", "--format", "xlsx", store=sample_cli_store[0])
    assert done.returncode != 0
    assert done.stdout == b""
    assert "--out" in done.stderr.decode()


def test_summary_offers_every_format_of_the_export_registry():
    assert set(SUMMARY_FORMATS) == set(SUMMARY_EXPORTERS)


def test_export_features_follow_the_filters_and_name_the_file(sample_cli_store, tmp_path, capsys):
    """`export features gpkg --industry X --district D` writes only matching features, with metadata."""
    out = tmp_path / "features.gpkg"
    code = main(["export", "features", "gpkg", "--store", str(sample_cli_store[0]), "--year", "2024",
                 "--industry", "新材料", "--district", "330206", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert {"parks", "communities", "plots", "factories"} <= layers
    factories = pyogrio.read_dataframe(out, layer="factories")
    assert len(factories) > 0
    assert set(factories["industry"]) == {"新材料"} and set(factories["district_adcode"]) == {"330206"}
    assert set(pyogrio.read_dataframe(out, layer="plots")["district_adcode"]) <= {"330206"}
    assert "industries 新材料" in capsys.readouterr().err


def test_export_of_an_unknown_format_lists_what_exists(sample_cli_store, tmp_path, capsys):
    code = main(["export", "brief", "docx", "--store", str(sample_cli_store[0]), "--out", str(tmp_path / "x")])
    assert code == 1
    assert "brief/pdf" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_undo_restores_the_store_after_an_import(tmp_path, capsys):
    """`import` then `undo` gives back exactly the layer that was there before."""
    store = tmp_path / "spaces.gpkg"
    assert main(["init", "--empty", "--store", str(store)]) == 0
    csv_file = tmp_path / "factories.csv"
    csv_file.write_text("factory_id,name_zh,level,certified_year,industry,lon,lat\n"
                        "F1,甲,国家级,2023,模具,121.55,29.87\n", encoding="utf-8")
    assert main(["import", str(csv_file), "--layer", "factories", "--store", str(store)]) == 0
    assert len(GeoPackageStore(store).read_layer("factories")) == 1
    assert main(["undo", "--store", str(store)]) == 0
    assert "undone: factories.csv" in capsys.readouterr().err
    assert len(GeoPackageStore(store).read_layer("factories")) == 0
    assert main(["undo", "--store", str(store)]) == 1  # nothing left to undo


def test_summary_to_a_missing_folder_fails_with_a_message(sample_cli_store, tmp_path, capsys):
    # In-process: an argument check needs no child process.
    out = tmp_path / "missing" / "summary.csv"
    assert main(["summary", "--store", str(sample_cli_store[0]), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines()[-1].startswith("error:") and str(out) in captured.err
    assert captured.out == ""


def test_info_prints_the_layer_counts_as_json(sample_cli_store, capsys):
    assert main(["info", "--store", str(sample_cli_store[0])]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["layers"]["plots"] == 200 and info["meta"]["dataset"] == "sample"
    assert info["sources"]["plots"] == {"sample": 200}


def test_an_unknown_crs_is_rejected_by_name(tmp_path, capsys):
    path = _plots(tmp_path / "p.geojson", ["P1"])
    assert main(["validate", str(path), "--layer", "plots", "--crs", "EPSG:999999"]) == 2
    err = capsys.readouterr().err
    assert "EPSG:999999" in err and "p.geojson" in err


@pytest.mark.parametrize("plots", ["0", "-5", "many"])
def test_init_refuses_a_plot_count_below_one(tmp_path, capsys, plots):
    with pytest.raises(SystemExit) as exited:
        main(["init", "--sample", "--plots", plots, "--store", str(tmp_path / "spaces.gpkg")])
    assert exited.value.code == 2
    assert "--plots" in capsys.readouterr().err
    assert not (tmp_path / "spaces.gpkg").exists()


# -- import and validate -----------------------------------------------------------------------
def _plots(path: Path, ids: list[str], *, status: list[str] | None = None, year: list[str] | None = None) -> Path:
    """A small plots GeoJSON in WGS-84 (squares in 海曙区) with the given statuses and years."""
    lon = 121.50 + 0.004 * np.arange(len(ids))
    frame = gpd.GeoDataFrame({
        "地块编号": ids,
        "状态": status or ["已盘活"] * len(ids),
        "盘活年份": year or ["2023"] * len(ids),
    }, geometry=shapely.box(lon, 29.85, lon + 0.002, 29.852), crs="EPSG:4326")
    pyogrio.write_dataframe(frame, path)
    return path


@pytest.fixture(scope="module")
def bad_plots(tmp_path_factory) -> Path:
    """Plots whose row 2 has an unknown status and row 3 a year that is not a number."""
    return _plots(tmp_path_factory.mktemp("bad") / "地块_bad.geojson", ["B1", "B2", "B3"],
                  status=["已盘活", "也许", "已盘活"], year=["2023", "2023", "20x3"])


def test_validate_accepts_a_good_file_and_writes_nothing(store_copy, run_cli, tmp_path):
    before, listing = snapshot(store_copy), folder_listing(store_copy)
    done = run_cli("validate", _plots(tmp_path / "good.geojson", ["G1", "G2"]), "--layer", "plots", store=store_copy)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == b""
    assert "2 rows valid" in done.stderr.decode() and "nothing written" in done.stderr.decode()
    assert snapshot(store_copy) == before and folder_listing(store_copy) == listing


def test_counts_of_one_read_singular(store_copy, run_cli, tmp_path):
    done = run_cli("validate", _plots(tmp_path / "one.geojson", ["G1"]), "--layer", "plots", store=store_copy)
    assert done.returncode == 0, done.stderr.decode()
    assert "1 row valid" in done.stderr.decode() and "(0 warnings)" in done.stderr.decode()
    one_bad = run_cli("validate", _plots(tmp_path / "bad.geojson", ["B1"], status=["也许"], year=["2023"]),
                      "--layer", "plots", store=store_copy)
    assert one_bad.returncode == 2 and "1 error;" in one_bad.stderr.decode()
    assert "(s)" not in done.stderr.decode() + one_bad.stderr.decode()


@pytest.mark.parametrize("command", ["validate", "import"])
def test_a_bad_file_is_rejected_naming_file_row_column_and_value(store_copy, run_cli, bad_plots, command):
    before, listing = snapshot(store_copy), folder_listing(store_copy)
    done = run_cli(command, bad_plots, "--layer", "plots", store=store_copy)
    assert done.returncode == 2
    assert done.stdout == b""
    errors = [line for line in done.stderr.decode().splitlines() if line.startswith("error:")]
    assert len(errors) == 2, done.stderr.decode()
    status, year = sorted(errors)
    for needle in ("地块_bad.geojson", "row 2", "id 'B2'", "column 'status'", "value '也许'"):
        assert needle in status
    for needle in ("row 3", "column 'reclaimed_year'", "value '20x3'"):
        assert needle in year
    assert "nothing was written" in done.stderr.decode()
    assert snapshot(store_copy) == before and folder_listing(store_copy) == listing


def test_import_adds_rows_and_reports_counts(store_copy, run_cli, tmp_path):
    done = run_cli("import", _plots(tmp_path / "new.geojson", ["N1", "N2", "N3"]), "--layer", "plots",
                   "--store", store_copy)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == b""
    assert "3 added, 0 updated, 0 unchanged" in done.stderr.decode()
    plots = GeoPackageStore(store_copy).read_layer("plots")
    assert len(plots) == 203 and {"N1", "N2", "N3"} <= set(plots["plot_id"])


def test_import_into_a_missing_store_says_to_run_init(run_cli, tmp_path):
    store = tmp_path / "nowhere" / "spaces.gpkg"
    done = run_cli("import", _plots(tmp_path / "p.geojson", ["P1"]), "--layer", "plots", store=store)
    assert done.returncode == 1
    assert "init" in done.stderr.decode() and str(store) in done.stderr.decode()
    assert not store.exists()


# -- a planner's afternoon ---------------------------------------------------------------------
class Truth:
    """Plots and factories drawn in WGS-84, with the district and geodesic area each one really has."""

    def __init__(self, seed: int = 2026):
        self.rng = np.random.default_rng(seed)
        districts = load_districts()
        self.shapes = dict(zip(districts["adcode"], districts.geometry, strict=True))
        self.names = dict(zip(districts["adcode"], districts["name_zh"], strict=True))
        self.to_metric = pyproj.Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)
        self.to_degrees = pyproj.Transformer.from_crs(EQUAL_AREA_CRS, "EPSG:4326", always_xy=True)

    def square(self, lon: float, lat: float, side_m: float) -> shapely.Polygon:
        x, y = self.to_metric.transform(lon, lat)
        corner = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]]) * side_m
        angle = self.rng.uniform(0, np.pi / 2)
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        xy = corner @ rotation.T + [x, y]
        return shapely.Polygon(np.column_stack(self.to_degrees.transform(xy[:, 0], xy[:, 1])))

    def point_inside(self, adcode: str, inset: float = 0.02) -> tuple[float, float]:
        area = self.shapes[adcode].buffer(-inset)
        minx, miny, maxx, maxy = area.bounds
        while True:
            lon, lat = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            if shapely.contains_xy(area, lon, lat):
                return lon, lat

    @staticmethod
    def area_mu(geometry) -> float:
        return abs(GEOD.geometry_area_perimeter(geometry)[0]) / SQUARE_METRES_PER_MU

    def owner(self, polygon) -> tuple[str, float]:
        """The district the polygon overlaps most (by geodesic area), and the share it holds."""
        shares = {code: self.area_mu(shapely.intersection(polygon, shape)) for code, shape in self.shapes.items()
                  if shapely.intersects(polygon, shape)}
        code = max(shares, key=shares.get)
        return code, shares[code] / self.area_mu(polygon)

    def plots_inside(self, per_district: int) -> list[tuple[shapely.Polygon, str]]:
        return [(self.square(*self.point_inside(code), self.rng.uniform(150, 450)), code)
                for code in DISTRICT_ADCODES for _ in range(per_district)]

    def plots_across_lines(self, count: int) -> list[tuple[shapely.Polygon, str]]:
        """Squares straddling the line between two districts, most of each on one side."""
        lines = [shapely.intersection(self.shapes[a].boundary, self.shapes[b].boundary)
                 for i, a in enumerate(DISTRICT_ADCODES) for b in DISTRICT_ADCODES[i + 1:]]
        lines = [line for line in lines if line.length > 0.05]
        plots = []
        while len(plots) < count:
            line = lines[len(plots) % len(lines)]
            on_line = line.interpolate(self.rng.uniform(0.2, 0.8), normalized=True)
            shifted = (on_line.x + self.rng.uniform(-0.001, 0.001), on_line.y + self.rng.uniform(-0.001, 0.001))
            square = self.square(*shifted, 300)
            code, share = self.owner(square)
            if 0.6 < share < 0.95:
                plots.append((square, code))
        return plots


def _gcj02(polygons) -> np.ndarray:
    return transform_geometries(np.array(polygons, dtype=object), wgs84_to_gcj02)


def _zipped_gbk_shapefile(frame: gpd.GeoDataFrame, path: Path) -> Path:
    folder = path.with_suffix("")
    folder.mkdir()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)  # no .prj is the point
        pyogrio.write_dataframe(frame, folder / "地块.shp", encoding="GBK")
    with zipfile.ZipFile(path, "w") as archive:
        for member in sorted(folder.iterdir()):
            if member.suffix.lower() in (".shp", ".shx", ".dbf"):  # no .cpg, no .prj: as QQ/WeChat deliver them
                archive.write(member, member.name)
    dbf = (folder / "地块.dbf").read_bytes()
    assert "已盘活".encode("gbk") in dbf and "已盘活".encode() not in dbf
    return path


@pytest.fixture(scope="module")
def planner_run(tmp_path_factory, run_cli):
    """A planner's session, step by step, through the CLI.

    ``init --empty``; import (1) a GeoPackage in EPSG:4549 with district codes, (2) a GeoJSON in
    GCJ-02 without district codes whose plots straddle district lines, (3) a zipped GBK Shapefile
    in GCJ-02 without a .cpg, and (4) a CSV of green factories; then ``summary --year 2026``; then
    a rejected import and the same summary again. Every plot is reclaimed in 2023. Returns the
    truth (expected 亩 and factory counts per district) with every finished process.
    """
    work = tmp_path_factory.mktemp("planner")
    store = work / "store" / "spaces.gpkg"
    truth = Truth()
    steps: dict = {"init": run_cli("init", "--empty", store=store)}
    steps["after_init"] = GeoPackageStore(store).read_all()

    gk = truth.plots_inside(per_district=2)
    gk_frame = gpd.GeoDataFrame({
        "plot_id": [f"GK{n:02d}" for n in range(len(gk))],
        "name_zh": [f"{truth.names[code]}低效用地{n}" for n, (_, code) in enumerate(gk)],
        "status": "已盘活", "reclaimed_year": 2023, "district_adcode": [code for _, code in gk],
    }, geometry=[g for g, _ in gk], crs="EPSG:4326").to_crs("EPSG:4549")
    pyogrio.write_dataframe(gk_frame, work / "cgcs2000.gpkg")

    across = truth.plots_across_lines(14)
    steps["moved_by_gcj02"] = sum(truth.owner(g)[0] != code for g, code in zip(_gcj02([g for g, _ in across]), [c for _, c in across], strict=True))
    across_frame = gpd.GeoDataFrame({
        "id": [f"AM{n:02d}" for n in range(len(across))], "status": "reclaimed", "year": 2023,
    }, geometry=_gcj02([g for g, _ in across]), crs="EPSG:4326")  # AMap exports claim WGS-84
    pyogrio.write_dataframe(across_frame, work / "amap.geojson")

    shp = truth.plots_inside(per_district=1)
    shp_frame = gpd.GeoDataFrame({
        "地块编号": [f"SH{n:02d}" for n in range(len(shp))],
        "名称": [f"{truth.names[code]}腾退地块" for _, code in shp],
        "状态": "已盘活", "盘活年份": 2023, "区县": [truth.names[code] for _, code in shp],
    }, geometry=_gcj02([g for g, _ in shp]))
    _zipped_gbk_shapefile(shp_frame, work / "地块_gbk.zip")

    levels = ["国家级", "市级", "省级"]
    factory_points = [(truth.point_inside(code, inset=0.01), code, levels[n % 3])
                      for n, code in enumerate(np.repeat(DISTRICT_ADCODES, 3))]
    pd.DataFrame({
        "工厂编号": [f"GF{n:02d}" for n in range(len(factory_points))],
        "企业名称": [f"宁波绿色工厂{n}" for n in range(len(factory_points))],
        "级别": [level for _, _, level in factory_points],
        "认定年份": [2019 + n % 7 for n in range(len(factory_points))],
        "行业": "高端装备",
        "经度": [lon for (lon, _), _, _ in factory_points],
        "纬度": [lat for (_, lat), _, _ in factory_points],
    }).to_csv(work / "绿色工厂.csv", index=False)

    imports = [("cgcs2000.gpkg", "plots", []), ("amap.geojson", "plots", ["--crs", "gcj02"]),
               ("地块_gbk.zip", "plots", ["--crs", "gcj02"]), ("绿色工厂.csv", "factories", [])]
    steps["imports"] = [run_cli("import", work / name, "--layer", layer, *extra, store=store)
                        for name, layer, extra in imports]
    steps["summary"] = run_cli("summary", "--year", "2026", "--format", "json", store=store)
    steps["store_after_summary"] = snapshot(store)
    steps["bad_import"] = run_cli("import", _plots(work / "broken.geojson", ["X1", "X2"], status=["已盘活", "??"]),
                                  "--layer", "plots", store=store)
    steps["summary_again"] = run_cli("summary", "--year", "2026", "--format", "json", store=store)
    steps["store"] = store

    mu = dict.fromkeys(DISTRICT_ADCODES, 0.0)
    for geometry, code in [*gk, *across, *shp]:
        mu[code] += truth.area_mu(geometry)
    factories = {level: dict.fromkeys(DISTRICT_ADCODES, 0) for level in levels}
    for (lon, lat), code, level in factory_points:
        assert truth.shapes[code].contains(shapely.Point(lon, lat))
        factories[level][code] += 1
    steps["truth"] = {"mu": mu, "national": factories["国家级"], "municipal": factories["市级"]}
    return steps


def test_planner_init_empty_leaves_only_the_default_allocations(planner_run):
    assert planner_run["init"].returncode == 0, planner_run["init"].stderr.decode()
    layers = planner_run["after_init"]
    assert {name: len(frame) for name, frame in layers.items() if name != "allocations"} == dict.fromkeys(
        ["plots", "factories", "parks", "communities", "indicators", "enterprises"], 0)
    assert len(layers["allocations"]) == len(default_allocation_layer())


def test_planner_imports_all_succeed(planner_run):
    for done in planner_run["imports"]:
        assert done.returncode == 0, done.stderr.decode()
        assert done.stdout == b""
    log = GeoPackageStore(planner_run["store"]).import_log()
    assert log["file"].tolist() == ["init (empty)", "cgcs2000.gpkg", "amap.geojson", "地块_gbk.zip", "绿色工厂.csv"]
    assert log["crs"].tolist()[1:] == ["EPSG:4549", "gcj02", "gcj02", "EPSG:4326"]
    assert log["added"].tolist()[1:] == [20, 14, 10, 30]
    names = GeoPackageStore(planner_run["store"]).read_layer("plots").set_index("plot_id")["name_zh"]
    assert names["SH00"] == "海曙区腾退地块"  # GBK text read as GBK


def test_planner_reclaimed_land_matches_the_geodesic_truth(planner_run):
    # Without the GCJ-02 correction several straddling plots would land in the wrong district.
    assert planner_run["moved_by_gcj02"] >= 3
    done = planner_run["summary"]
    assert done.returncode == 0, done.stderr.decode()
    assert "SAMPLE" not in done.stderr.decode()
    records = {r["adcode"]: r["metrics"] for r in json.loads(done.stdout)}
    expected = planner_run["truth"]["mu"]
    for code in DISTRICT_ADCODES:
        actual = records[code]["reclaimed_land_mu"]["actual"]
        assert actual == pytest.approx(expected[code], rel=0.005), code
    assert records[CITY_ADCODE]["reclaimed_land_mu"]["actual"] == pytest.approx(sum(expected.values()), rel=0.005)


@pytest.mark.parametrize("level", ["national", "municipal"])
def test_planner_green_factory_counts_are_exact(planner_run, level):
    records = {r["adcode"]: r["metrics"] for r in json.loads(planner_run["summary"].stdout)}
    expected = planner_run["truth"][level]
    key = f"{level}_green_factories"
    assert {code: records[code][key]["actual"] for code in DISTRICT_ADCODES} == expected
    assert records[CITY_ADCODE][key]["actual"] == sum(expected.values()) == 10


def test_planner_rejected_import_changes_nothing(planner_run):
    bad = planner_run["bad_import"]
    assert bad.returncode == 2
    assert "broken.geojson" in bad.stderr.decode() and "value '??'" in bad.stderr.decode()
    assert snapshot(planner_run["store"]) == planner_run["store_after_summary"]
    again = planner_run["summary_again"]
    assert again.returncode == 0
    assert again.stdout == planner_run["summary"].stdout


def test_summary_questions_a_city_count_below_one_of_its_districts(tmp_path, capsys):
    """Issue 10, finding 13: a city row smaller than a district's value is said on stderr, not passed silently."""
    store = str(tmp_path / "spaces.gpkg")
    assert main(["init", "--empty", "--store", store]) == 0
    indicators = tmp_path / "indicators.csv"
    indicators.write_text("district_adcode,year,inefficient_enterprises_upgraded\n"
                          "330206,2023,80\n330200,2023,50\n", encoding="utf-8")
    assert main(["import", str(indicators), "--layer", "indicators", "--store", store]) == 0
    capsys.readouterr()
    assert main(["summary", "--year", "2024", "--store", store]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: the city's inefficient_enterprises_upgraded for 2023 (50) is below district "
                        "330206's value (80)"]


def test_a_ring_of_two_points_is_rejected_with_a_message_not_a_traceback(run_cli, tmp_path):
    """GEOS refuses such a ring while the file is read; the CLI names the file and exits 2 like any rejection."""
    ring = tmp_path / "ring.geojson"
    ring.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"plot_id": "P1"},
        "geometry": {"type": "Polygon", "coordinates": [[[121.5, 29.8], [121.6, 29.8]]]}}]}), "utf-8")
    done = run_cli("validate", ring, "--layer", "plots")
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert "Traceback" not in err
    assert "ring.geojson: a geometry in the file cannot be read" in err


@pytest.mark.parametrize("command", ["import", "undo"])
def test_a_store_of_random_bytes_is_named_as_damaged(tmp_path, capsys, command):
    """A store overwritten with garbage says so; `undo` must not answer "nothing to undo"."""
    store = tmp_path / "spaces.gpkg"
    store.write_bytes(np.random.default_rng(14).bytes(4096))
    args = ["import", str(_plots(tmp_path / "p.geojson", ["P1"])), "--layer", "plots"] if command == "import" else ["undo"]
    assert main([*args, "--store", str(store)]) == 1
    err = capsys.readouterr().err
    assert "not a GeoPackage store" in err and "nothing to undo" not in err


@pytest.mark.parametrize(
    "args",
    [["init", "--sample", "--plots", "1000001"], ["init", "--sample", "--plots", "100000000"],
     ["export", "summary", "csv", "--district", "999999"], ["export", "features", "geojson", "--district", "../x"]],
    ids=["plots-just-over", "plots-1e8", "district-unknown", "district-path"],
)
def test_out_of_range_plots_and_unknown_districts_are_refused_before_any_work(args, tmp_path, capsys, monkeypatch):
    """`--plots 1e8` ran 11 minutes at 3–6 GB; `--district 999999` wrote an empty export named after it."""
    def no_work(*_args, **_kwargs):
        raise AssertionError("nothing may be built or read before the arguments are checked")

    monkeypatch.setattr("spaces.cli.build_sample", no_work)
    monkeypatch.setattr("spaces.cli.open_store", no_work)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:
        main([*args, "--store", str(tmp_path / "spaces.gpkg")])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "at most 1,000,000" in err or "not a Ningbo district" in err
    assert list(tmp_path.iterdir()) == []


def test_roles_are_granted_listed_and_revoked_as_the_os_user_and_the_audit_is_formula_neutral(tmp_path, capsys):
    store = str(tmp_path / "roles.gpkg")
    assert main(["init", "--empty", "--store", store]) == 0
    grant = ["roles", "grant", "=HYPERLINK(1)@x.org", "--role", "editor", "--district", "330206", "--store", store]
    assert main(grant) == 0
    assert main(["roles", "grant", "x@y.org", "--role", "editor", "--store", store]) == 1  # an editor needs districts
    assert "at least one district" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # refused by the parser, before any work
        main(["roles", "grant", "x@y.org", "--role", "editor", "--district", "999999", "--store", store])
    capsys.readouterr()
    assert main(["roles", "list", "--store", store]) == 0
    assert capsys.readouterr().out.split("\t")[:3] == ["=hyperlink(1)@x.org", "editor", "330206"]
    assert main(["audit", "--store", store]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["action"] for row in rows] == ["init", "role_change", "refused"]  # the grant without districts
    assert {row["user"] for row in rows} == {local_actor().user}  # the CLI acts as the OS user
    assert rows[1]["detail"].startswith("'=hyperlink(1)@x.org")  # no cell starts a formula
    assert main(["roles", "revoke", "=hyperlink(1)@x.org", "--store", store]) == 0
    assert open_store(store).roles().empty
