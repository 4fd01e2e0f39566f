"""Tests for spaces.intake.validation: schema checks, CRS handling, repairs, district assignment and areas of imported files."""

from __future__ import annotations

import math
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from fixtures_intake import (
    BEIJING,
    CIXI,
    HAISHU,
    YINZHOU,
    box_at,
    district_shape,
    factory_rows,
    inside,
    plot_rows,
    plots_frame,
    straddling_box,
    with_lonlat,
    with_wkt,
    write_csv,
    write_shapefile,
    write_vector,
    write_xlsx,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from spaces.errors import CrsError, Problem, SpacesError, ValidationError
from spaces.geo.chinacoords import transform_geometries, wgs84_to_gcj02
from spaces.intake.validation import Intake, validate_bytes, validate_file, validate_frame, validate_values
from spaces.store.geopackage import GeoPackageStore

GEOD = pyproj.Geod(ellps="WGS84")
SQUARE_METRES_PER_MU = 2000 / 3
XSS = "<img src=x onerror=alert(1)>"


def factories_frame(rows: list[dict] | None = None, crs="EPSG:4326") -> gpd.GeoDataFrame:
    """Green factories (points): the point layer, for kind and containment checks."""
    rows = factory_rows() if rows is None else rows
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=crs)


def rejected(path, layer: str = "plots", **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_file(path, layer, **kwargs)
    return caught.value


def errors_in(exc: ValidationError, column: str | None = None) -> list[Problem]:
    return [p for p in exc.errors if column is None or p.column == column]


def assert_names(problem: Problem, *, file: str, row=None, feature_id=None, column=None, value=None) -> None:
    """The problem carries, and its message shows, the file, row, id, column and value it is about."""
    text = str(problem)
    assert problem.file == file and file in text
    if row is not None:
        assert problem.row == row and f"row {row}" in text
    if feature_id is not None:
        assert problem.feature_id == feature_id and f"id {feature_id!r}" in text
    if column is not None:
        assert problem.column == column and f"column {column!r}" in text
    if value is not None:
        assert value in (problem.value or "") and value in text


def csv_plots(tmp_path, rows: list[dict], name: str = "plots.csv"):
    """Plots as CSV with a WKT column, keeping every cell exactly as typed."""
    return write_csv(with_wkt(plots_frame(rows)), tmp_path / name)


def distances_m(a, b) -> np.ndarray:
    """Geodesic distances in metres between matching vertices of two geometries (ring order normalised)."""
    ca, cb = shapely.get_coordinates(shapely.normalize(a)), shapely.get_coordinates(shapely.normalize(b))
    assert ca.shape == cb.shape
    return GEOD.inv(ca[:, 0], ca[:, 1], cb[:, 0], cb[:, 1])[2]


# --- a file that is fine -------------------------------------------------------------------------


def test_valid_geojson_is_accepted_in_wgs84_without_warnings(tmp_path):
    """The baseline every other test perturbs: a clean GeoJSON passes with canonical values and no warning."""
    path = write_vector(plots_frame(), tmp_path / "plots.geojson")
    intake = validate_file(path, "plots")
    assert isinstance(intake, Intake)
    assert intake.source_crs == "EPSG:4326"
    assert intake.warnings == []
    frame = intake.frame
    assert frame["plot_id"].tolist() == ["P1", "P2", "P3"]
    assert frame["status"].tolist() == ["pending", "in_progress", "reclaimed"]
    assert frame["reclaimed_year"].tolist() == [2020, 2021, 2022]
    assert frame["district_adcode"].tolist() == [YINZHOU] * 3
    assert frame.crs.to_epsg() == 4326
    assert frame["area_mu"].between(15, 20).all()  # ~96 m x 111 m = ~16 亩


def test_input_frame_is_not_changed():
    """validate_frame must leave the caller's frame alone (house style: inputs are not mutated)."""
    frame = plots_frame()
    frame.loc[1, "district_adcode"] = None
    before = frame.copy()
    validate_frame(frame, "plots", file="x")
    pd.testing.assert_frame_equal(frame, before)


def test_unknown_layer_lists_the_layers():
    """A typo in the layer name names the layers that exist."""
    with pytest.raises(ValidationError, match="unknown layer 'plot'.*plots.*factories"):
        validate_frame(plots_frame(), "plot", file="x")


# --- CRS -----------------------------------------------------------------------------------------------


def test_geojson_defaults_to_wgs84_and_csv_warns_wgs84_was_assumed(tmp_path):
    """GeoJSON is WGS-84 by definition (RFC 7946); a CSV says nothing, so the assumption must be visible."""
    geojson = validate_file(write_vector(factories_frame(), tmp_path / "f.geojson"), "factories")
    assert geojson.source_crs == "EPSG:4326"
    assert not any("assumed" in p.message for p in geojson.problems)
    csv = validate_file(write_csv(with_lonlat(factories_frame()), tmp_path / "f.csv"), "factories")
    assumed = [p for p in csv.warnings if "assumed EPSG:4326" in p.message]
    assert len(assumed) == 1 and assumed[0].file == "f.csv"
    assert csv.frame.geometry.x.tolist() == pytest.approx(factories_frame().geometry.x.tolist(), abs=1e-7)


def _gk(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The frame in EPSG:4549 metres, as 自然资源局 survey data comes."""
    return frame.to_crs("EPSG:4549")


def _gk_shapefile_without_prj(tmp_path):
    """GK metres in a Shapefile whose .prj was lost on the way (so no CRS at all)."""
    return write_shapefile(_gk(plots_frame()), tmp_path / "shp", prj=False, zipped=True), {}


def _gk_geopackage_forced_to_wgs84(tmp_path):
    """A correct GK GeoPackage overridden by a wrong --crs EPSG:4326."""
    return write_vector(_gk(plots_frame()), tmp_path / "plots.gpkg"), {"crs": "EPSG:4326"}


def _gk_csv(tmp_path):
    """GK metres as WKT in a CSV, which declares no CRS."""
    frame = _gk(plots_frame())
    return write_csv(with_wkt(frame), tmp_path / "plots.csv"), {}


@pytest.mark.parametrize("build", [_gk_shapefile_without_prj, _gk_geopackage_forced_to_wgs84, _gk_csv],
                         ids=["shp-no-prj", "gpkg-crs-4326", "csv-no-crs"])
def test_metres_read_as_degrees_suggest_gauss_kruger(tmp_path, build):
    """CGCS2000 Gauss-Kruger metres taken for degrees: reject the file and suggest the GK CRS to pass."""
    path, options = build(tmp_path)
    exc = rejected(path, **options)
    assert isinstance(exc.__cause__, CrsError)
    [problem] = exc.errors
    assert path.name in str(problem)
    assert "cannot be degrees in EPSG:4326" in problem.message
    assert "--crs EPSG:4549 (CGCS2000 3° GK CM 120E)" in problem.message


def _wgs84_read_as_gk(tmp_path):
    """Degrees with --crs EPSG:4549: they land near (115.5°E, 0°N)."""
    return write_vector(plots_frame(), tmp_path / "plots.geojson"), {"crs": "EPSG:4549"}, "EPSG:4326"


def _zone40_read_as_cm120(tmp_path):
    """Zone-40 GK (x with a 40 000 000 m prefix) read as CM 120E: PROJ gives infinities."""
    frame = plots_frame().to_crs("EPSG:4528")  # zone-numbered GK: x carries a 40 000 000 m prefix
    return write_vector(frame, tmp_path / "plots.gpkg"), {"crs": "EPSG:4549"}, "EPSG:4528"


@pytest.mark.parametrize("build", [_wgs84_read_as_gk, _zone40_read_as_cm120], ids=["degrees-as-gk", "zone40-as-cm120"])
def test_wrong_projected_crs_is_blamed_and_the_right_one_suggested(tmp_path, build):
    """A wrong --crs sends the whole file elsewhere (or off the map); the hint is read from the coordinates as given."""
    path, options, suggestion = build(tmp_path)
    exc = rejected(path, **options)
    assert [p.row for p in exc.errors] == [1, 2, 3]
    for problem in exc.errors:
        assert problem.column == "geometry"
        assert "It was read as EPSG:4549" in problem.message  # what it was read as
        assert suggestion in problem.message  # what it probably is
        assert "degenerate" not in problem.message


def _as_geopackage(tmp_path, frame):
    """EPSG:4549 declared in the GeoPackage itself."""
    return write_vector(frame.to_crs("EPSG:4549"), tmp_path / "plots.gpkg"), {}


def _as_shapefile_with_prj(tmp_path, frame):
    """EPSG:4549 declared by the Shapefile's .prj."""
    return write_shapefile(frame.to_crs("EPSG:4549"), tmp_path / "shp", zipped=True), {}


def _as_csv_with_crs_option(tmp_path, frame):
    """EPSG:4549 metres in a CSV, declared by --crs."""
    return write_csv(with_wkt(frame.to_crs("EPSG:4549")), tmp_path / "plots.csv"), {
        "crs": "EPSG:4549"
    }


@pytest.mark.parametrize("build", [_as_geopackage, _as_shapefile_with_prj, _as_csv_with_crs_option],
                         ids=["gpkg", "shp-prj", "csv-crs-option"])
def test_cgcs2000_gauss_kruger_input_is_converted(tmp_path, build):
    """EPSG:4549 (CGCS2000 3° GK CM 120E, what 自然资源局 delivers) lands on the WGS-84 source within 1e-6°."""
    truth = plots_frame(plot_rows(3, adcode=HAISHU))
    truth.loc[2, "district_adcode"] = YINZHOU  # supplied codes are kept (this one with a mismatch warning)
    path, options = build(tmp_path, truth)
    intake = validate_file(path, "plots", **options)
    assert pyproj.CRS(intake.source_crs).to_epsg() == 4549
    # Shapefiles store exterior rings clockwise, so compare normalised rings.
    got = shapely.get_coordinates(shapely.normalize(intake.frame.geometry.to_numpy()))
    want = shapely.get_coordinates(shapely.normalize(truth.geometry.to_numpy()))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert intake.frame["district_adcode"].tolist() == [HAISHU, HAISHU, YINZHOU]
    assert not any("assumed" in p.message for p in intake.problems)


def test_frame_crs_is_used_when_no_file_crs_is_given():
    """validate_frame on a GeoDataFrame that knows its CRS must not assume WGS-84 and reject its metres."""
    truth = plots_frame()
    intake = validate_frame(truth.to_crs("EPSG:4549"), "plots", file="in-memory")
    assert intake.warnings == []
    np.testing.assert_allclose(shapely.get_coordinates(intake.frame.geometry.to_numpy()),
                               shapely.get_coordinates(truth.geometry.to_numpy()), atol=1e-6)


@pytest.mark.parametrize(("options", "message"), [
    ({"crs": "EPSG:45490"}, "unknown CRS 'EPSG:45490'"),
    ({"file_crs": "a CRS no one knows"}, "the file's own CRS cannot be used: unknown CRS 'a CRS no one knows'"),
])
def test_unusable_crs_is_named(options, message):
    """A mistyped --crs, or a CRS in the file that pyproj cannot parse, is an error naming it."""
    with pytest.raises(ValidationError, match=message) as caught:
        validate_frame(plots_frame(crs=None), "plots", file="x", **options)
    assert isinstance(caught.value.__cause__, CrsError)


# --- outside Ningbo ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["geojson", "csv"])
def test_feature_in_beijing_is_reported_with_row_and_id(tmp_path, fmt):
    """One plot typed with Beijing coordinates among good ones: that row alone is rejected, with where it is."""
    rows = plot_rows(3)
    rows[1]["geometry"] = box_at(*BEIJING)
    frame = plots_frame(rows)
    path = (write_vector(frame, tmp_path / "plots.geojson") if fmt == "geojson"
            else write_csv(with_wkt(frame), tmp_path / "plots.csv"))
    exc = rejected(path)
    [problem] = exc.errors
    assert_names(problem, file=path.name, row=2, feature_id="P2", column="geometry", value="116.39")
    assert "outside Ningbo" in problem.message
    assert "none of the file" not in problem.message  # other rows are fine, so the CRS is not the suspect


def test_all_features_elsewhere_hint_at_the_crs(tmp_path):
    """When nothing lies in Ningbo the CRS is the likely culprit; the message says what it was read as."""
    rows = [dict(row, geometry=box_at(BEIJING[0] + i * 0.01, BEIJING[1])) for i, row in enumerate(plot_rows(2))]
    exc = rejected(write_vector(plots_frame(rows), tmp_path / "plots.geojson"))
    assert [p.row for p in exc.errors] == [1, 2]
    assert "is the CRS right? It was read as EPSG:4326" in exc.errors[0].message


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
    for row, status in zip(rows, ["已盘活", " In Progress ", "待盘活", "DONE"], strict=True):
        row["status"] = status
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
    [problem] = exc.errors
    assert problem.message == "status must not be empty"
    assert (problem.row, problem.feature_id, problem.column) == (2, "P2", "status")
    rows[1]["status"] = "pending"
    frame = validate_file(csv_plots(tmp_path, rows, "fixed.csv"), "plots").frame
    assert frame["name_zh"].isna().tolist() == [True, False, False]
    assert frame["reclaimed_year"].isna().tolist() == [False, False, True]


# --- geometry ---------------------------------------------------------------------------------------


def test_bow_tie_is_repaired_with_a_warning(tmp_path):
    """A self-intersecting ring (digitised in the wrong vertex order) is repaired, and the repair is visible."""
    rows = plot_rows(2)
    lon, lat = inside(YINZHOU)
    rows[1]["geometry"] = shapely.Polygon([(lon, lat), (lon + 0.001, lat + 0.001), (lon + 0.001, lat),
                                           (lon, lat + 0.001)])
    assert not rows[1]["geometry"].is_valid
    intake = validate_file(csv_plots(tmp_path, rows), "plots")
    [warning] = [p for p in intake.warnings if p.column == "geometry"]
    assert "repaired with make_valid" in warning.message
    assert_names(warning, file="plots.csv", row=2, feature_id="P2", column="geometry", value="Self-intersection")
    repaired = intake.frame.geometry.iloc[1]
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"
    assert intake.frame["area_mu"].iloc[1] == pytest.approx(intake.frame["area_mu"].iloc[0] / 2, rel=0.2)


@pytest.mark.parametrize(
    "degenerate",
    [
        "POLYGON ((121.6504 29.7627, 121.6514 29.7627, 121.6524 29.7627, 121.6504 29.7627))",
        "POLYGON ((121.6504 29.7627, 121.6514 29.7637, 121.6504 29.7627, 121.6514 29.7637, 121.6504 29.7627))",
    ],
    ids=["collinear", "spike"],
)
def test_polygon_collapsing_to_nothing_is_an_error(tmp_path, degenerate):
    """A polygon with no area cannot be repaired into a plot; it is an error naming the row."""
    rows = plot_rows(2)
    rows[0]["geometry"] = shapely.from_wkt(degenerate)
    exc = rejected(csv_plots(tmp_path, rows))
    [problem] = exc.errors
    assert "empty after repair" in problem.message
    assert_names(problem, file="plots.csv", row=1, feature_id="P1", column="geometry")


@pytest.mark.parametrize(
    ("layer", "wrong", "kind"),
    [
        ("plots", shapely.Point(*inside(YINZHOU)), "Point"),
        ("plots", shapely.LineString([inside(YINZHOU), (inside(YINZHOU)[0] + 0.001, inside(YINZHOU)[1])]),
         "LineString"),
        ("plots", shapely.LineString([inside(YINZHOU), inside(YINZHOU)]), "LineString"),  # also invalid
        ("factories", box_at(*inside(YINZHOU)), "Polygon"),
    ],
    ids=["point-into-plots", "line-into-plots", "invalid-line-into-plots", "polygon-into-factories"],
)
def test_wrong_geometry_kind_is_named(layer, wrong, kind):
    """Points imported as plots (or plots as factories) are rejected with the kind found."""
    if layer == "plots":
        rows = plot_rows(2)
        rows[1]["geometry"] = wrong
        frame = plots_frame(rows)
        feature_id = "P2"
    else:
        rows = factory_rows(2)
        rows[1]["geometry"] = wrong
        frame = factories_frame(rows)
        feature_id = "F2"
    with pytest.raises(ValidationError) as caught:
        validate_frame(frame, layer, file="in.geojson", file_crs="EPSG:4326")
    [problem] = caught.value.errors
    assert f"layer {layer!r} takes" in problem.message
    assert_names(problem, file="in.geojson", row=2, feature_id=feature_id, column="geometry", value=kind)
    assert not any("repaired" in p.message for p in caught.value.problems)


def test_heights_are_dropped(tmp_path):
    """CAD and GPS exports carry z (sometimes NaN); plots are 2-D, and a NaN height must not spoil the area."""
    rows = plot_rows(2)
    lon, lat = inside(YINZHOU)
    with np.errstate(invalid="ignore"):
        rows[1]["geometry"] = shapely.Polygon([(lon, lat, 5.0), (lon + 0.001, lat, 5.0), (lon + 0.001, lat + 0.001, 7.0),
                                               (lon, lat + 0.001, math.nan)])
    intake = validate_frame(plots_frame(rows), "plots", file="x", file_crs="EPSG:4326")
    assert not intake.frame.geometry.has_z.any()
    flat = shapely.force_2d(rows[1]["geometry"])
    expected = GEOD.geometry_area_perimeter(shapely.orient_polygons(flat))[0] / SQUARE_METRES_PER_MU
    assert intake.frame["area_mu"].iloc[1] == pytest.approx(expected, rel=1e-3)


def test_rows_are_counted_by_position_whatever_the_index():
    """A frame cut from a bigger one (or concatenated) has odd index labels; rows are still counted 1, 2, 3."""
    rows = plot_rows(3)
    rows[2]["district_adcode"] = None
    rows[1]["status"] = "sold"
    frame = plots_frame(rows)
    frame.index = [7, 7, 3]
    exc = pytest.raises(ValidationError, validate_frame, frame, "plots", file="x").value
    [problem] = exc.errors
    assert (problem.row, problem.feature_id, problem.value) == (2, "P2", "sold")
    frame.loc[frame["plot_id"] == "P2", "status"] = "pending"
    intake = validate_frame(frame, "plots", file="x")
    assert intake.frame["plot_id"].tolist() == ["P1", "P2", "P3"]
    assert intake.frame["district_adcode"].tolist() == [YINZHOU] * 3


def test_geometry_in_a_table_layer_is_ignored_with_a_warning(tmp_path):
    """Indicators sent as GeoJSON keep their attributes; the geometry is dropped, and the planner is told."""
    frame = gpd.GeoDataFrame({"district": ["鄞州区"], "year": [2024], "tax_per_mu": [35.2]},
                             geometry=[box_at(*inside(YINZHOU))], crs=4326)
    intake = validate_file(write_vector(frame, tmp_path / "ind.geojson"), "indicators")
    assert "geometry" not in intake.frame.columns
    assert any("geometry in the file is ignored" in p.message for p in intake.warnings)
    assert intake.frame[["district_adcode", "year"]].values.tolist() == [[YINZHOU, 2024]]


def test_missing_geometry_is_an_error_with_the_row(tmp_path):
    """A CSV row with empty lon/lat has no location; it is named, the rest of the file is not blamed."""
    table = with_lonlat(factories_frame(factory_rows(3)))
    table["lon"] = table["lon"].astype(object)
    table.loc[2, "lon"] = None
    exc = rejected(write_csv(table, tmp_path / "factories.csv"), "factories")
    [problem] = exc.errors
    assert "no geometry" in problem.message
    assert_names(problem, file="factories.csv", row=3, feature_id="F3", column="geometry")


def test_table_without_geometry_for_a_spatial_layer(tmp_path):
    """Plots sent as a plain table (no lon/lat, no WKT) are rejected with what would be accepted."""
    table = pd.DataFrame(plots_frame().drop(columns="geometry"))
    exc = rejected(write_csv(table, tmp_path / "plots.csv"))
    assert "needs geometry" in exc.errors[0].message and "WKT" in exc.errors[0].message


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
    assert out["reclaimed_year"].tolist() == [2020, 2021, 2022]
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
    assert plot_intake.frame["reclaimed_year"].tolist() == [2020, 2021, 2022]
    assert plot_intake.frame["district_adcode"].tolist() == [YINZHOU] * 3
    assert factory_intake.frame["certified_year"].tolist() == [2019, 2020]
    assert factory_intake.frame["district_adcode"].tolist() == [YINZHOU] * 2


# --- encodings and offsets: the GBK + GCJ-02 Shapefile --------------------------------------------


def _chinese_truth() -> gpd.GeoDataFrame:
    """WGS-84 plots with Chinese names (and markup) and status 已盘活: the truth the GBK files must give back."""
    frame = plots_frame(plot_rows(3, adcode=YINZHOU))
    frame["name_zh"] = ["鄞州区姜山镇低效地块", "东钱湖<b>旧厂</b>", "邱隘镇某某厂房"]
    frame["status"] = "已盘活"
    return frame


def test_gbk_gcj02_zipped_shapefile_without_cpg(tmp_path):
    """The file a 区县 office actually sends: GBK, no .cpg, zipped, drawn over AMap in GCJ-02 but labelled WGS-84."""
    truth = _chinese_truth()
    shifted = truth.set_geometry(gpd.GeoSeries(transform_geometries(truth.geometry, wgs84_to_gcj02), crs=4326))
    assert distances_m(shifted.geometry.iloc[0], truth.geometry.iloc[0]).min() > 300  # GCJ-02 really is offset
    path = write_shapefile(shifted, tmp_path / "shp", encoding="GBK", cpg=False, zipped=True)
    intake = validate_file(path, "plots", crs="gcj02")
    assert intake.source_crs == "gcj02"
    assert intake.frame["name_zh"].tolist() == truth["name_zh"].tolist()
    assert intake.frame["status"].tolist() == ["reclaimed"] * 3
    for got, want in zip(intake.frame.geometry, truth.geometry, strict=True):
        assert distances_m(got, want).max() < 1.0
    assert any("gb18030" in p.message for p in intake.warnings)


@pytest.mark.parametrize(("encoding", "cpg"), [("GBK", False), ("GB18030", False), ("UTF-8", True)])
def test_unzipped_shapefile_encodings(tmp_path, encoding, cpg):
    """A .shp on disk in GBK/GB18030 without .cpg, or UTF-8 with one, gives the same Chinese text."""
    truth = _chinese_truth()
    path = write_shapefile(truth, tmp_path / "shp", encoding=encoding, cpg=cpg)
    intake = validate_file(path, "plots")
    assert intake.frame["name_zh"].tolist() == truth["name_zh"].tolist()
    assert intake.frame["status"].tolist() == ["reclaimed"] * 3


# --- tabular formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("f.csv", lambda t, p: write_csv(with_lonlat(t, "经度", "纬度"), p, encoding="gbk")),
        ("f_bom.csv", lambda t, p: write_csv(with_lonlat(t), p, encoding="utf-8-sig")),
        ("f_wkt.csv", lambda t, p: write_csv(with_wkt(t), p)),
        ("f.xlsx", lambda t, p: write_xlsx(with_lonlat(t, "经度", "纬度"), p)),
        ("f.geojson", lambda t, p: write_vector(t, p)),
    ],
)
def test_factories_read_the_same_from_every_format(tmp_path, name, write):
    """Whatever the carrier (GBK CSV, BOM CSV, WKT, XLSX, GeoJSON), the same factories come out."""
    truth = factories_frame(factory_rows(3, adcode=CIXI))
    truth["name_zh"] = ["慈溪<b>家电</b>厂", XSS, "普通工厂"]
    truth["district_adcode"] = None
    intake = validate_file(write(truth, tmp_path / name), "factories")
    out = intake.frame
    assert out["factory_id"].tolist() == ["F1", "F2", "F3"]
    assert out["name_zh"].tolist() == truth["name_zh"].tolist()
    assert out["level"].tolist() == ["national", "provincial", "municipal"]
    assert out["certified_year"].tolist() == [2019, 2020, 2021]
    assert out["district_adcode"].tolist() == [CIXI] * 3
    np.testing.assert_allclose(shapely.get_coordinates(out.geometry.to_numpy()),
                               shapely.get_coordinates(truth.geometry.to_numpy()), atol=1e-7)


def test_html_in_text_is_kept_verbatim(tmp_path):
    """Escaping is the display's job: names and ids holding markup are stored exactly as written."""
    rows = plot_rows(2)
    rows[0]["name_zh"] = XSS
    rows[1]["plot_id"] = "P2<script>alert('x')</script>"
    rows[1]["name_zh"] = '"; DROP TABLE plots; -- & <b>'
    frame = plots_frame(rows)
    for path in (write_vector(frame, tmp_path / "p.geojson"), write_csv(with_wkt(frame), tmp_path / "p.csv")):
        intake = validate_file(path, "plots")
        assert intake.frame["name_zh"].tolist() == [XSS, '"; DROP TABLE plots; -- & <b>']
        assert intake.frame["plot_id"].tolist() == ["P1", "P2<script>alert('x')</script>"]


# --- districts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("major", "minor"), [(YINZHOU, HAISHU), (HAISHU, YINZHOU)])
def test_plot_across_the_haishu_yinzhou_line_goes_to_the_larger_overlap(major, minor):
    """A plot on the 海曙/鄞州 line belongs to the district holding most of it, whichever side that is."""
    box = straddling_box(major, minor, share=0.7)
    share = shapely.intersection(box, district_shape(major)).area / box.area
    assert 0.6 < share < 0.8 and shapely.intersects(box, district_shape(minor))  # really across the line
    rows = plot_rows(1)
    rows[0].update(geometry=box, district_adcode=None)
    intake = validate_frame(plots_frame(rows), "plots", file="x", file_crs="EPSG:4326")
    assert intake.frame["district_adcode"].tolist() == [major]
    assert intake.warnings == []


@pytest.mark.parametrize("adcode", [HAISHU, YINZHOU, CIXI])
def test_point_goes_to_the_district_containing_it(adcode):
    """Factories without a district get the one they stand in."""
    rows = factory_rows(1, adcode=adcode)
    rows[0]["district_adcode"] = None
    intake = validate_frame(factories_frame(rows), "factories", file="x", file_crs="EPSG:4326")
    assert intake.frame["district_adcode"].tolist() == [adcode]


def test_supplied_district_that_disagrees_is_kept_with_a_warning():
    """The planner may know better (a 飞地 or a boundary change): keep their code, but flag it."""
    rows = plot_rows(2, adcode=YINZHOU)
    rows[1]["district_adcode"] = HAISHU
    intake = validate_frame(plots_frame(rows), "plots", file="plots.geojson", file_crs="EPSG:4326")
    assert intake.frame["district_adcode"].tolist() == [YINZHOU, HAISHU]
    [warning] = intake.warnings
    assert "differs from the district the geometry lies in" in warning.message
    assert_names(warning, file="plots.geojson", row=2, feature_id="P2", column="district_adcode",
                 value=f"{HAISHU} vs {YINZHOU}")


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


# --- areas ---------------------------------------------------------------------------------------------


def _shapes():
    """Shapes whose areas trip up naive code: tiny, large, holed, thin, two-part, clockwise."""
    lon, lat = inside(YINZHOU)
    hlon, hlat = inside(HAISHU)
    return {
        "small-box": box_at(lon, lat, 0.0002),
        "large-box": box_at(lon, lat, 0.01),
        "triangle": shapely.Polygon([(lon, lat), (lon + 0.004, lat), (lon, lat + 0.003)]),
        "holed": shapely.Polygon(box_at(lon, lat, 0.003).exterior.coords, [box_at(lon, lat, 0.001).exterior.coords]),
        "thin": shapely.box(lon, lat, lon + 0.02, lat + 0.0001),
        "multipolygon": shapely.MultiPolygon([box_at(lon, lat, 0.001), box_at(hlon, hlat, 0.002)]),
        "clockwise": shapely.Polygon(list(box_at(lon, lat, 0.002).exterior.coords)[::-1]),
    }


@pytest.mark.parametrize("shape", list(_shapes()))
def test_area_mu_matches_the_geodesic_area(shape):
    """亩 must be true ellipsoidal areas: within 0.1% of pyproj.Geod on WGS-84, for every shape kind."""
    geometry = _shapes()[shape]
    rows = plot_rows(1)
    rows[0]["geometry"] = geometry
    intake = validate_frame(plots_frame(rows), "plots", file="x", file_crs="EPSG:4326")
    # Geod counts a ring's area with the sign of its orientation: orient so that holes subtract.
    geodesic_m2 = GEOD.geometry_area_perimeter(shapely.orient_polygons(geometry))[0]
    assert geodesic_m2 > 0
    assert intake.frame["area_mu"].iloc[0] == pytest.approx(geodesic_m2 / SQUARE_METRES_PER_MU, rel=1e-3)


@pytest.mark.parametrize(("factor", "warned"), [(1.0, False), (1.04, False), (0.96, False), (1.06, True),
                                                 (0.9, True), (3.0, True)])
def test_supplied_area_mu_is_checked_against_the_geometry(factor, warned):
    """A supplied area off by more than 5% is flagged; the computed area is what is stored."""
    rows = plot_rows(2)
    geodesic = abs(GEOD.geometry_area_perimeter(rows[1]["geometry"])[0]) / SQUARE_METRES_PER_MU
    rows[0]["area_mu"] = round(geodesic, 3)
    rows[1]["area_mu"] = round(geodesic * factor, 3)
    intake = validate_frame(plots_frame(rows), "plots", file="plots.geojson", file_crs="EPSG:4326")
    area_warnings = [p for p in intake.warnings if p.column == "area_mu"]
    if warned:
        [warning] = area_warnings
        assert "more than 5%" in warning.message
        assert_names(warning, file="plots.geojson", row=2, feature_id="P2", value=f"{round(geodesic * factor, 2)}")
    else:
        assert area_warnings == []
    assert intake.frame["area_mu"].iloc[1] == pytest.approx(geodesic, rel=1e-3)
    assert intake.frame["area_mu_supplied"].iloc[1] == pytest.approx(geodesic * factor, rel=1e-3)


# --- table layers ------------------------------------------------------------------------------------


def test_indicator_table_with_chinese_headers(tmp_path):
    """Indicator tables carry no geometry; ids are (district, year) and both are reported on duplicates."""
    table = pd.DataFrame({"区县": ["鄞州区", "330212", "海曙"], "年份": ["2024", "2024", "2024"],
                          "亩均税收": ["35.2", "36", "28.1"]})
    exc = rejected(write_csv(table, tmp_path / "ind.csv"), "indicators")
    assert [p.row for p in exc.errors] == [1, 2]
    assert exc.errors[0].feature_id == "鄞州区/2024"
    table.loc[1, "区县"] = "江北区"
    intake = validate_file(write_csv(table, tmp_path / "ind2.csv"), "indicators")
    assert intake.frame["district_adcode"].tolist() == [YINZHOU, "330205", HAISHU]
    assert intake.frame["tax_per_mu"].tolist() == [35.2, 36.0, 28.1]


# --- anything at all: never an exception other than ValidationError ------------------------------------

LON, LAT = inside(YINZHOU)
with np.errstate(invalid="ignore"):  # GEOS warns when building rings with NaN; that is the point here
    NAN_POLYGON = shapely.Polygon([(LON, LAT), (math.nan, LAT), (LON, math.nan)])
FIXED_GEOMETRIES = [
    None,
    box_at(LON, LAT),
    shapely.Polygon([(LON, LAT), (LON + 0.001, LAT + 0.001), (LON + 0.001, LAT), (LON, LAT + 0.001)]),  # bow-tie
    shapely.Polygon(),
    shapely.Point(),
    shapely.GeometryCollection(),
    NAN_POLYGON,
    shapely.Point(math.nan, math.nan),
    shapely.Point(math.inf, LAT),
    shapely.Point(LON, LAT),
    shapely.MultiPoint([(LON, LAT), (LON + 0.001, LAT)]),
    shapely.LineString([(LON, LAT), (LON + 0.001, LAT)]),
    shapely.LineString([(LON, LAT), (LON, LAT)]),
    shapely.Polygon([(LON, LAT), (LON + 0.001, LAT), (LON + 0.002, LAT), (LON, LAT)]),  # collinear
    shapely.MultiPolygon([box_at(LON, LAT), box_at(LON + 0.0002, LAT)]),  # overlapping parts: invalid
    shapely.GeometryCollection([box_at(LON, LAT), shapely.LineString([(LON, LAT), (LON + 1, LAT)])]),
    shapely.Polygon(box_at(LON, LAT).exterior.coords, [box_at(LON + 0.01, LAT, 0.0001).exterior.coords]),
    box_at(659595.3, 3294650.2, 50),  # EPSG:4549 metres
    box_at(1e300, -1e300, 1e299),
    box_at(*BEIJING),
    shapely.Polygon([(LON, LAT, 5.0), (LON + 0.001, LAT, 5.0), (LON, LAT + 0.001, math.nan)]),
]
# Each required column under one of its spellings (dropped now and then), plus optional and stray columns.
REQUIRED_SPELLINGS = [["plot_id", "地块编号", "ID"], ["status", "状态"], ["reclaimed_year", "盘活年份", "reclaimed_"]]
OPTIONAL_HEADERS = ["district_adcode", "区县", "district_a", "area_mu", "name_zh", "名称", "source", "imported_at",
                    "junk", "lon", "plot_id",
                    # names a GeoPackage reserves or compares without case: each once failed the store's write
                    "FID", "fid", "GEOM", "Source", "JUNK", "area_mu_supplied", "junk_in_file"]
GOOD_VALUES = {0: st.sampled_from(["P1", "P2", "P3", "P4"]), 1: st.sampled_from(["pending", "已盘活", "处置中"]),
               2: st.sampled_from([2020, "2021", 2022.0, None])}
values = st.one_of(
    st.none(),
    st.just(math.nan),
    st.just(pd.NA),
    st.text(max_size=8),
    st.sampled_from(["", " ", "nan", "NaN", "None", "NULL", XSS, "已盘活", "pending", "鄞州区", "330204", "330200",
                     "1e400", "-1e400", "-0", "２０２１", "2021", "2021.0", "330212.0", "true", "P1", "9" * 40]),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
coordinates = st.floats(min_value=LON - 0.05, max_value=LON + 0.05) | st.floats(allow_nan=True, allow_infinity=True)
near = st.tuples(st.floats(LON - 0.05, LON + 0.05), st.floats(LAT - 0.05, LAT + 0.05))


def _ring_polygon(first, rest):
    with np.errstate(invalid="ignore"):
        return shapely.Polygon([first, *rest])  # a finite first vertex keeps the ring closable


random_polygons = st.builds(_ring_polygon, near, st.lists(st.tuples(coordinates, st.floats(LAT - 0.05, LAT + 0.05)),
                                                          min_size=2, max_size=5))
plausible_boxes = st.builds(lambda centre, half: box_at(*centre, half), near, st.floats(1e-6, 0.01))
geometries = st.sampled_from(FIXED_GEOMETRIES) | random_polygons | plausible_boxes


@st.composite
def frames(draw):
    n = draw(st.integers(min_value=0, max_value=4))
    # Half the frames have clean attributes, so that the geometry checks, not the first bad cell, decide.
    noisy = draw(st.booleans())
    data = {}
    for position, spellings in enumerate(REQUIRED_SPELLINGS):
        if draw(st.integers(0, 19)) == 0:
            continue  # a required column is missing now and then
        if position == 0 and not noisy:
            column = [f"P{i}" for i in range(n)]
        else:
            column = draw(st.lists(GOOD_VALUES[position] | values if noisy else GOOD_VALUES[position],
                                   min_size=n, max_size=n))
        data[draw(st.sampled_from(spellings))] = column
    for header in draw(st.lists(st.sampled_from(OPTIONAL_HEADERS), unique=True, max_size=4 if noisy else 0)):
        data.setdefault(header, draw(st.lists(values, min_size=n, max_size=n)))
    geometry = draw(st.lists(geometries if noisy else plausible_boxes | plausible_boxes | geometries,
                             min_size=n, max_size=n))
    frame_crs = draw(st.sampled_from([None, None, "EPSG:4326", "EPSG:4549"]))
    index = draw(st.sampled_from([list(range(n)), [7] * n, list(range(n, 0, -1))]))  # also repeated labels
    return gpd.GeoDataFrame(pd.DataFrame(data, index=index, dtype=object), geometry=geometry, crs=frame_crs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames(), crs=st.sampled_from([None, None, None, "gcj02", "bd09", "EPSG:4549", "EPSG:4326", "nonsense"]))
def test_anything_gives_an_intake_or_a_validation_error(frame, crs):
    """Whatever a file holds, intake answers with an Intake or a ValidationError, never another exception."""
    try:
        result = validate_frame(frame, "plots", file="x", crs=crs)
    except ValidationError as exc:
        assert exc.errors, "a ValidationError must carry at least one error"
        assert all(p.file == "x" for p in exc.problems)
        return
    assert isinstance(result, Intake)
    assert len(result.frame) == len(frame)
    assert result.frame["plot_id"].notna().all()
    assert result.frame.geometry.is_valid.all()
    assert result.frame["district_adcode"].notna().all()
    assert (result.frame["area_mu"] > 0).all()


# --- the whole path: validate, then upsert into a real store -------------------------------------------


@pytest.fixture(scope="module")
def template_store(tmp_path_factory):
    """An empty store holding plots P1 and P2, so that random files both add plots and update stored ones."""
    path = tmp_path_factory.mktemp("template") / "spaces.gpkg"
    store = GeoPackageStore(path)
    store.initialise({}, dataset="empty")
    store.upsert(validate_frame(plots_frame(plot_rows(2)), "plots", file="seed.geojson"))
    return path


def sometimes(good, bad, draw):
    """``good`` seven times in eight, else ``bad``: files mostly fine, so that imports happen as well as rejections."""
    return draw(bad if draw(st.integers(0, 7)) == 0 else good)


@st.composite
def store_frames(draw):
    """Plot files with ids P1–P4 (P1, P2 are stored), a bad cell or geometry now and then, and stray columns
    including names a GeoPackage reserves or compares without case (FID, GEOM, Source, junk / JUNK)."""
    ids = draw(st.lists(st.sampled_from(["P1", "P2", "P3", "P4"]), min_size=1, max_size=4, unique=True))
    n = len(ids)
    data = {
        draw(st.sampled_from(REQUIRED_SPELLINGS[0])): [sometimes(st.just(i), values, draw) for i in ids],
        draw(st.sampled_from(REQUIRED_SPELLINGS[1])): [sometimes(GOOD_VALUES[1], values, draw) for _ in ids],
        draw(st.sampled_from(REQUIRED_SPELLINGS[2])): [sometimes(GOOD_VALUES[2], values, draw) for _ in ids],
    }
    for header in draw(st.lists(st.sampled_from(OPTIONAL_HEADERS[-7:] + ["名称", "junk"]), unique=True, max_size=4)):
        data.setdefault(header, draw(st.lists(values, min_size=n, max_size=n)))
    geometry = [sometimes(plausible_boxes, geometries, draw) for _ in ids]
    frame_crs = draw(st.sampled_from([None, "EPSG:4326"]))
    return gpd.GeoDataFrame(pd.DataFrame(data, dtype=object), geometry=geometry, crs=frame_crs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=store_frames(), crs=st.sampled_from([None, None, None, "gcj02", "EPSG:4549"]), undo=st.booleans())
def test_anything_is_imported_or_rejected_and_a_rejection_leaves_the_store_byte_identical(
        template_store, tmp_path_factory, frame, crs, undo):
    """validate → upsert never raises anything but the project's own errors; a rejection changes no byte;
    an accepted file is either a no-op or undone exactly."""
    path = tmp_path_factory.mktemp("store") / "spaces.gpkg"
    shutil.copyfile(template_store, path)
    store = GeoPackageStore(path)
    before_bytes = path.read_bytes()
    before = store.read_layer("plots")
    try:
        counts = store.upsert(validate_frame(frame, "plots", file="x", crs=crs))
    except SpacesError as exc:
        event(f"rejected: {type(exc).__name__}")
        assert not isinstance(exc, ValidationError) or exc.errors
        assert path.read_bytes() == before_bytes
        assert {p.name for p in path.parent.iterdir()} <= {"spaces.gpkg", "spaces.gpkg.lock"}  # no temporaries
        return
    after = store.read_layer("plots")
    assert len(after) == len(before) + counts.added
    event(f"imported, changed={counts.changed}, undo={undo}")
    if not counts.changed:
        assert path.read_bytes() == before_bytes
        return
    if undo:
        store.undo_last()
        restored = store.read_layer("plots")
        pd.testing.assert_frame_equal(pd.DataFrame(restored.drop(columns="geometry")),
                                      pd.DataFrame(before.drop(columns="geometry")))
        assert shapely.to_wkb(restored.geometry.to_numpy()).tolist() == shapely.to_wkb(before.geometry.to_numpy()).tolist()


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
    store.initialise({}, dataset="empty")
    assert store.upsert(intake).added == 3
    stored = store.read_layer("plots")
    for header, name in renamed.items():
        assert stored[name].tolist() == [f"{header}-{n}" for n in range(3)]


# --- uploads and single values ---------------------------------------------------------------------------


def test_an_upload_validates_as_the_file_does(tmp_path):
    path = csv_plots(tmp_path, plot_rows(3))
    from_file = validate_file(path, "plots")
    uploaded = validate_bytes("上传/plots.csv", path.read_bytes(), "plots")
    assert uploaded.file == "plots.csv"
    pd.testing.assert_frame_equal(pd.DataFrame(uploaded.frame.drop(columns="geometry")),
                                  pd.DataFrame(from_file.frame.drop(columns="geometry")))
    with pytest.raises(ValidationError) as caught:
        validate_bytes("plots.csv", path.read_bytes().replace(b"pending", b"maybe"), "plots")
    (problem,) = caught.value.errors
    assert (problem.file, problem.row, problem.column, problem.value) == ("plots.csv", 1, "status", "maybe")


def test_single_values_follow_the_import_rules():
    assert validate_values("plots", {"status": "整治中", "reclaimed_year": "2,024".replace(",", "")}, file="app") == {
        "status": "in_progress", "reclaimed_year": 2024}
    assert validate_values("plots", {"reclaimed_year": " "}, file="app") == {"reclaimed_year": None}
    with pytest.raises(ValidationError) as caught:
        validate_values("plots", {"status": None, "floors": 3}, file="app", feature_id="L1")
    assert [(p.feature_id, p.column, p.row) for p in caught.value.errors] == [("L1", "status", None), ("L1", "floors", None)]
