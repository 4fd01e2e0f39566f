"""Tests for spaces.store.in_place: status updates and their undos, made with SQL on the rows alone, exactly."""

from __future__ import annotations

import io
import sqlite3
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from fixtures_store import (
    InjectedFailure,
    _adding_a_column,
    _fail_after_layer,
    _fail_deleting,
    _fail_inside_layer,
    _fail_keeping_undo,
    _revising_and_adding,
    assert_layers_identical,
    assert_rtree_matches_features,
    assert_same_undo,
    assert_valid_geopackage,
    change,
    counts_of,
    import_file,
    plots_file,
    record_rewrites,
    rewrites_forbidden,
    snapshot,
    strays,
    undo_rows,
)

from spaces.errors import ValidationError
from spaces.reference.schema import PROVENANCE_COLUMNS, load_schemas
from spaces.store import GeoPackageStore, local_actor, sql
from spaces.store.history import FID_COLUMN

# -- changes made in place -----------------------------------------------------------------------
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
        "strategic_park": not _row(ls, "parks", 7)["strategic_park"], "green_park_year": 2023, "area_mu": 1.5e-3}),
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
        undone = sample_store.undo_last(actor=local_actor())

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
        GeoPackageStore(rewriting.path).undo_last(actor=local_actor())

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
        sample_store.undo_last(actor=local_actor())

    assert_layers_identical(before, sample_store.read_all())


def _revising_sample_rows(tmp_path, sample_layers, store) -> Path:
    """New statuses for ten plots in the middle of the layer: the import moves them to its end."""
    plots = sample_layers["plots"].iloc[100:110].drop(columns=[*PROVENANCE_COLUMNS, "area_mu"])
    plots.assign(status="处置中", reclaimed_year=pd.array([None] * 10, dtype="Int64")).to_file(
        tmp_path / "revised.geojson")
    return tmp_path / "revised.geojson"


def test_an_import_that_moved_rows_is_undone_in_place(sample_store, sample_layers, tmp_path, monkeypatch):
    """The import deleted ten plots in the middle and appended their revisions: the undo puts the rows as
    they were back into the gaps, so they are read in their places again."""
    path = _revising_sample_rows(tmp_path, sample_layers, sample_store)
    before = sample_store.read_all()
    with sqlite3.connect(sample_store.path) as connection:
        rtree_before = connection.execute("SELECT * FROM rtree_plots_geom ORDER BY id").fetchall()
    assert import_file(sample_store, path, "plots").updated

    with rewrites_forbidden(monkeypatch):
        sample_store.undo_last(actor=local_actor())

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

    sample_store.undo_last(actor=local_actor())

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

    sample_store.undo_last(actor=local_actor())

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
        in_place.undo_last(actor=local_actor())
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
    store.initialise(sample_layers, dataset="sample", actor=local_actor())
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
        sample_store.undo_last(actor=local_actor())

    assert snapshot(sample_store.path) == before
    assert strays(sample_store.path) == []
    assert_layers_identical(layers, sample_store.read_all())
    monkeypatch.undo()
    assert sample_store.undo_last(actor=local_actor()).id == 2
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
            sample_store.undo_last(actor=local_actor())

    assert snapshot(sample_store.path) == before
    assert strays(sample_store.path) == []
    assert_layers_identical(layers, sample_store.read_all())
    monkeypatch.undo()
    # The lock was released and nothing of the failed write was kept.
    if operation == "update":
        assert counts_of(change(sample_store, layer, row_id, values)) == (0, 1, 0)
    else:
        assert sample_store.undo_last(actor=local_actor()).id == 2
