"""Tests for spaces.intake.validation: whole files in every format, table layers, uploads, single values, and anything at all."""

from __future__ import annotations

import math
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from fixtures_intake import (
    BEIJING,
    CIXI,
    HAISHU,
    XSS,
    YINZHOU,
    box_at,
    csv_plots,
    distances_m,
    factories_frame,
    factory_rows,
    inside,
    plot_rows,
    plots_frame,
    rejected,
    with_lonlat,
    with_wkt,
    write_csv,
    write_shapefile,
    write_vector,
    write_xlsx,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from spaces.errors import SpacesError, ValidationError
from spaces.geo.chinacoords import transform_geometries, wgs84_to_gcj02
from spaces.intake import Intake, validate_bytes, validate_file, validate_frame, validate_values
from spaces.store import GeoPackageStore, local_actor

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
    assert frame["reclaimed_year"].astype(object).where(frame["reclaimed_year"].notna(), None).tolist() == [None, None, 2022]
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


# --- encodings and offsets: the GBK + GCJ-02 Shapefile --------------------------------------------


def _chinese_truth() -> gpd.GeoDataFrame:
    """WGS-84 plots with Chinese names (and markup) and status 已盘活: the truth the GBK files must give back."""
    frame = plots_frame(plot_rows(3, adcode=YINZHOU))
    frame["name_zh"] = ["鄞州区姜山镇低效地块", "东钱湖<b>旧厂</b>", "邱隘镇某某厂房"]
    frame["status"], frame["reclaimed_year"] = "已盘活", 2023
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
    store.initialise({}, dataset="empty", actor=local_actor())
    store.upsert(validate_frame(plots_frame(plot_rows(2)), "plots", file="seed.geojson"), actor=local_actor())
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
        counts = store.upsert(validate_frame(frame, "plots", file="x", crs=crs), actor=local_actor())
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
        store.undo_last(actor=local_actor())
        restored = store.read_layer("plots")
        pd.testing.assert_frame_equal(pd.DataFrame(restored.drop(columns="geometry")),
                                      pd.DataFrame(before.drop(columns="geometry")))
        assert shapely.to_wkb(restored.geometry.to_numpy()).tolist() == shapely.to_wkb(before.geometry.to_numpy()).tolist()


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
