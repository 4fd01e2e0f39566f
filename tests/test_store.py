"""Tests for spaces.store.geopackage: the GeoPackage layer store, its upserts and its atomic, serialised writes."""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import shutil
import sqlite3
import stat
import threading
import time
from contextlib import closing, contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from spaces.errors import StoreError, ValidationError
from spaces.intake.validation import validate_file
from spaces.reference.schema import PROVENANCE_COLUMNS, load_schemas
from spaces.sample import default_allocation_layer
from spaces.store import GeoPackageStore, geopackage, layer_io, open_store, sql
from spaces.store.history import FID_COLUMN, load_undo

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG" in the SQLite header, per the GeoPackage standard
STORE_GEOMETRY_TYPES = {"plots": "MULTIPOLYGON", "factories": "POINT", "parks": "MULTIPOLYGON",
                        "communities": "GEOMETRY"}
CHILD_TIMEOUT = 90


# -- helpers -----------------------------------------------------------------------------------
def snapshot(path: Path) -> tuple:
    """What must not change when nothing is written: content, inode, size and modification time."""
    status = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), status.st_ino, status.st_size, status.st_mtime_ns


def strays(store: Path) -> list[str]:
    """Files beside the store other than the store and its lock file (temporaries, journals)."""
    return sorted(p.name for p in store.parent.iterdir() if p.name not in (store.name, store.name + ".lock"))


def assert_valid_geopackage(path: Path) -> None:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        assert connection.execute("PRAGMA application_id").fetchone()[0] == GPKG_APPLICATION_ID
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = dict(connection.execute("SELECT table_name, geometry_type_name FROM gpkg_geometry_columns"))
    assert tables == STORE_GEOMETRY_TYPES


def wait_for(path: Path, process, *, timeout: float = CHILD_TIMEOUT) -> None:
    """Wait until the child process creates ``path``; fail with its stderr if it dies first."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(f"child exited with {process.returncode}: {process.communicate()[1].decode()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"child did not create {path.name} within {timeout} s")
        time.sleep(0.01)


def plots_file(path: Path, sample_layers, ids: list[str], *, offset: int = 0, crs: str | None = None) -> Path:
    """A planner's plots file: ids ``ids``, Chinese names and statuses, some plots without a year.

    Geometries are borrowed from the sample plots (rows ``offset`` on), so they lie in Ningbo.
    """
    geometries = sample_layers["plots"].geometry.iloc[offset:offset + len(ids)].to_numpy()
    reclaimed = np.arange(len(ids)) % 2 == 0
    frame = gpd.GeoDataFrame({
        "地块编号": ids,
        "名称": [f"测试地块{n}号（东区）" for n in range(len(ids))],
        "状态": np.where(reclaimed, "已盘活", "待处置"),
        "盘活年份": pd.array([2023 if r else None for r in reclaimed], dtype="Int64"),
    }, geometry=geometries, crs="EPSG:4326")
    if crs:
        frame = frame.to_crs(crs)
    pyogrio.write_dataframe(frame, path)
    return path


def import_file(store: GeoPackageStore, path: Path, layer: str):
    """What ``python -m spaces import`` does: validate, then upsert."""
    return store.upsert(validate_file(path, layer))


def counts_of(result) -> tuple[int, int, int]:
    return result.added, result.updated, result.unchanged


def as_multi(geometries: np.ndarray) -> np.ndarray:
    single = shapely.get_type_id(geometries) == 3
    out = geometries.copy()
    out[single] = [shapely.MultiPolygon([g]) for g in geometries[single]]
    return out


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture
def empty_store(tmp_store: Path) -> GeoPackageStore:
    """A store made as ``init --empty`` makes it: empty layers and the default allocations."""
    store = GeoPackageStore(tmp_store)
    store.initialise({"allocations": default_allocation_layer()}, dataset="empty")
    return store


@pytest.fixture
def sample_store(tmp_store: Path, sample_layers) -> GeoPackageStore:
    """A store holding the 300-plot sample: imports land next to rows that must be kept."""
    store = GeoPackageStore(tmp_store)
    store.initialise(sample_layers, dataset="sample")
    return store


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory, shared_sample_layers):
    """The sample layers as written, and as ``read_all`` reads them back from a fresh store."""
    store = GeoPackageStore(tmp_path_factory.mktemp("round-trip") / "spaces.gpkg")
    store.initialise(shared_sample_layers, dataset="sample")
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
    assert set(layers) == set(load_schemas()) | {"import_log", "spaces_meta"}
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
def _factories_csv(path: Path, sample_layers) -> Path:
    factories = sample_layers["factories"].iloc[:12]
    pd.DataFrame({
        "工厂编号": [f"G{n:03d}" for n in range(12)],
        "企业名称": [f"宁波测试{n}号绿色工厂" for n in range(12)],
        "级别": ["国家级", "市级", "省级"] * 4,
        "认定年份": [2020 + n % 6 for n in range(12)],
        "行业": "汽车及零部件",
        "经度": factories.geometry.x.to_numpy(),
        "纬度": factories.geometry.y.to_numpy(),
    }).to_csv(path, index=False)
    return path


def _indicators_csv(path: Path, sample_layers) -> Path:
    indicators = sample_layers["indicators"].drop(columns=list(PROVENANCE_COLUMNS))
    # Revised 2025 figures and new 2026 rows, with gaps (nullable ints) and the city row.
    revised = indicators[indicators["year"] == 2025].assign(tax_per_mu=lambda f: f["tax_per_mu"] + 1.5)
    pd.concat([revised, revised.assign(year=2026)]).to_csv(path, index=False)
    return path


IMPORT_FILES = {
    "plots as GeoJSON": ("plots", lambda p, s: plots_file(p / "plots.geojson", s, [f"T{n:03d}" for n in range(20)])),
    "plots as GeoPackage in EPSG:4549": (
        "plots", lambda p, s: plots_file(p / "plots.gpkg", s, [f"T{n:03d}" for n in range(20)], crs="EPSG:4549")),
    "factories as CSV with lon/lat": ("factories", lambda p, s: _factories_csv(p / "factories.csv", s)),
    "indicators as CSV (two-column id)": ("indicators", lambda p, s: _indicators_csv(p / "indicators.csv", s)),
}


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


def test_writes_keep_the_permissions_of_a_shared_store(sample_store, sample_layers, tmp_path):
    os.chmod(sample_store.path, 0o664)
    import_file(sample_store, plots_file(tmp_path / "p.geojson", sample_layers, ["T1"]), "plots")
    assert stat.S_IMODE(sample_store.path.stat().st_mode) == 0o664
    os.chmod(sample_store.path, 0o660)
    sample_store.initialise(sample_layers, dataset="sample")
    assert stat.S_IMODE(sample_store.path.stat().st_mode) == 0o660


# -- failed writes -----------------------------------------------------------------------------
class InjectedFailure(RuntimeError):
    """Raised by a patched writer in the middle of a write."""


def _fail_after_layer(monkeypatch):
    """The layer is written into the temporary copy; the import log write then fails."""
    def fail(*_args, **_kwargs):
        raise InjectedFailure("disk full while writing the import log")
    monkeypatch.setattr(layer_io, "write_table", fail)


def _fail_inside_layer(monkeypatch):
    """A layer is half written (its first rows) into the temporary copy, or half its rows appended to it
    (an import made in place, after the replaced rows were deleted), then the write fails."""
    original = layer_io.write_rows

    def half_then_fail(path, name, frame, schema, **options):
        original(path, name, frame.iloc[: max(1, len(frame) // 2)], schema, **options)
        raise InjectedFailure(f"killed while writing {name}")
    monkeypatch.setattr(layer_io, "write_rows", half_then_fail)


def _fail_keeping_undo(monkeypatch):
    """Row and log are changed in the copy; recording (or forgetting) what undo needs then fails."""
    def fail(*_args, **_kwargs):
        raise InjectedFailure("killed while recording the undo")
    monkeypatch.setattr(geopackage, "remember_undo", fail)
    monkeypatch.setattr(geopackage, "forget_undo", fail)


def _fail_deleting(monkeypatch):
    """An import made in place: half the rows it replaces are deleted from the copy, then SQLite fails."""
    original = sql.delete_rows

    def half_then_fail(db, table, fids):
        original(db, table, fids[: len(fids) // 2])
        raise sqlite3.OperationalError("disk I/O error")
    monkeypatch.setattr(sql, "delete_rows", half_then_fail)


def _revising_and_adding(path: Path, sample_layers, *, revised: int, new: int) -> Path:
    """A plots file with new names for ``revised`` sample plots from the middle of the layer (the import
    replaces them) and ``new`` plots the store does not have yet."""
    plots = sample_layers["plots"].iloc[100:100 + revised + new].drop(columns=[*PROVENANCE_COLUMNS, "area_mu"])
    plots["plot_id"] = [*plots["plot_id"].iloc[:revised], *(f"T{n:03d}" for n in range(new))]
    plots.assign(name_zh=[f"复核地块{n}号" for n in range(len(plots))]).to_file(path)
    return path


@pytest.mark.parametrize("inject", [_fail_after_layer, _fail_inside_layer, _fail_deleting, _fail_keeping_undo],
                         ids=["after-layer", "inside-layer", "deleting", "undo-record"])
@pytest.mark.parametrize("in_place", [True, False], ids=["in-place", "rewriting"])
@pytest.mark.parametrize("operation", ["upsert", "initialise"])
def test_a_write_failing_midway_leaves_the_store_untouched(sample_store, sample_layers, tmp_path, monkeypatch,
                                                           inject, in_place, operation):
    if (operation == "initialise" or not in_place) and inject is _fail_deleting:
        pytest.skip("only an import made in place deletes rows")
    if operation == "initialise" and (inject is _fail_keeping_undo or not in_place):
        pytest.skip("initialising records nothing to undo, and always writes every layer")
    store = GeoPackageStore(sample_store.path, in_place=in_place)
    intake = validate_file(_revising_and_adding(tmp_path / "plots.geojson", sample_layers, revised=5, new=15),
                           "plots")
    before, layers = snapshot(store.path), store.read_all()
    inject(monkeypatch)

    with pytest.raises((InjectedFailure, sqlite3.OperationalError)):
        if operation == "upsert":
            store.upsert(intake)
        else:
            store.initialise({"allocations": default_allocation_layer()}, dataset="empty")

    assert snapshot(store.path) == before
    assert strays(store.path) == []
    assert_layers_identical(layers, store.read_all())
    monkeypatch.undo()
    # The lock was released and nothing of the failed write was kept: the import now changes every row.
    assert counts_of(store.upsert(intake)) == (15, 5, 0)
    assert len(store.read_layer("plots")) == 315


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


# -- several processes -------------------------------------------------------------------------
CONCURRENT_IMPORT = """
import sys, time
from pathlib import Path
from spaces.intake.validation import validate_file
from spaces.store import open_store
file, ready, go = sys.argv[1:4]
intake = validate_file(file, "plots")
store = open_store()
Path(ready).touch()
deadline = time.monotonic() + 60
while not Path(go).exists():
    if time.monotonic() > deadline:
        sys.exit("never told to go")
    time.sleep(0.001)
print(store.upsert(intake).added)
"""


def test_two_processes_importing_at_once_are_serialised(sample_store, sample_layers, tmp_path, spawn_python):
    batches = {"east": [f"E{n:03d}" for n in range(40)], "west": [f"W{n:03d}" for n in range(40)]}
    go = tmp_path / "go"
    children = {}
    for offset, (name, ids) in enumerate(batches.items()):
        path = plots_file(tmp_path / f"{name}.geojson", sample_layers, ids, offset=offset * 40)
        children[name] = spawn_python(CONCURRENT_IMPORT, path, tmp_path / f"{name}.ready", go,
                                      store=sample_store.path)
    for name, child in children.items():
        wait_for(tmp_path / f"{name}.ready", child)
    go.touch()  # both have read their file: they now write at the same moment
    for child in children.values():
        out, err = child.communicate(timeout=CHILD_TIMEOUT)
        assert child.returncode == 0, err.decode()
        assert out.decode().strip() == "40"

    plots = sample_store.read_layer("plots")
    assert len(plots) == 300 + 80
    assert set(batches["east"]) | set(batches["west"]) <= set(plots["plot_id"])
    log = sample_store.import_log()
    assert sorted(log["file"]) == ["east.geojson", "init (sample)", "west.geojson"]
    assert_valid_geopackage(sample_store.path)
    assert strays(sample_store.path) == []


REWRITER = """
import sys
from pathlib import Path
from spaces.sample import build_sample
from spaces.store import open_store
started, stop, plots = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
full = build_sample(plots=plots)
small = {name: frame.iloc[: len(frame) // 3] for name, frame in full.items()}
store = open_store()
for round_ in range(1000):
    if stop.exists():
        break
    store.initialise(small if round_ % 2 == 0 else full, dataset="small" if round_ % 2 == 0 else "full")
    started.touch()
"""


@pytest.mark.parametrize(("seconds_per_layer", "reads"), [(0.0, 25), (0.05, 2)],
                         ids=["fast-reader", "reader-slower-than-writes"])
def test_a_reader_never_sees_a_half_written_store(sample_store, sample_layers, tmp_path, spawn_python, monkeypatch,
                                                  seconds_per_layer, reads):
    full = tuple(len(sample_layers[name]) for name in load_schemas())
    small = tuple(len(sample_layers[name]) // 3 for name in load_schemas())
    if seconds_per_layer:
        # A big store: reading every layer takes longer than the writer takes to replace the file,
        # so a reader that only retried would clash with a write every time.
        read_layer = GeoPackageStore._read_layer_from

        def slow_read(self, path, layer):
            frame = read_layer(self, path, layer)
            time.sleep(seconds_per_layer)
            return frame
        monkeypatch.setattr(GeoPackageStore, "_read_layer_from", slow_read)
    started, stop = tmp_path / "started", tmp_path / "stop"
    writer = spawn_python(REWRITER, started, stop, len(sample_layers["plots"]), store=sample_store.path)
    wait_for(started, writer)
    try:
        seen = []
        for _ in range(reads):
            layers = sample_store.read_all()
            seen.append(tuple(len(layers[name]) for name in load_schemas()))
        assert writer.poll() is None, "the writer should still be rewriting the store"
    finally:
        stop.touch()
        _out, err = writer.communicate(timeout=CHILD_TIMEOUT)
    assert writer.returncode == 0, err.decode()
    assert set(seen) <= {full, small}
    if not seconds_per_layer:
        assert set(seen) == {full, small}, "the reader should have overlapped several rewrites"


CRASHING_IMPORT = """
import sys, time
from pathlib import Path
import spaces.store.layer_io as layer_io
from spaces.intake.validation import validate_file
from spaces.store import open_store
file, inside = sys.argv[1:3]
write_table = layer_io.write_table

def write_then_hang(*args, **kwargs):
    write_table(*args, **kwargs)
    Path(inside).touch()
    time.sleep(600)

layer_io.write_table = write_then_hang
open_store().upsert(validate_file(file, "plots"))
"""


def test_a_writer_killed_midway_loses_nothing_and_its_leftovers_go_later(sample_store, sample_layers, tmp_path,
                                                                       spawn_python):
    path = plots_file(tmp_path / "plots.geojson", sample_layers, [f"K{n:03d}" for n in range(30)])
    before = snapshot(sample_store.path)
    writer = spawn_python(CRASHING_IMPORT, path, tmp_path / "inside", store=sample_store.path)
    wait_for(tmp_path / "inside", writer)
    writer.kill()  # SIGKILL: no cleanup code runs
    writer.communicate(timeout=CHILD_TIMEOUT)

    assert snapshot(sample_store.path) == before
    assert len(sample_store.read_all()["plots"]) == 300
    killed = [name for name in strays(sample_store.path) if name.endswith(".tmp.gpkg")]
    assert len(killed) == 1, strays(sample_store.path)

    folder = sample_store.path.parent
    stale = [folder / killed[0], folder / f".spaces.{'a' * 32}.tmp.gpkg-journal"]
    young = folder / f".spaces.{'b' * 32}.tmp.gpkg"
    other_store = folder / f".spaces.v2.{'c' * 32}.tmp.gpkg"
    for leftover in (stale[1], young, other_store):
        leftover.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    for leftover in (*stale, other_store):
        os.utime(leftover, (two_hours_ago, two_hours_ago))

    # The next write takes the lock (the kernel released the dead writer's) and sweeps old leftovers.
    assert counts_of(import_file(sample_store, path, "plots")) == (30, 0, 0)
    assert strays(sample_store.path) == sorted([young.name, other_store.name])
    assert len(sample_store.read_layer("plots")) == 330


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


# -- history and undo --------------------------------------------------------------------------
def assert_layers_identical(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
    """Same layers, rows, order, columns, dtypes and values, and byte-for-byte the same geometry (WKB)."""
    assert list(before) == list(after)
    for name in before:
        old, new = before[name], after[name]
        pd.testing.assert_frame_equal(pd.DataFrame(old.drop(columns="geometry", errors="ignore")),
                                      pd.DataFrame(new.drop(columns="geometry", errors="ignore")), obj=name)
        if "geometry" in old.columns:
            assert shapely.to_wkb(old.geometry.to_numpy()).tolist() == shapely.to_wkb(new.geometry.to_numpy()).tolist()


def undo_rows(store: GeoPackageStore) -> list[tuple]:
    """``(change_id, layer, mode, replaced rows, added ids)`` of what the store keeps for undo."""
    with sqlite3.connect(store.path) as connection:
        try:
            found = connection.execute("SELECT change_id, layer, mode, rows, added FROM undo_history "
                                       "ORDER BY change_id").fetchall()
        except sqlite3.OperationalError:
            return []
    return [(change, layer, mode, len(pd.read_parquet(io.BytesIO(rows))), json.loads(added))
            for change, layer, mode, rows, added in found]


def _revised_sample_plots(path: Path, sample_layers) -> Path:
    """Ten sample plots as a 区县 sends them back: new statuses, one moved, a remark column, two new plots.

    The revised rows sit in the middle of the stored layer, so undo must put them back in their places.
    """
    plots = sample_layers["plots"].iloc[100:112].drop(columns=[*PROVENANCE_COLUMNS, "area_mu"]).copy()
    plots["plot_id"] = [*plots["plot_id"].iloc[:10], "N001", "N002"]
    plots["status"] = "处置中"
    plots["reclaimed_year"] = pd.array([None] * 12, dtype="Int64")
    plots.loc[plots.index[3], "geometry"] = shapely.affinity.translate(plots.geometry.iloc[3], xoff=2e-5)
    plots["备注"] = [f"复核{n}" for n in range(12)]
    pyogrio.write_dataframe(plots, path)
    return path


UNDO_FILES = {**IMPORT_FILES, "plots revising sample rows": ("plots", lambda p, s: _revised_sample_plots(
    p / "revised.geojson", s))}


@pytest.mark.parametrize("kind", list(UNDO_FILES))
def test_undo_restores_every_layer_exactly(sample_store, sample_layers, tmp_path, kind):
    layer, make = UNDO_FILES[kind]
    path = make(tmp_path, sample_layers)
    before = sample_store.read_all()
    counts = import_file(sample_store, path, layer)
    assert counts.changed
    assert not sample_store.read_all()[layer].equals(before[layer])

    undone = sample_store.undo_last()

    assert_layers_identical(before, sample_store.read_all())
    assert (undone.file, undone.layer, undone.added, undone.updated) == (path.name, layer, counts.added, counts.updated)
    assert undone.undone and undone.undone_at
    log = sample_store.import_log()
    assert log["file"].tolist() == ["init (sample)", path.name]
    assert log["undone_at"].tolist() == [None, undone.undone_at]
    assert sample_store.next_undo() is None
    assert undo_rows(sample_store) == []
    assert_valid_geopackage(sample_store.path)
    assert strays(sample_store.path) == []


def test_each_change_is_logged_with_id_file_layer_crs_counts_and_time(sample_store, sample_layers, tmp_path):
    first = plots_file(tmp_path / "东区.gpkg", sample_layers, [f"T{n:03d}" for n in range(5)], crs="EPSG:4549")
    import_file(sample_store, first, "plots")
    import_file(sample_store, _revised_sample_plots(tmp_path / "revised.geojson", sample_layers), "plots")

    log = sample_store.import_log()

    assert list(log.columns) == ["id", "time", "file", "layer", "crs", "added", "updated", "unchanged", "detail",
                                 "undone_at"]
    assert log["id"].tolist() == [1, 2, 3]
    assert log[["file", "layer", "crs"]].values.tolist() == [
        ["init (sample)", "*", "EPSG:4326"], ["东区.gpkg", "plots", "EPSG:4549"], ["revised.geojson", "plots", "EPSG:4326"]]
    assert log[["added", "updated", "unchanged"]].values.tolist() == [[len(sample_layers["plots"]) + sum(
        len(f) for n, f in sample_layers.items() if n != "plots"), 0, 0], [5, 0, 0], [2, 10, 0]]
    assert all(pd.Timestamp(t).tzinfo is not None for t in log["time"])
    assert log["undone_at"].isna().all()
    entry = sample_store.next_undo()
    assert (entry.id, entry.file, entry.added, entry.updated, entry.undone) == (3, "revised.geojson", 2, 10, False)


def test_undo_keeps_only_the_rows_a_change_replaced(sample_store, sample_layers, tmp_path):
    """At a million plots a copy of the layer per change would not do: only replaced rows and new ids are kept."""
    import_file(sample_store, _revised_sample_plots(tmp_path / "revised.geojson", sample_layers), "plots")
    ((change, layer, mode, replaced, added),) = undo_rows(sample_store)
    assert (change, layer, mode, replaced, added) == (2, "plots", "rows", 10, ["N001", "N002"])


def test_undoing_again_undoes_the_change_before_not_the_undo(sample_store, sample_layers, tmp_path):
    """There is no redo: a second undo goes one more change back (importing the file again redoes it)."""
    initial = sample_store.read_all()
    import_file(sample_store, plots_file(tmp_path / "a.geojson", sample_layers, [f"T{n:03d}" for n in range(20)]),
                "plots")
    after_first = sample_store.read_all()
    import_file(sample_store, _revised_sample_plots(tmp_path / "b.geojson", sample_layers), "plots")

    assert sample_store.undo_last().file == "b.geojson"
    assert_layers_identical(after_first, sample_store.read_all())
    assert sample_store.undo_last().file == "a.geojson"
    assert_layers_identical(initial, sample_store.read_all())
    before = snapshot(sample_store.path)
    with pytest.raises(StoreError, match="nothing to undo"):
        sample_store.undo_last()
    assert snapshot(sample_store.path) == before
    assert sample_store.import_log()["undone_at"].notna().tolist() == [False, True, True]


def test_nothing_to_undo_after_init_and_init_clears_history(sample_store, sample_layers, tmp_path):
    before = snapshot(sample_store.path)
    with pytest.raises(StoreError, match=r"spaces\.gpkg: nothing to undo: no import or status update"):
        sample_store.undo_last()
    assert snapshot(sample_store.path) == before
    assert sample_store.next_undo() is None

    import_file(sample_store, plots_file(tmp_path / "a.geojson", sample_layers, ["T1"]), "plots")
    assert sample_store.next_undo() is not None
    sample_store.initialise(sample_layers, dataset="sample")

    assert sample_store.import_log()["file"].tolist() == ["init (sample)"]
    assert sample_store.next_undo() is None
    assert undo_rows(sample_store) == []
    with pytest.raises(StoreError, match="nothing to undo"):
        sample_store.undo_last()


def test_expected_id_keeps_a_button_from_undoing_a_newer_change(sample_store, sample_layers, tmp_path):
    """A planner clicks 'undo #2' while a colleague's import (#3) lands: nothing is undone."""
    import_file(sample_store, plots_file(tmp_path / "a.geojson", sample_layers, ["T1"]), "plots")
    import_file(sample_store, plots_file(tmp_path / "b.geojson", sample_layers, ["T2"], offset=5), "plots")
    before = snapshot(sample_store.path)
    with pytest.raises(StoreError, match=r"the last change is now #3 \(b\.geojson\), not #2; nothing was undone"):
        sample_store.undo_last(expected_id=2)
    assert snapshot(sample_store.path) == before
    assert sample_store.undo_last(expected_id=3).id == 3


def test_a_change_that_retypes_a_column_is_undone_from_a_copy_of_the_layer(sample_store, sample_layers, tmp_path):
    """A column of numbers that a later file fills with text changes rows the file never named;
    only a copy of the layer can put those back, so that change keeps one."""
    ids = [f"T{n:03d}" for n in range(6)]
    numbers = gpd.read_file(plots_file(tmp_path / "numbers.geojson", sample_layers, ids))
    numbers["floors"] = range(6)
    numbers.to_file(tmp_path / "numbers.geojson")
    import_file(sample_store, tmp_path / "numbers.geojson", "plots")
    after_numbers = sample_store.read_all()
    assert after_numbers["plots"]["floors"].dtype == "float64"  # the sample's plots have none: NaN
    words = numbers.iloc[:2].assign(floors=["三层", "四层"])
    words.to_file(tmp_path / "words.geojson")
    import_file(sample_store, tmp_path / "words.geojson", "plots")
    floors = sample_store.read_layer("plots").set_index("plot_id")["floors"]
    assert floors.dtype == object and floors["T005"] == "5.0"  # a row the second file did not name
    assert [(mode, replaced) for _c, _l, mode, replaced, _a in undo_rows(sample_store)] == [("rows", 0), ("layer", 306)]

    sample_store.undo_last()
    assert_layers_identical(after_numbers, sample_store.read_all())
    sample_store.undo_last()
    assert "floors" not in sample_store.read_layer("plots").columns


def test_old_changes_can_no_longer_be_undone(sample_store, sample_layers, tmp_path, monkeypatch):
    monkeypatch.setattr("spaces.store.history.UNDO_DEPTH", 2)  # remember_undo keeps this many
    for n, name in enumerate(("a", "b", "c")):
        import_file(sample_store, plots_file(tmp_path / f"{name}.geojson", sample_layers, [f"T{n}"], offset=n), "plots")
    assert [change for change, *_ in undo_rows(sample_store)] == [3, 4]
    sample_store.undo_last()
    sample_store.undo_last()
    assert sample_store.next_undo() is None
    with pytest.raises(StoreError, match=r"the last change #2 \(a\.geojson, .*\) can no longer be undone: "
                                         r"only the last 2 changes"):
        sample_store.undo_last()


@pytest.mark.parametrize("inject", [_fail_after_layer, _fail_inside_layer], ids=["after-layer", "inside-layer"])
def test_an_undo_failing_midway_leaves_the_store_untouched(sample_store, sample_layers, tmp_path, monkeypatch, inject):
    import_file(sample_store, _revised_sample_plots(tmp_path / "revised.geojson", sample_layers), "plots")
    before = snapshot(sample_store.path)
    inject(monkeypatch)
    with pytest.raises(InjectedFailure):
        sample_store.undo_last()
    assert snapshot(sample_store.path) == before
    assert strays(sample_store.path) == []
    monkeypatch.undo()
    assert sample_store.undo_last().file == "revised.geojson"
    assert len(sample_store.read_layer("plots")) == 300


def test_undo_waits_for_a_writer_holding_the_lock(sample_store, sample_layers, tmp_path):
    """Undo is a write like any other: it queues behind the lock an import (CLI or app) holds."""
    import_file(sample_store, plots_file(tmp_path / "a.geojson", sample_layers, ["T1"]), "plots")
    before = snapshot(sample_store.path)
    done = threading.Event()
    worker = threading.Thread(target=lambda: (sample_store.undo_last(), done.set()))
    with open(sample_store.path.with_name(sample_store.path.name + ".lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # what another process's import holds while it writes
        worker.start()
        time.sleep(0.5)
        assert not done.is_set()
        assert snapshot(sample_store.path) == before
        fcntl.flock(lock, fcntl.LOCK_UN)
    worker.join(timeout=CHILD_TIMEOUT)
    assert done.is_set()
    assert len(sample_store.read_layer("plots")) == 300


def test_a_store_from_before_the_history_gets_ids_and_undo(sample_store, sample_layers, tmp_path):
    """Stores written before changes had ids keep working: their log is numbered in order."""
    old_log = sample_store.import_log()[["time", "file", "layer", "crs", "added", "updated", "unchanged"]]
    pyogrio.write_dataframe(old_log, sample_store.path, layer="import_log", driver="GPKG")
    assert sample_store.import_log()[["id", "file", "undone_at"]].values.tolist() == [[1, "init (sample)", None]]
    before = sample_store.read_all()
    import_file(sample_store, plots_file(tmp_path / "a.geojson", sample_layers, ["T1"]), "plots")
    assert sample_store.undo_last().id == 2
    assert_layers_identical(before, sample_store.read_all())


def test_the_undo_table_is_a_registered_geopackage_table(sample_store, sample_layers, tmp_path):
    import_file(sample_store, plots_file(tmp_path / "a.geojson", sample_layers, ["T1"]), "plots")
    assert_valid_geopackage(sample_store.path)
    with sqlite3.connect(sample_store.path) as connection:
        kinds = dict(connection.execute("SELECT table_name, data_type FROM gpkg_contents"))
    assert kinds["undo_history"] == "attributes"
    assert pyogrio.read_dataframe(sample_store.path, layer="undo_history", read_geometry=False)["change_id"].tolist() == [2]


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


# -- changes made in place -----------------------------------------------------------------------
FIXED_NOW = "2026-03-01T08:00:00+00:00"


@pytest.fixture
def twins(sample_store, tmp_path, monkeypatch) -> tuple[GeoPackageStore, GeoPackageStore]:
    """The sample store, and a byte copy of it that rewrites the whole layer for every change (as the
    store did before it changed rows in place). The same change to both must leave the same store;
    the clock is stopped so both stamp the same ``imported_at``."""
    monkeypatch.setattr(geopackage, "_now", lambda: FIXED_NOW)
    folder = tmp_path / "rewriting"
    folder.mkdir()
    shutil.copyfile(sample_store.path, folder / "spaces.gpkg")
    return sample_store, GeoPackageStore(folder / "spaces.gpkg", in_place=False)


@contextmanager
def rewrites_forbidden(monkeypatch):
    """Fails the test if the block rewrites a layer: the change must be made in place."""
    def refuse(path, name, *_args, **_kwargs):
        raise AssertionError(f"layer {name!r} was rewritten")
    with monkeypatch.context() as patched:
        patched.setattr(layer_io, "write_layer", refuse)
        yield


@contextmanager
def whole_layer_reads_recorded(monkeypatch):
    """The names of the layers the block reads whole (each read still happens)."""
    read, read_layer = [], GeoPackageStore._read_layer_from
    with monkeypatch.context() as patched:
        patched.setattr(GeoPackageStore, "_read_layer_from",
                        lambda self, path, layer: (read.append(layer), read_layer(self, path, layer))[1])
        yield read


def record_rewrites(monkeypatch) -> list[str]:
    """The names of the layers rewritten from now on (each rewrite still happens)."""
    rewritten = []
    write_layer = layer_io.write_layer
    monkeypatch.setattr(layer_io, "write_layer", lambda *args: (rewritten.append(args[1]), write_layer(*args)))
    return rewritten


def change(store: GeoPackageStore, layer: str, row_id, values: dict):
    return store.update_row(layer, row_id, values, file="app: status update", source="app", detail="a test change")


HOSTILE_TEXT = "'\"><script>alert('东区')</script>; DROP TABLE plots;--"


def _row(layers, layer: str, n: int) -> pd.Series:
    return layers[layer].iloc[n]


# Each: layers -> (layer, row id, values that differ from the row's). Rows in the middle of their layer.
IN_PLACE_CHANGES = {
    "plot status and year": lambda ls: ("plots", _row(ls, "plots", 150)["plot_id"],
                                         {"status": "reclaimed", "reclaimed_year": 2024}),
    "plot name with quotes, HTML and Chinese": lambda ls: ("plots", _row(ls, "plots", 151)["plot_id"],
                                                           {"name_zh": HOSTILE_TEXT}),
    "plot year emptied": lambda ls: ("plots", ls["plots"].dropna(subset="reclaimed_year")["plot_id"].iloc[20],
                                     {"status": "pending", "reclaimed_year": None}),
    "park flag and missing year": lambda ls: ("parks", _row(ls, "parks", 7)["park_id"], {
        "wanmu_qianyi": not _row(ls, "parks", 7)["wanmu_qianyi"], "green_park_year": 2023, "area_mu": 1.5e-3}),
    "factory (a point)": lambda ls: ("factories", _row(ls, "factories", 500)["factory_id"],
                                     {"level": "municipal", "certified_year": 2019}),
    "community (points and polygons)": lambda ls: ("communities", _row(ls, "communities", 30)["community_id"],
                                                   {"park_id": None, "established_year": 2025}),
    "indicator (district and year)": lambda ls: ("indicators", (_row(ls, "indicators", 20)["district_adcode"],
                                                                str(_row(ls, "indicators", 20)["year"])),
                                                 {"tax_per_mu": 12.345678901234, "etdz_national_rank": 3}),
    "allocation (district and target)": lambda ls: ("allocations", tuple(_row(ls, "allocations", 50)[
        ["district_adcode", "target_key"]]), {"target": 99.5, "basis": "区县调整"}),
}


def assert_same_undo(first: GeoPackageStore, second: GeoPackageStore, change_id: int) -> None:
    a, b = load_undo(first.path, change_id), load_undo(second.path, change_id)
    assert (a.layer, a.mode, a.row_count, a.added) == (b.layer, b.mode, b.row_count, b.added)
    # The feature ids differ: a rewrite numbers rows without gaps.
    assert_layers_identical({a.layer: a.rows.drop(columns=FID_COLUMN)}, {b.layer: b.rows.drop(columns=FID_COLUMN)})


def assert_rtree_matches_features(path: Path) -> None:
    """What QGIS relies on: one rtree entry per feature with a geometry, and the feature counts GDAL keeps."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        counts = dict(connection.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents"))
        for layer in STORE_GEOMETRY_TYPES:
            features = connection.execute(f"SELECT count(*) FROM {layer} WHERE geom IS NOT NULL").fetchone()[0]
            indexed = connection.execute(f"SELECT count(*) FROM rtree_{layer}_geom").fetchone()[0]
            missing = connection.execute(f"SELECT count(*) FROM {layer} WHERE geom IS NOT NULL AND fid NOT IN "
                                         f"(SELECT id FROM rtree_{layer}_geom)").fetchone()[0]
            assert (indexed, missing) == (features, 0), layer
            assert counts[layer] == connection.execute(f"SELECT count(*) FROM {layer}").fetchone()[0], layer
    for layer in load_schemas():
        assert pyogrio.read_info(path, layer=layer)["features"] == counts[layer]


@pytest.mark.parametrize("case", list(IN_PLACE_CHANGES))
def test_a_change_in_place_leaves_what_a_rewrite_leaves(twins, monkeypatch, case):
    in_place, rewriting = twins
    before = in_place.read_all()
    layer, row_id, values = IN_PLACE_CHANGES[case](before)

    with rewrites_forbidden(monkeypatch):
        counts = change(in_place, layer, row_id, values)
    assert counts_of(counts) == counts_of(change(rewriting, layer, row_id, values)) == (0, 1, 0)

    after = in_place.read_all()
    assert not after[layer].equals(before[layer])
    assert_layers_identical(rewriting.read_all(), after)
    pd.testing.assert_frame_equal(rewriting.import_log(), in_place.import_log())
    assert_same_undo(in_place, rewriting, 2)
    assert_valid_geopackage(in_place.path)
    assert_rtree_matches_features(in_place.path)
    assert strays(in_place.path) == []


@pytest.mark.parametrize("case", list(IN_PLACE_CHANGES))
def test_a_change_in_place_is_undone_in_place_exactly(sample_store, monkeypatch, case):
    before = sample_store.read_all()
    layer, row_id, values = IN_PLACE_CHANGES[case](before)
    with sqlite3.connect(sample_store.path) as connection:
        rtree_before = connection.execute("SELECT * FROM rtree_plots_geom ORDER BY id").fetchall()
    change(sample_store, layer, row_id, values)

    with rewrites_forbidden(monkeypatch):
        undone = sample_store.undo_last()

    assert (undone.id, undone.layer, undone.updated, undone.detail) == (2, layer, 1, "a test change")
    assert_layers_identical(before, sample_store.read_all())  # values, provenance, order, geometry
    assert sample_store.import_log()["undone_at"].notna().tolist() == [False, True]
    assert undo_rows(sample_store) == []
    assert_valid_geopackage(sample_store.path)
    assert_rtree_matches_features(sample_store.path)
    with sqlite3.connect(sample_store.path) as connection:
        assert connection.execute("SELECT * FROM rtree_plots_geom ORDER BY id").fetchall() == rtree_before


@pytest.mark.parametrize("case", ["plot status and year", "indicator (district and year)"])
def test_an_undo_recorded_by_a_rewrite_is_undone_in_place(twins, monkeypatch, case):
    """Stores written before in-place changes hold undo records of the same form: they undo in place too."""
    _in_place, rewriting = twins
    before = rewriting.read_all()
    layer, row_id, values = IN_PLACE_CHANGES[case](before)
    change(rewriting, layer, row_id, values)

    with rewrites_forbidden(monkeypatch):
        GeoPackageStore(rewriting.path).undo_last()

    assert_layers_identical(before, rewriting.read_all())


def test_an_import_that_only_changed_values_is_undone_in_place(sample_store, sample_layers, tmp_path, monkeypatch):
    """An import re-sending the rows it added last time, with new statuses: its rows did not move, so
    its undo is done in place, like a status update's."""
    ids = [f"T{n:03d}" for n in range(20)]
    first = plots_file(tmp_path / "a.geojson", sample_layers, ids)
    import_file(sample_store, first, "plots")
    before = sample_store.read_all()
    revised = gpd.read_file(first).assign(状态="处置中", 盘活年份=None)
    revised.to_file(tmp_path / "b.geojson")
    assert counts_of(import_file(sample_store, tmp_path / "b.geojson", "plots")) == (0, 20, 0)

    with rewrites_forbidden(monkeypatch):
        sample_store.undo_last()

    assert_layers_identical(before, sample_store.read_all())


def _revising_sample_rows(tmp_path, sample_layers, store) -> Path:
    """New statuses for ten plots in the middle of the layer: the import moves them to its end."""
    plots = sample_layers["plots"].iloc[100:110].drop(columns=[*PROVENANCE_COLUMNS, "area_mu"])
    plots.assign(status="处置中", reclaimed_year=pd.array([None] * 10, dtype="Int64")).to_file(
        tmp_path / "revised.geojson")
    return tmp_path / "revised.geojson"


def _adding_a_column(tmp_path, sample_layers, store) -> Path:
    """The plots the last import added, again, with a remark column: nothing moves, but a column comes."""
    first = plots_file(tmp_path / "a.geojson", sample_layers, [f"T{n:03d}" for n in range(5)])
    import_file(store, first, "plots")
    gpd.read_file(first).assign(备注="复核").to_file(tmp_path / "b.geojson")
    return tmp_path / "b.geojson"


def test_an_import_that_moved_rows_is_undone_in_place(sample_store, sample_layers, tmp_path, monkeypatch):
    """The import deleted ten plots in the middle and appended their revisions: the undo puts the rows as
    they were back into the gaps, so they are read in their places again."""
    path = _revising_sample_rows(tmp_path, sample_layers, sample_store)
    before = sample_store.read_all()
    with sqlite3.connect(sample_store.path) as connection:
        rtree_before = connection.execute("SELECT * FROM rtree_plots_geom ORDER BY id").fetchall()
    assert import_file(sample_store, path, "plots").updated

    with rewrites_forbidden(monkeypatch):
        sample_store.undo_last()

    assert_layers_identical(before, sample_store.read_all())
    with sqlite3.connect(sample_store.path) as connection:
        assert connection.execute("SELECT * FROM rtree_plots_geom ORDER BY id").fetchall() == rtree_before
    assert_rtree_matches_features(sample_store.path)
    assert_valid_geopackage(sample_store.path)


# Each: sets a store up and makes the change to undo; returns the layers as they were before that change.
def _imported_by_a_rewrite(tmp_path, sample_layers, store) -> dict[str, pd.DataFrame]:
    """Revised plots in the middle, imported by a store that rewrites: it numbers rows without gaps, so
    the undo has no free feature ids to put the rows back in their places."""
    before = store.read_all()
    path = _revising_sample_rows(tmp_path, sample_layers, store)
    assert import_file(GeoPackageStore(store.path, in_place=False), path, "plots").updated
    return before


def _kept_without_extent(tmp_path, sample_layers, store) -> dict[str, pd.DataFrame]:
    """An undo record from before records kept the layer's extent: the undo cannot know it, so it rewrites."""
    before = store.read_all()
    assert import_file(store, _revising_sample_rows(tmp_path, sample_layers, store), "plots").updated
    with closing(sqlite3.connect(store.path)) as connection, connection:
        connection.execute("ALTER TABLE undo_history DROP COLUMN extent")
    return before


def _kept_without_feature_ids(tmp_path, sample_layers, store) -> dict[str, pd.DataFrame]:
    """An undo record from before records kept feature ids: the rows cannot be given their ids back."""
    before = store.read_all()
    assert import_file(store, _revising_sample_rows(tmp_path, sample_layers, store), "plots").updated
    with closing(sqlite3.connect(store.path)) as connection, connection:
        (rows,) = connection.execute("SELECT rows FROM undo_history WHERE change_id = 2").fetchone()
        buffer = io.BytesIO()
        gpd.read_parquet(io.BytesIO(rows)).drop(columns=FID_COLUMN).to_parquet(buffer, index=False)
        connection.execute("UPDATE undo_history SET rows = ? WHERE change_id = 2", (buffer.getvalue(),))
    return before


def _adding_a_column_after_an_import(tmp_path, sample_layers, store) -> dict[str, pd.DataFrame]:
    path = _adding_a_column(tmp_path, sample_layers, store)
    before = store.read_all()
    assert import_file(store, path, "plots").updated
    return before


@pytest.mark.parametrize("make", [_adding_a_column_after_an_import, _imported_by_a_rewrite, _kept_without_extent,
                                  _kept_without_feature_ids],
                         ids=["column-added", "import-rewrote", "no-extent-kept", "no-feature-ids-kept"])
def test_an_import_undo_that_cannot_be_made_in_place_is_done_by_a_rewrite(sample_store, sample_layers, tmp_path,
                                                                         monkeypatch, make):
    before = make(tmp_path, sample_layers, sample_store)
    rewritten = record_rewrites(monkeypatch)

    sample_store.undo_last()

    assert rewritten == ["plots"]
    assert_layers_identical(before, sample_store.read_all())
    assert_rtree_matches_features(sample_store.path)


def test_a_row_edited_behind_the_stores_back_is_put_back_whole(sample_store, monkeypatch):
    """QGIS moved the plot after the update: setting the former values back would leave it moved, so the
    undo replaces the whole row (in place), as a rewrite would."""
    before = sample_store.read_all()
    layer, row_id, values = IN_PLACE_CHANGES["plot status and year"](before)
    change(sample_store, layer, row_id, values)
    with closing(sql.connect(sample_store.path)) as connection, connection:
        connection.execute("UPDATE plots SET geom = (SELECT geom FROM plots WHERE fid = 1) WHERE plot_id = ?",
                           (row_id,))
    rewritten = record_rewrites(monkeypatch)

    sample_store.undo_last()

    assert rewritten == []
    assert_layers_identical(before, sample_store.read_all())
    assert_rtree_matches_features(sample_store.path)


def test_rows_deleted_behind_the_stores_back_leave_positions_right(twins, monkeypatch):
    """Feature ids with gaps (QGIS deleted two plots): the undo record keeps the row's place as it is read."""
    in_place, rewriting = twins
    for store in twins:
        with closing(sql.connect(store.path)) as connection, connection:
            connection.execute("DELETE FROM plots WHERE fid IN (3, 40)")
    before = in_place.read_all()
    layer, row_id, values = IN_PLACE_CHANGES["plot status and year"](before)
    for store in twins:
        change(store, layer, row_id, values)
    assert_layers_identical(rewriting.read_all(), in_place.read_all())
    assert_same_undo(in_place, rewriting, 2)

    with rewrites_forbidden(monkeypatch):
        in_place.undo_last()
    assert_layers_identical(before, in_place.read_all())


def test_a_column_stored_with_another_type_is_rewritten_not_changed_in_place(twins, monkeypatch):
    """Another tool saved the plots with years as decimals (REAL): a year written into that column
    in place would read back as 2024.0, so the change rewrites the layer, which stores years as
    whole numbers again."""
    for store in twins:
        plots = store.read_layer("plots")
        pyogrio.write_dataframe(plots.astype({"reclaimed_year": float}), store.path, layer="plots", driver="GPKG",
                                promote_to_multi=True)
    in_place, rewriting = twins
    before = in_place.read_all()
    rewritten = record_rewrites(monkeypatch)

    for store in twins:
        change(store, *IN_PLACE_CHANGES["plot status and year"](before))

    assert rewritten == ["plots", "plots"]
    assert_layers_identical(rewriting.read_all(), in_place.read_all())
    with sqlite3.connect(in_place.path) as connection:
        assert sql.column_types(connection, "plots")["reclaimed_year"] == "INTEGER"


def test_ids_with_quotes_and_chinese_are_found_and_changed(tmp_store, sample_layers, monkeypatch):
    hostile = ["L'0\"东<区>", "L0 ", "l0", "L0"]
    sample_layers["plots"].loc[sample_layers["plots"].index[100:104], "plot_id"] = hostile
    store = GeoPackageStore(tmp_store)
    store.initialise(sample_layers, dataset="sample")
    before = store.read_layer("plots")

    with rewrites_forbidden(monkeypatch):
        for n, plot_id in enumerate(hostile):
            change(store, "plots", plot_id, {"name_zh": f"{HOSTILE_TEXT}{n}"})

    after = store.read_layer("plots")
    assert after["name_zh"].iloc[100:104].tolist() == [f"{HOSTILE_TEXT}{n}" for n in range(4)]
    others = ~after.index.isin(range(100, 104))
    assert_layers_identical({"plots": before[others]}, {"plots": after[others]})


@pytest.mark.parametrize("row_id", [("330203", "2024.0"), ("330203", "02024"), ("330203",), ("330299", "2024"),
                                    "330203"])
def test_an_unknown_composite_id_is_refused_and_nothing_written(sample_store, row_id):
    before = snapshot(sample_store.path)
    with pytest.raises(ValidationError) as caught:
        change(sample_store, "indicators", row_id, {"tax_per_mu": 1.0})
    (problem,) = caught.value.errors
    assert (problem.column, problem.value) == ("district_adcode+year", str(row_id))
    assert "no row of layer 'indicators'" in problem.message
    assert snapshot(sample_store.path) == before


def test_every_layer_has_its_id_index_and_an_older_store_gets_it(sample_store, monkeypatch):
    def indexes() -> set[str]:
        with sqlite3.connect(sample_store.path) as connection:
            return {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    expected = {sql.id_index_name(layer) for layer in load_schemas()}
    assert expected <= indexes()
    with sqlite3.connect(sample_store.path) as connection:
        connection.execute(f"DROP INDEX {sql.id_index_name('plots')}")
    before = sample_store.read_all()

    with rewrites_forbidden(monkeypatch):
        change(sample_store, *IN_PLACE_CHANGES["plot status and year"](before))

    assert expected <= indexes()


def _fail_renumbering(monkeypatch):
    """An undo made in place: the rows it put back are appended, then SQLite fails giving them their ids."""
    def fail(*_args, **_kwargs):
        raise sqlite3.OperationalError("disk I/O error")
    monkeypatch.setattr(sql, "renumber", fail)


@pytest.mark.parametrize("inject", [_fail_deleting, _fail_inside_layer, _fail_renumbering, _fail_after_layer,
                                    _fail_keeping_undo],
                         ids=["deleting", "appending", "renumbering", "log", "undo-record"])
def test_an_import_undo_in_place_failing_midway_leaves_the_store_untouched(sample_store, sample_layers, tmp_path,
                                                                          monkeypatch, inject):
    path = _revising_and_adding(tmp_path / "plots.geojson", sample_layers, revised=5, new=5)
    assert counts_of(import_file(sample_store, path, "plots")) == (5, 5, 0)
    before, layers = snapshot(sample_store.path), sample_store.read_all()
    inject(monkeypatch)

    with pytest.raises((InjectedFailure, sqlite3.OperationalError)):
        sample_store.undo_last()

    assert snapshot(sample_store.path) == before
    assert strays(sample_store.path) == []
    assert_layers_identical(layers, sample_store.read_all())
    monkeypatch.undo()
    assert sample_store.undo_last().id == 2
    assert len(sample_store.read_layer("plots")) == 300


def _fail_in_sql(monkeypatch):
    """The row is being changed in the copy when SQLite fails."""
    def fail(*_args, **_kwargs):
        raise sqlite3.OperationalError("disk I/O error")
    monkeypatch.setattr(sql, "update_values", fail)


@pytest.mark.parametrize("inject", [_fail_after_layer, _fail_in_sql, _fail_keeping_undo],
                         ids=["log", "sql", "undo-record"])
@pytest.mark.parametrize("operation", ["update", "undo"])
def test_a_change_in_place_failing_midway_leaves_the_store_untouched(sample_store, monkeypatch, inject, operation):
    layers = sample_store.read_all()
    layer, row_id, values = IN_PLACE_CHANGES["plot status and year"](layers)
    if operation == "undo":
        change(sample_store, layer, row_id, values)
    before, layers = snapshot(sample_store.path), sample_store.read_all()
    inject(monkeypatch)

    with pytest.raises((InjectedFailure, sqlite3.OperationalError)):
        if operation == "update":
            change(sample_store, layer, row_id, values)
        else:
            sample_store.undo_last()

    assert snapshot(sample_store.path) == before
    assert strays(sample_store.path) == []
    assert_layers_identical(layers, sample_store.read_all())
    monkeypatch.undo()
    # The lock was released and nothing of the failed write was kept.
    if operation == "update":
        assert counts_of(change(sample_store, layer, row_id, values)) == (0, 1, 0)
    else:
        assert sample_store.undo_last().id == 2


# -- imports made in place -----------------------------------------------------------------------
def _plots_revised_and_new(tmp_path, sample_layers) -> tuple[str, Path]:
    return "plots", _revising_and_adding(tmp_path / "revised-and-new.geojson", sample_layers, revised=5, new=5)


def _plots_revised_and_moved(tmp_path, sample_layers) -> tuple[str, Path]:
    """Ten revised sample plots, one of them moved, and two new: geometry changes go through the append."""
    plots = gpd.read_file(_revising_and_adding(tmp_path / "moved.geojson", sample_layers, revised=10, new=2))
    plots.loc[3, "geometry"] = shapely.affinity.translate(plots.geometry[3], xoff=2e-5)
    plots.to_file(tmp_path / "moved.geojson")
    return "plots", tmp_path / "moved.geojson"


def _from_import_files(kind: str):
    def make(tmp_path, sample_layers) -> tuple[str, Path]:
        layer, write = IMPORT_FILES[kind]
        return layer, write(tmp_path, sample_layers)
    return make


def _two_indicator_rows(tmp_path, sample_layers) -> tuple[str, Path]:
    """A revised and a new row of a table (no geometry, two-column id): few enough to be read alone."""
    indicators = sample_layers["indicators"].drop(columns=list(PROVENANCE_COLUMNS))
    revised = indicators[indicators["year"] == 2025].iloc[:1].assign(tax_per_mu=lambda f: f["tax_per_mu"] + 1.5)
    pd.concat([revised, revised.assign(year=2026)]).to_csv(tmp_path / "two.csv", index=False)
    return "indicators", tmp_path / "two.csv"


IN_PLACE_IMPORTS = {
    "plots: 5 revised, 5 new": _plots_revised_and_new,
    "plots: 10 revised (one moved), 2 new": _plots_revised_and_moved,
    "plots: new only, from EPSG:4549": _from_import_files("plots as GeoPackage in EPSG:4549"),
    "factories (points) from CSV": _from_import_files("factories as CSV with lon/lat"),
    "indicators (no geometry, two-column id)": _from_import_files("indicators as CSV (two-column id)"),
    "indicators: two rows, read alone": _two_indicator_rows,
}


def gpkg_bookkeeping(path: Path) -> list[tuple]:
    """What GDAL records about each table besides its rows: extent, srs and the feature count."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return connection.execute(
            "SELECT c.table_name, c.data_type, c.min_x, c.min_y, c.max_x, c.max_y, c.srs_id, o.feature_count "
            "FROM gpkg_contents c LEFT JOIN gpkg_ogr_contents o ON lower(o.table_name) = lower(c.table_name) "
            "ORDER BY c.table_name").fetchall()


def declared_columns(path: Path) -> dict[str, list[tuple]]:
    """Each layer's columns as its table declares them: name, SQL type, not-null."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return {layer: [row[1:4] for row in connection.execute(f"PRAGMA table_info({layer})")]
                for layer in load_schemas()}


def assert_twins_identical(in_place: GeoPackageStore, rewriting: GeoPackageStore) -> None:
    assert_layers_identical(rewriting.read_all(), in_place.read_all())
    assert declared_columns(in_place.path) == declared_columns(rewriting.path)
    pd.testing.assert_frame_equal(rewriting.import_log(), in_place.import_log())
    assert gpkg_bookkeeping(in_place.path) == gpkg_bookkeeping(rewriting.path)
    assert_valid_geopackage(in_place.path)
    assert_rtree_matches_features(in_place.path)
    assert strays(in_place.path) == []


@pytest.mark.parametrize("kind", list(IN_PLACE_IMPORTS))
def test_an_import_in_place_leaves_what_a_rewrite_leaves_and_undoes_alike(twins, sample_layers, tmp_path,
                                                                          monkeypatch, kind):
    in_place, rewriting = twins
    layer, path = IN_PLACE_IMPORTS[kind](tmp_path, sample_layers)
    before = in_place.read_all()

    # A file naming more than a quarter of the layer's rows reads it whole: faster than row by row.
    whole = len(validate_file(path, layer).frame) > geopackage.PART_IMPORT_SHARE * len(before[layer])
    with rewrites_forbidden(monkeypatch), whole_layer_reads_recorded(monkeypatch) as read:
        counts = import_file(in_place, path, layer)

    assert read == ([layer] if whole else [])
    assert counts.changed and counts == import_file(rewriting, path, layer)
    assert not in_place.read_all()[layer].equals(before[layer])
    assert_twins_identical(in_place, rewriting)
    assert_same_undo(in_place, rewriting, 2)
    with rewrites_forbidden(monkeypatch):
        in_place.undo_last()
    rewriting.undo_last()
    assert_layers_identical(before, in_place.read_all())
    assert_twins_identical(in_place, rewriting)


def test_imports_in_place_one_after_another_and_their_undos_match_the_rewrite(twins, sample_layers, tmp_path,
                                                                             monkeypatch):
    """The second import finds rows the first appended (feature ids with gaps): some unchanged, some
    revised, some moved (the new ids come with other geometries), some new."""
    in_place, rewriting = twins
    first = _revising_and_adding(tmp_path / "first.geojson", sample_layers, revised=5, new=5)
    second = _revising_and_adding(tmp_path / "second.geojson", sample_layers, revised=8, new=8)
    stages = [in_place.read_all()]
    for path, expected in ((first, (5, 5, 0)), (second, (3, 8, 5))):
        with rewrites_forbidden(monkeypatch), whole_layer_reads_recorded(monkeypatch) as read:
            counts = import_file(in_place, path, "plots")
        assert read == []
        assert counts_of(counts) == counts_of(import_file(rewriting, path, "plots")) == expected
        assert_twins_identical(in_place, rewriting)
        stages.append(in_place.read_all())
    assert_same_undo(in_place, rewriting, 3)

    for stage in reversed(stages[:-1]):
        with rewrites_forbidden(monkeypatch):
            in_place.undo_last()
        rewriting.undo_last()
        assert_layers_identical(stage, in_place.read_all())
        assert_twins_identical(in_place, rewriting)


def _numbers_then_words(tmp_path, sample_layers, store) -> Path:
    """A column of numbers (stored REAL) that the next file fills with text: the column changes type."""
    numbers = gpd.read_file(plots_file(tmp_path / "numbers.geojson", sample_layers, ["T1", "T2", "T3"]))
    numbers.assign(floors=[1, 2, 3]).to_file(tmp_path / "numbers.geojson")
    import_file(store, tmp_path / "numbers.geojson", "plots")
    numbers.iloc[:1].assign(floors=["三层"]).to_file(tmp_path / "words.geojson")
    return tmp_path / "words.geojson"


def _years_stored_as_decimals(tmp_path, sample_layers, store) -> Path:
    """Another tool saved the plots with years as REAL: rows appended there would differ from a rewrite."""
    plots = store.read_layer("plots")
    pyogrio.write_dataframe(plots.astype({"reclaimed_year": float}), store.path, layer="plots", driver="GPKG",
                            promote_to_multi=True)
    return _revising_and_adding(tmp_path / "plots.geojson", sample_layers, revised=2, new=2)


def _into_a_layer_never_written(tmp_path, sample_layers, store) -> Path:
    """A store from before the factories layer existed: the import creates the table."""
    with closing(sqlite3.connect(store.path)) as connection, connection:
        for statement in ("DROP TABLE factories", "DELETE FROM gpkg_contents WHERE table_name = 'factories'",
                          "DELETE FROM gpkg_geometry_columns WHERE table_name = 'factories'",
                          "DELETE FROM gpkg_ogr_contents WHERE table_name = 'factories'"):
            connection.execute(statement)
    return _factories_csv(tmp_path / "factories.csv", sample_layers)


@pytest.mark.parametrize("make", [_adding_a_column, _numbers_then_words, _years_stored_as_decimals,
                                  _into_a_layer_never_written],
                         ids=["column-added", "column-retyped", "column-declared-otherwise", "no-table"])
def test_an_import_that_changes_the_table_rewrites_the_layer(sample_store, sample_layers, tmp_path, monkeypatch,
                                                             make):
    path = make(tmp_path, sample_layers, sample_store)
    layer = "factories" if path.suffix == ".csv" else "plots"
    monkeypatch.setattr(geopackage, "_now", lambda: FIXED_NOW)
    (tmp_path / "rewriting").mkdir()
    shutil.copyfile(sample_store.path, tmp_path / "rewriting" / "spaces.gpkg")
    rewriting = GeoPackageStore(tmp_path / "rewriting" / "spaces.gpkg", in_place=False)
    rewritten = record_rewrites(monkeypatch)

    assert import_file(sample_store, path, layer) == import_file(rewriting, path, layer)

    assert rewritten == [layer, layer]
    assert_layers_identical(rewriting.read_all(), sample_store.read_all())
    pd.testing.assert_frame_equal(rewriting.import_log(), sample_store.import_log())


def test_an_import_into_an_empty_layer_is_made_in_place_like_a_rewrite(empty_store, sample_layers, tmp_path,
                                                                      monkeypatch):
    """``init --empty`` then the first plots file: the layer's extent goes from none to the file's."""
    monkeypatch.setattr(geopackage, "_now", lambda: FIXED_NOW)
    (tmp_path / "rewriting").mkdir()
    shutil.copyfile(empty_store.path, tmp_path / "rewriting" / "spaces.gpkg")
    rewriting = GeoPackageStore(tmp_path / "rewriting" / "spaces.gpkg", in_place=False)
    path = plots_file(tmp_path / "first.geojson", sample_layers, [f"T{n:03d}" for n in range(30)], offset=40)

    with rewrites_forbidden(monkeypatch):
        counts = import_file(empty_store, path, "plots")

    assert counts_of(counts) == counts_of(import_file(rewriting, path, "plots")) == (30, 0, 0)
    assert_twins_identical(empty_store, rewriting)


def _revising_the_westmost_plot(tmp_path, sample_layers, store) -> Path:
    """The plot that sets the layer's western edge, renamed and moved east: its old geometry leaves the
    layer, so the extent can only come from every row."""
    plots = store.read_layer("plots")
    west = plots.iloc[[int(plots.geometry.bounds["minx"].to_numpy().argmin())]]
    west = west.drop(columns=[*PROVENANCE_COLUMNS, "area_mu"]).assign(name_zh="复核地块")
    west["geometry"] = west.geometry.translate(xoff=0.01)
    west.to_file(tmp_path / "west.geojson")
    return tmp_path / "west.geojson"


def _with_a_stored_integer_column(tmp_path, sample_layers, store) -> Path:
    """Another tool added a column of whole numbers (INTEGER), empty for some plots: it reads as float64
    with every row but as int64 with the file's rows alone, so only the whole layer says how a rewrite
    stores it (REAL)."""
    plots = store.read_layer("plots")
    floors = pd.array([None] * 10 + list(range(10, len(plots))), dtype="Int64")
    pyogrio.write_dataframe(plots.assign(floors=floors), store.path, layer="plots", driver="GPKG",
                            promote_to_multi=True)
    path = _revising_and_adding(tmp_path / "plots.geojson", sample_layers, revised=2, new=2)
    gpd.read_file(path).assign(floors=[3, 4, 5, 6]).to_file(path)
    return path


@pytest.mark.parametrize("make", [_revising_the_westmost_plot, _with_a_stored_integer_column],
                         ids=["extent-edge-deleted", "integer-column"])
def test_an_import_reads_the_whole_layer_when_its_rows_cannot_tell(sample_store, sample_layers, tmp_path,
                                                                    monkeypatch, make):
    path = make(tmp_path, sample_layers, sample_store)
    monkeypatch.setattr(geopackage, "_now", lambda: FIXED_NOW)
    (tmp_path / "rewriting").mkdir()
    shutil.copyfile(sample_store.path, tmp_path / "rewriting" / "spaces.gpkg")
    rewriting = GeoPackageStore(tmp_path / "rewriting" / "spaces.gpkg", in_place=False)

    with whole_layer_reads_recorded(monkeypatch) as read:
        counts = import_file(sample_store, path, "plots")

    assert read == ["plots"]
    assert counts.changed and counts == import_file(rewriting, path, "plots")
    assert_twins_identical(sample_store, rewriting)
