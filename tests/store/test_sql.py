"""Tests for spaces.store.sql: rows found and changed by SQL in a GeoPackage GDAL wrote, its rtree kept right."""

from __future__ import annotations

import sqlite3
import struct
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from spaces.store import sql

# rtree bounds are 32-bit floats rounded outwards: within this of the true bounds, never inside them.
RTREE_SLACK = 1e-4


@pytest.fixture
def parcels(tmp_path) -> Path:
    """A GeoPackage as pyogrio writes it (GDAL's rtree and its triggers): six polygons, one without
    geometry, ids with a quote and Chinese, a composite key of text and year, and six points."""
    polygons = [shapely.box(121.0 + n / 10, 29.0 + n / 10, 121.05 + n / 10, 29.02 + n / 10) for n in range(5)]
    frame = gpd.GeoDataFrame({
        "plot_id": ["A1", "A'2", 'B"3', "东区-4", "A1", "C6"],
        "adcode": ["330203", "330203", "330205", "330205", "330206", "330206"],
        "year": pd.array([2023, 2024, 2023, 2024, 2023, 2024], dtype="Int64"),
        "status": ["pending", "reclaimed", "pending", None, "in_progress", "pending"],
    }, geometry=[*polygons, None], crs="EPSG:4326")
    path = tmp_path / "parcels.gpkg"
    pyogrio.write_dataframe(frame, path, layer="plots", driver="GPKG", geometry_type="Polygon")
    points = gpd.GeoDataFrame({"factory_id": [f"F{n}" for n in range(6)]},
                              geometry=shapely.points(np.linspace(121, 122, 6), np.linspace(29, 30, 6)),
                              crs="EPSG:4326")
    pyogrio.write_dataframe(points, path, layer="factories", driver="GPKG")
    return path


def blobs(path: Path, table: str) -> list:
    with closing(sqlite3.connect(path)) as db:
        return [blob for (blob,) in db.execute(f'SELECT geom FROM "{table}" ORDER BY fid')]


def rtree(path: Path, table: str) -> dict[int, tuple[float, float, float, float]]:
    """``fid -> (minx, miny, maxx, maxy)`` as the layer's rtree holds it."""
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute(f'SELECT id, minx, miny, maxx, maxy FROM "rtree_{table}_geom"').fetchall()
    return {fid: bounds for fid, *bounds in rows}


def assert_rtree_holds(found: tuple, geometry) -> None:
    minx, miny, maxx, maxy = shapely.bounds(geometry)
    assert found[0] <= minx and found[1] <= miny and found[2] >= maxx and found[3] >= maxy
    assert np.allclose(found, (minx, miny, maxx, maxy), atol=RTREE_SLACK)


# -- the functions GDAL's triggers call -----------------------------------------------------------
def test_bounds_come_from_the_envelope_gdal_writes_for_polygons(parcels):
    polygons = gpd.read_file(parcels, layer="plots").geometry
    for blob, polygon in zip(blobs(parcels, "plots")[:5], polygons[:5], strict=True):
        assert blob[3] >> 1 & 0x07 == 1  # GDAL wrote an xy envelope
        assert sql.bounds(blob) == pytest.approx(shapely.bounds(polygon))
        assert sql.st_is_empty(blob) == 0


def test_bounds_of_a_point_come_from_its_wkb(parcels):
    """GDAL writes points without an envelope: the bounds must be read from the geometry itself."""
    (first, *_rest) = blobs(parcels, "factories")
    assert first[3] >> 1 & 0x07 == 0
    assert sql.bounds(first) == pytest.approx((121.0, 29.0, 121.0, 29.0))
    assert [sql.SPATIAL_FUNCTIONS[name](first) for name in ("ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY")] == \
        pytest.approx([121.0, 29.0, 121.0, 29.0])


def gpkg_blob(wkb: bytes, *, flags: int, envelope: tuple[float, ...] = (), order: str = "<") -> bytes:
    return b"GP" + bytes([0, flags]) + struct.pack(f"{order}i", 4326) + struct.pack(f"{order}{len(envelope)}d",
                                                                                    *envelope) + wkb


EDGE_BLOBS = {
    "empty flag": (gpkg_blob(shapely.to_wkb(shapely.Point()), flags=0x11), 1, None),
    "big-endian envelope": (gpkg_blob(shapely.to_wkb(shapely.box(1, 2, 3, 4)), flags=0x02, envelope=(1, 3, 2, 4),
                                      order=">"), 0, (1.0, 2.0, 3.0, 4.0)),
    "xyz envelope": (gpkg_blob(shapely.to_wkb(shapely.Point(5, 6, 7)), flags=0x05, envelope=(5, 5, 6, 6, 7, 7)), 0,
                     (5.0, 6.0, 5.0, 6.0)),
    "no envelope, line": (gpkg_blob(shapely.to_wkb(shapely.LineString([(0, 1), (2, -1)])), flags=0x01), 0,
                          (0.0, -1.0, 2.0, 1.0)),
    "extension type, no envelope": (gpkg_blob(b"\x00" * 9, flags=0x21), 0, None),
    "not a geopackage blob": (shapely.to_wkb(shapely.Point(1, 2)), None, None),
    "truncated envelope": (gpkg_blob(b"", flags=0x03, envelope=(1.0,)), None, None),
    "null": (None, None, None),
    "text": ("POINT (1 2)", None, None),
}


@pytest.mark.parametrize("case", list(EDGE_BLOBS))
def test_st_functions_on_edge_cases(case):
    blob, empty, bounds = EDGE_BLOBS[case]
    assert sql.st_is_empty(blob) == empty
    assert sql.bounds(blob) == (None if bounds is None else pytest.approx(bounds))


def test_plain_sqlite_cannot_update_a_spatial_table(parcels):
    """Why connect() exists: every UPDATE compiles GDAL's rtree triggers, which call ST_IsEmpty."""
    with closing(sqlite3.connect(parcels)) as db, pytest.raises(sqlite3.OperationalError, match="ST_IsEmpty"):
        db.execute("UPDATE plots SET status = 'reclaimed' WHERE fid = 1")


def test_geometry_changes_keep_the_rtree_right(parcels):
    """Moving, removing, emptying and restoring a geometry through SQL: GDAL's triggers run our ST_ functions."""
    with closing(sql.connect(parcels)) as db, db:
        db.execute("UPDATE plots SET geom = (SELECT geom FROM plots WHERE fid = 5) WHERE fid = 1")
        db.execute("UPDATE plots SET geom = NULL WHERE fid = 2")
        db.execute("UPDATE plots SET geom = ? WHERE fid = 3",
                   (gpkg_blob(shapely.to_wkb(shapely.Polygon()), flags=0x11),))
        db.execute("UPDATE plots SET geom = (SELECT geom FROM plots WHERE fid = 4) WHERE fid = 6")
        db.execute("UPDATE factories SET geom = (SELECT geom FROM factories WHERE fid = 6) WHERE fid = 1")
    polygons = gpd.read_file(parcels, layer="plots", fid_as_index=True).geometry
    index = rtree(parcels, "plots")
    assert sorted(index) == [1, 4, 5, 6]  # 2 lost its geometry, 3 is empty
    for fid in index:
        assert_rtree_holds(index[fid], polygons[fid])
    assert_rtree_holds(rtree(parcels, "factories")[1], shapely.Point(122, 30))
    with closing(sqlite3.connect(parcels)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_an_attribute_update_leaves_the_rtree_alone(parcels):
    before = rtree(parcels, "plots")
    with closing(sql.connect(parcels)) as db, db:
        sql.update_values(db, "plots", 2, {"status": "pending"})
    assert rtree(parcels, "plots") == before
    assert pyogrio.read_dataframe(parcels, layer="plots")["status"].tolist()[1] == "pending"


# -- rows by id and by position ---------------------------------------------------------------
def test_find_fids_matches_text_exactly_and_takes_the_first_duplicate(parcels):
    with closing(sql.connect(parcels, read_only=True)) as db:
        found = sql.find_fids(db, "plots", ["plot_id"], [("A1",), ("A'2",), ('B"3',), ("东区-4",), ("a1",),
                                                              ("A1 ",), ("nowhere",)])
    assert found == {("A1",): 1, ("A'2",): 2, ('B"3',): 3, ("东区-4",): 4}


def test_find_fids_with_a_composite_key_binds_years_as_numbers(parcels, monkeypatch):
    monkeypatch.setattr(sql, "KEYS_PER_QUERY", 2)  # several batches
    keys = [("330203", 2024), ("330205", 2023), ("330206", 2024), ("330206", 2025), ("330203", "2024")]
    with closing(sql.connect(parcels, read_only=True)) as db:
        found = sql.find_fids(db, "plots", ["adcode", "year"], keys)
    # "2024" as text compares with an INTEGER column by its affinity: the same row.
    assert found == {("330203", 2024): 2, ("330205", 2023): 3, ("330206", 2024): 6}


def test_the_id_index_is_what_finds_a_row(parcels):
    with closing(sql.connect(parcels)) as db, db:
        sql.ensure_id_index(db, "plots", ["adcode", "year"])
        sql.ensure_id_index(db, "plots", ["adcode", "year"])  # a second time changes nothing
        plan = " ".join(str(row) for row in db.execute(
            "EXPLAIN QUERY PLAN SELECT fid FROM plots WHERE adcode = ? AND year = ?", ("330203", 2024)))
    assert sql.id_index_name("plots") in plan


def test_positions_follow_feature_id_order_with_or_without_gaps(parcels):
    with closing(sql.connect(parcels)) as db, db:
        assert sql.positions(db, "plots", [1, 6, 3]) == [0, 5, 2]
        db.execute("DELETE FROM plots WHERE fid IN (2, 4)")  # as QGIS deleting two features leaves it
        assert sql.row_count(db, "plots") == 4
        assert sql.positions(db, "plots", [6, 3]) == [3, 1]  # counted one by one
        assert sql.positions(db, "plots", [1, 3, 5, 6, 6]) == [0, 1, 2, 3, 3]  # from every id at once
    order = pyogrio.read_dataframe(parcels, layer="plots", fid_as_index=True).index.tolist()
    assert order == [1, 3, 5, 6]


def test_an_update_must_change_exactly_one_row(parcels):
    with closing(sql.connect(parcels)) as db, pytest.raises(sqlite3.IntegrityError, match="changed 0 rows"):
        sql.update_values(db, "plots", 99, {"status": "pending"})


def test_touch_records_the_change_in_gpkg_contents(parcels):
    with closing(sqlite3.connect(parcels)) as db, db:
        db.execute("UPDATE gpkg_contents SET last_change = '2000-01-01T00:00:00.000Z'")
    with closing(sql.connect(parcels)) as db, db:
        sql.touch(db, "plots")
    with closing(sqlite3.connect(parcels)) as db:
        changes = dict(db.execute("SELECT table_name, last_change FROM gpkg_contents"))
    assert changes["factories"] == "2000-01-01T00:00:00.000Z"
    assert changes["plots"] > "2020" and changes["plots"].endswith("Z")


def test_quoted_identifiers():
    assert sql.quoted('a"b') == '"a""b"'
    assert sql.quoted("备注") == '"备注"'


# -- values -----------------------------------------------------------------------------------
SQL_VALUES = {
    "None": (None, None), "NaN": (np.nan, None), "pd.NA": (pd.NA, None), "NaT": (pd.NaT, None),
    "numpy bool": (np.bool_(True), 1), "False": (False, 0), "Int64 element": (pd.array([2024], dtype="Int64")[0], 2024),
    "numpy float": (np.float64(1.5), 1.5), "text": ("<b>'东区'</b>", "<b>'东区'</b>"),
}


@pytest.mark.parametrize("case", list(SQL_VALUES))
def test_sql_value(case):
    value, stored = SQL_VALUES[case]
    result = sql.sql_value(value)
    assert result == stored and type(result) is type(stored)


def test_sql_value_refuses_what_a_geopackage_column_would_not_hold_as_is():
    with pytest.raises(TypeError, match="Timestamp"):
        sql.sql_value(pd.Timestamp("2024-01-01"))


@pytest.mark.parametrize(("dtype", "declared", "fits"), [
    ("bool", "BOOLEAN", True), ("Int64", "INTEGER", True), ("int32", "MEDIUMINT", True), ("float64", "REAL", True),
    ("object", "TEXT", True), ("object", "TEXT(20)", True), ("Int64", "REAL", False), ("float64", "INTEGER", False),
    ("object", "INTEGER", False), ("bool", "INTEGER", False), ("datetime64[ms]", "DATETIME", False),
    ("object", "", False),
])
def test_storable_matches_what_gdal_declares_for_each_dtype(dtype, declared, fits):
    kind = sql.value_kind(pd.Series([], dtype=dtype).dtype)
    assert (kind is not None and sql.storable(kind, declared)) is fits


def test_storable_types_are_what_pyogrio_declares(tmp_path):
    """The table above is not a guess: pyogrio writes these dtypes with these declared types."""
    frame = pd.DataFrame({"flag": [True], "count": pd.array([1], dtype="Int64"), "share": [0.5], "name": ["甲"]})
    pyogrio.write_dataframe(frame, tmp_path / "t.gpkg", layer="t", driver="GPKG")
    with closing(sqlite3.connect(tmp_path / "t.gpkg")) as db:
        declared = sql.column_types(db, "t")
    for column in frame.columns:
        assert sql.storable(sql.value_kind(frame[column].dtype), declared[column]), column


def test_deleting_rows_takes_them_out_of_the_rtree_and_the_count_and_refuses_a_missing_fid(parcels):
    with closing(sql.connect(parcels)) as db:
        with db:
            sql.delete_rows(db, "plots", [2, 6])
        assert sql.fids_in_order(db, "plots").tolist() == [1, 3, 4, 5]
        assert [fid for (fid,) in db.execute("SELECT id FROM rtree_plots_geom ORDER BY id")] == [1, 3, 4, 5]
        with pytest.raises(sqlite3.IntegrityError, match="1 features deleted, not 2"), db:
            sql.delete_rows(db, "plots", [1, 2])
        assert sql.fids_in_order(db, "plots").tolist() == [1, 3, 4, 5]  # the failed delete rolled back
    assert pyogrio.read_info(parcels, layer="plots")["features"] == 4


def test_the_geometry_column_is_declared_as_gdal_wrote_it(parcels):
    with closing(sql.connect(parcels, read_only=True)) as db:
        assert sql.geometry_column(db, "plots") == ("geom", "POLYGON", 4326, 0, 0)
        assert sql.geometry_column(db, "factories") == ("geom", "POINT", 4326, 0, 0)
        assert sql.geometry_column(db, "no_such_table") is None
