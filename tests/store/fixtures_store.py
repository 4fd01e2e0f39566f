"""Helpers shared by the store's tests: files to import, snapshots, injected failures, stores compared."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from spaces.intake.validation import validate_file
from spaces.reference.schema import PROVENANCE_COLUMNS, load_schemas
from spaces.store import GeoPackageStore, geopackage, layer_io, local_actor, sql
from spaces.store.history import FID_COLUMN, load_undo

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG" in the SQLite header, per the GeoPackage standard
STORE_GEOMETRY_TYPES = {"plots": "MULTIPOLYGON", "factories": "POINT", "parks": "MULTIPOLYGON",
                        "communities": "GEOMETRY", "enterprises": "POINT"}


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
    return store.upsert(validate_file(path, layer), actor=local_actor())


def counts_of(result) -> tuple[int, int, int]:
    return result.added, result.updated, result.unchanged


# -- files to import ---------------------------------------------------------------------------
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


# -- failures injected midway ------------------------------------------------------------------
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


# -- stores and undo records compared ----------------------------------------------------------
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


# -- changes made in place -----------------------------------------------------------------------
FIXED_NOW = "2026-03-01T08:00:00+00:00"


@contextmanager
def rewrites_forbidden(monkeypatch):
    """Fails the test if the block rewrites a layer: the change must be made in place."""
    def refuse(path, name, *_args, **_kwargs):
        raise AssertionError(f"layer {name!r} was rewritten")
    with monkeypatch.context() as patched:
        patched.setattr(layer_io, "write_layer", refuse)
        yield


def record_rewrites(monkeypatch) -> list[str]:
    """The names of the layers rewritten from now on (each rewrite still happens)."""
    rewritten = []
    write_layer = layer_io.write_layer
    monkeypatch.setattr(layer_io, "write_layer", lambda *args: (rewritten.append(args[1]), write_layer(*args)))
    return rewritten


def change(store: GeoPackageStore, layer: str, row_id, values: dict):
    return store.update_row(layer, row_id, values, file="app: status update", source="app", detail="a test change", actor=local_actor())


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


def _adding_a_column(tmp_path, sample_layers, store) -> Path:
    """The plots the last import added, again, with a remark column: nothing moves, but a column comes."""
    first = plots_file(tmp_path / "a.geojson", sample_layers, [f"T{n:03d}" for n in range(5)])
    import_file(store, first, "plots")
    gpd.read_file(first).assign(备注="复核").to_file(tmp_path / "b.geojson")
    return tmp_path / "b.geojson"
