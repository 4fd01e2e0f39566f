"""Tests for spaces.store.geopackage: the GeoPackage layer store, initialised, read, upserted and opened."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from fixtures_store import (
    IMPORT_FILES,
    STORE_GEOMETRY_TYPES,
    assert_valid_geopackage,
    counts_of,
    import_file,
    plots_file,
    snapshot,
)

from spaces.errors import StoreError, ValidationError
from spaces.reference.schema import PROVENANCE_COLUMNS, load_schemas
from spaces.sample import default_allocation_layer
from spaces.store import GeoPackageStore, local_actor, open_store


# -- helpers -----------------------------------------------------------------------------------
def as_multi(geometries: np.ndarray) -> np.ndarray:
    single = shapely.get_type_id(geometries) == 3
    out = geometries.copy()
    out[single] = [shapely.MultiPolygon([g]) for g in geometries[single]]
    return out


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def round_trip(tmp_path_factory, shared_sample_layers):
    """The sample layers as written, and as ``read_all`` reads them back from a fresh store."""
    store = GeoPackageStore(tmp_path_factory.mktemp("round-trip") / "spaces.gpkg")
    store.initialise(shared_sample_layers, dataset="sample", actor=local_actor())
    return shared_sample_layers, store.read_all(), store


# -- an empty store ----------------------------------------------------------------------------
def test_empty_store_has_every_layer_empty_with_canonical_columns(empty_store):
    layers = empty_store.read_all()
    schemas = load_schemas()
    assert list(layers) == list(schemas)
    for name, schema in schemas.items():
        frame = layers[name]
        expected = set(schema.columns) | set(PROVENANCE_COLUMNS)
        if "polygon" in schema.geometry:
            expected.add("area_mu")
        if schema.is_spatial:
            expected.add("geometry")
            assert isinstance(frame, gpd.GeoDataFrame), name
            assert frame.crs == "EPSG:4326", name
        assert set(frame.columns) == expected, name
        for column in schema.columns.values():
            wanted = {"year": "Int64", "int": "Int64", "float": "float64", "bool": "bool"}.get(column.type, "object")
            assert str(frame[column.name].dtype) == wanted, (name, column.name)
        if name != "allocations":
            assert len(frame) == 0, name


def test_empty_store_holds_the_default_allocations(empty_store):
    stored = empty_store.read_layer("allocations")
    default = default_allocation_layer()
    assert len(stored) == len(default) == 110
    key = ["district_adcode", "target_key"]
    merged = default.merge(stored, on=key, suffixes=("", "_stored"), validate="one_to_one")
    assert len(merged) == len(default)
    np.testing.assert_array_equal(merged["target"], merged["target_stored"])
    assert (stored["source"] == "default").all()
    assert empty_store.meta()["dataset"] == "empty"


def test_store_is_a_valid_geopackage_in_wgs84(empty_store):
    assert_valid_geopackage(empty_store.path)
    layers = dict(pyogrio.list_layers(empty_store.path))
    # The audit trail holds the initialisation: who made the store, when.
    assert set(layers) == set(load_schemas()) | {"import_log", "spaces_meta", "audit_log"}
    for name in STORE_GEOMETRY_TYPES:
        assert pyogrio.read_info(empty_store.path, layer=name)["crs"] == "EPSG:4326"


# -- round trip of the sample ------------------------------------------------------------------
@pytest.mark.parametrize("layer", list(load_schemas()))
def test_sample_round_trips_rows_and_dtypes(round_trip, layer):
    written, read, _store = round_trip
    schema = load_schemas()[layer]
    ids = list(schema.id_columns)
    before, after = written[layer], read[layer]
    assert len(after) == len(before) > 0
    after = after.set_index(ids).loc[before.set_index(ids).index]  # same rows, in the written order
    before = before.set_index(ids)
    for name, column in schema.columns.items():
        if name in ids or name not in before.columns:
            continue
        values = after[name]
        if column.type in ("year", "int"):
            assert str(values.dtype) == "Int64", name
            assert [None if pd.isna(v) else int(v) for v in values] == \
                   [None if pd.isna(v) else int(v) for v in before[name]], name
        elif column.type == "bool":
            assert values.dtype == bool, name
            assert values.tolist() == before[name].astype(bool).tolist(), name
        elif column.type == "float":
            np.testing.assert_array_equal(values.to_numpy(float), before[name].to_numpy(float), err_msg=name)
        else:
            assert values.dtype == object, name
            assert all(v is None or isinstance(v, str) for v in values), name
            assert [None if pd.isna(v) else v for v in values] == \
                   [None if pd.isna(v) else v for v in before[name]], name
    for name in ("source", "source_file"):
        assert after[name].tolist() == before[name].tolist()


@pytest.mark.parametrize("layer", ["plots", "factories", "parks", "communities"])
def test_sample_round_trips_geometry(round_trip, layer):
    written, read, _store = round_trip
    id_column = load_schemas()[layer].id_columns[0]
    before = written[layer].set_index(id_column)
    after = read[layer].set_index(id_column).loc[before.index]
    old, new = before.geometry.to_numpy(), after.geometry.to_numpy()
    if STORE_GEOMETRY_TYPES[layer] == "MULTIPOLYGON":
        # The store promotes polygons to MultiPolygons (one geometry type per table, as QGIS wants).
        assert set(shapely.get_type_id(new)) == {6}
        old = as_multi(old)
    else:
        np.testing.assert_array_equal(shapely.get_type_id(new), shapely.get_type_id(old))
    assert shapely.equals_exact(old, new, tolerance=1e-9).all()
    if "area_mu" in before.columns:
        np.testing.assert_allclose(after["area_mu"].to_numpy(float), before["area_mu"].to_numpy(float),
                                   rtol=1e-12)


def test_sample_round_trips_chinese_text(round_trip):
    written, read, _store = round_trip
    parks = read["parks"].set_index("park_id")["name_zh"]
    assert parks["P001"] == written["parks"].set_index("park_id").loc["P001", "name_zh"] == "宁波经济技术开发区"
    factories = read["factories"]["name_zh"]
    assert factories.str.contains("绿色工厂").all()
    assert set(factories) == set(written["factories"]["name_zh"])
    assert set(read["parks"]["industries"]) == set(written["parks"]["industries"])


def test_init_logs_itself_and_records_the_dataset(round_trip):
    _written, _read, store = round_trip
    log = store.import_log()
    assert log["file"].tolist() == ["init (sample)"]
    assert store.meta()["dataset"] == "sample"


# -- upserts -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(IMPORT_FILES))
def test_importing_the_same_file_twice_writes_nothing_the_second_time(sample_store, sample_layers, tmp_path, kind):
    layer, make = IMPORT_FILES[kind]
    path = make(tmp_path, sample_layers)
    rows_before = len(sample_store.read_layer(layer))
    first = import_file(sample_store, path, layer)
    assert first.added + first.updated > 0
    written = snapshot(sample_store.path)
    version = sample_store.version()

    second = import_file(sample_store, path, layer)

    assert (second.added, second.updated) == (0, 0)
    assert second.unchanged == first.added + first.updated + first.unchanged
    assert snapshot(sample_store.path) == written
    assert sample_store.version() == version
    assert len(sample_store.read_layer(layer)) == rows_before + first.added
    assert sample_store.import_log()["file"].tolist() == ["init (sample)", path.name]


def test_upsert_updates_changed_rows_adds_new_ids_and_keeps_the_rest(sample_store, sample_layers, tmp_path):
    ids = [f"T{n:03d}" for n in range(10)]
    first = plots_file(tmp_path / "first.geojson", sample_layers, ids)
    assert counts_of(import_file(sample_store, first, "plots")) == (10, 0, 0)

    changed_status = gpd.read_file(first)
    changed_status.loc[3, "状态"] = "处置中"
    changed_status.to_file(tmp_path / "status.geojson")
    assert counts_of(import_file(sample_store, tmp_path / "status.geojson", "plots")) == (0, 1, 9)

    moved = gpd.read_file(tmp_path / "status.geojson")
    moved.loc[5, "geometry"] = shapely.affinity.translate(moved.geometry[5], xoff=1e-5)
    moved.to_file(tmp_path / "moved.geojson")
    assert counts_of(import_file(sample_store, tmp_path / "moved.geojson", "plots")) == (0, 1, 9)

    one_new = plots_file(tmp_path / "new.geojson", sample_layers, ["T999"], offset=50)
    assert counts_of(import_file(sample_store, one_new, "plots")) == (1, 0, 0)

    plots = sample_store.read_layer("plots").set_index("plot_id")
    assert len(plots) == 300 + 11
    assert (plots.loc[plots.index.str.startswith("L"), "source"] == "sample").sum() == 300
    assert plots.loc["T003", "status"] == "in_progress"
    assert plots.loc["T003", "source_file"] == "status.geojson"
    assert plots.loc["T005", "source_file"] == "moved.geojson"
    assert plots.loc["T005", "geometry"].centroid.x == pytest.approx(moved.geometry[5].centroid.x, abs=1e-9)
    assert plots.loc["T004", "source_file"] == "first.geojson"  # unchanged rows keep their provenance
    assert plots.loc["T001", "name_zh"] == "测试地块1号（东区）"
    assert pd.isna(plots.loc["T001", "reclaimed_year"]) and plots.loc["T000", "reclaimed_year"] == 2023
    assert sample_store.import_log()["file"].tolist() == [
        "init (sample)", "first.geojson", "status.geojson", "moved.geojson", "new.geojson"]


def test_a_rejected_file_is_not_imported(sample_store, sample_layers, tmp_path):
    before = snapshot(sample_store.path)
    bad = plots_file(tmp_path / "bad.geojson", sample_layers, ["X1", "X2", "X3"])
    frame = gpd.read_file(bad)
    frame.loc[1, "状态"] = "也许"
    frame.to_file(bad)
    with pytest.raises(ValidationError) as caught:
        import_file(sample_store, bad, "plots")
    (problem,) = caught.value.errors
    assert (problem.row, problem.column, problem.value) == (2, "status", "也许")
    assert snapshot(sample_store.path) == before


def test_extra_columns_differing_only_in_case_are_one_column(sample_store, sample_layers, tmp_path):
    """A GeoPackage cannot hold 'Remark' and 'remark'; a later file's 'remark' fills the stored 'Remark'."""
    ids = ["T1", "T2"]
    first = gpd.read_file(plots_file(tmp_path / "a.geojson", sample_layers, ids)).assign(Remark=["甲", "乙"])
    first.to_file(tmp_path / "a.geojson")
    import_file(sample_store, tmp_path / "a.geojson", "plots")
    second = first.drop(columns="Remark").assign(remark=["丙", "乙"])
    second.to_file(tmp_path / "b.geojson")
    assert counts_of(import_file(sample_store, tmp_path / "b.geojson", "plots")) == (0, 1, 1)
    plots = sample_store.read_layer("plots").set_index("plot_id")
    assert "remark" not in plots.columns
    assert plots.loc[ids, "Remark"].tolist() == ["丙", "乙"]


# -- opening -----------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["postgresql://planner:s3cret@db.example:5432/spaces", "postgres://db.example/spaces"])
def test_a_postgis_url_is_refused_clearly(url):
    with pytest.raises(StoreError, match="PostGIS") as caught:
        open_store(url)
    assert ".gpkg" in str(caught.value)
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize("operation", ["read_all", "read_layer", "import_log", "upsert"])
def test_a_missing_store_says_to_run_init(tmp_store, sample_layers, tmp_path, operation):
    store = open_store(str(tmp_store))
    calls = {
        "read_all": store.read_all,
        "read_layer": lambda: store.read_layer("plots"),
        "import_log": store.import_log,
        "upsert": lambda: import_file(store, plots_file(tmp_path / "p.geojson", sample_layers, ["T1"]), "plots"),
    }
    with pytest.raises(StoreError, match=r"python -m spaces init") as caught:
        calls[operation]()
    assert str(tmp_store) in str(caught.value)
    assert not tmp_store.exists()
    assert store.meta() == {}


def test_the_store_location_comes_from_the_environment(tmp_store, monkeypatch):
    monkeypatch.setenv("SPACES_STORE", str(tmp_store))
    assert open_store().location == str(tmp_store)
    assert open_store(str(tmp_store.with_name("other.gpkg"))).location == str(tmp_store.with_name("other.gpkg"))
