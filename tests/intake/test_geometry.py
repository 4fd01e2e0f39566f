"""Tests for spaces.intake.geometry: CRS handling, outside Ningbo, repairs and geometry kinds, district assignment and areas."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from fixtures_intake import (
    BEIJING,
    CIXI,
    GEOD,
    HAISHU,
    YINZHOU,
    assert_names,
    box_at,
    csv_plots,
    district_shape,
    factories_frame,
    factory_rows,
    inside,
    plot_rows,
    plots_frame,
    rejected,
    straddling_box,
    with_lonlat,
    with_wkt,
    write_csv,
    write_shapefile,
    write_vector,
)

from spaces.errors import CrsError, ValidationError
from spaces.intake import validate_file, validate_frame

SQUARE_METRES_PER_MU = 2000 / 3


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


def test_self_crossing_polygon_of_20k_vertices_is_refused_before_repair(tmp_path, monkeypatch):
    """A 20k-vertex self-crossing ring costs a minute in make_valid; it is refused, naming the count and limit."""
    def no_repair(*args, **kwargs):
        raise AssertionError("make_valid must not be called for a geometry over the vertex limit")

    monkeypatch.setattr(shapely, "make_valid", no_repair)
    rows = plot_rows(2)
    lon, lat = inside(YINZHOU)
    # Vertices in random order inside a 100 m box: the ring crosses itself thousands of times.
    count = 20_000
    offsets = np.random.default_rng(14).random((count, 2)) * 0.001
    rows[1]["geometry"] = shapely.Polygon(offsets + [lon, lat])
    assert not rows[1]["geometry"].is_valid
    exc = rejected(csv_plots(tmp_path, rows))
    [problem] = exc.errors
    assert "more vertices than the limit of 10000" in problem.message
    assert "SPACES_MAX_VERTICES" in problem.message
    assert_names(problem, file="plots.csv", row=2, feature_id="P2", column="geometry", value=str(count + 1))


def test_a_small_ring_that_crosses_itself_everywhere_is_refused_at_the_repair_budget(tmp_path, monkeypatch):
    """300 vertices in random order, far under the vertex limit, cost make_valid minutes: the repair runs in a
    child process stopped at $SPACES_REPAIR_SECONDS, and the file is refused naming the row and the setting."""
    monkeypatch.setenv("SPACES_REPAIR_SECONDS", "1")
    rows = plot_rows(2)
    lon, lat = inside(YINZHOU)
    rows[1]["geometry"] = shapely.Polygon(np.random.default_rng(14).random((300, 2)) * 0.001 + [lon, lat])
    exc = rejected(csv_plots(tmp_path, rows))
    [problem] = exc.errors
    assert problem.key == "repair_budget"
    assert "did not finish within 1 s" in problem.message and "SPACES_REPAIR_SECONDS" in problem.message
    assert_names(problem, file="plots.csv", row=2, feature_id="P2", column="geometry", value="301")


def test_a_repair_in_the_child_process_gives_what_make_valid_gives_here():
    from spaces.intake.repair import IN_PROCESS_VERTICES, repaired

    # A zigzag ring crossing itself a few dozen times: over the in-process size, repaired in well under a second.
    xs = np.linspace(0, 1, 80)
    ring = [*zip(xs, np.where(np.arange(80) % 2, 1.0, 0.0), strict=True), (1.0, 0.5), (0.0, 0.5)]
    geometries = np.array([shapely.Polygon(ring), shapely.from_wkt("POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))")])
    assert shapely.get_num_coordinates(geometries).sum() > IN_PROCESS_VERTICES
    expected = shapely.make_valid(geometries)
    assert shapely.equals(repaired(geometries, budget_seconds=30), expected).all()
