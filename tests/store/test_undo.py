"""Tests for undoing changes (GeoPackageStore.undo_last) and the import log that records each change."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from fixtures_store import (
    IMPORT_FILES,
    _revised_sample_plots,
    assert_layers_identical,
    assert_valid_geopackage,
    import_file,
    plots_file,
    snapshot,
    strays,
    undo_rows,
)

from spaces.errors import StoreError
from spaces.store import local_actor

# -- history and undo --------------------------------------------------------------------------
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

    undone = sample_store.undo_last(actor=local_actor())

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

    assert list(log.columns) == ["id", "time", "user", "file", "layer", "crs", "added", "updated", "unchanged",
                                 "detail", "undone_at"]
    assert set(log["user"]) == {local_actor().user}  # the fixtures and import_file act as the OS user
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

    assert sample_store.undo_last(actor=local_actor()).file == "b.geojson"
    assert_layers_identical(after_first, sample_store.read_all())
    assert sample_store.undo_last(actor=local_actor()).file == "a.geojson"
    assert_layers_identical(initial, sample_store.read_all())
    before = snapshot(sample_store.path)
    with pytest.raises(StoreError, match="nothing to undo"):
        sample_store.undo_last(actor=local_actor())
    assert snapshot(sample_store.path) == before
    assert sample_store.import_log()["undone_at"].notna().tolist() == [False, True, True]


def test_nothing_to_undo_after_init_and_init_clears_history(sample_store, sample_layers, tmp_path):
    before = snapshot(sample_store.path)
    with pytest.raises(StoreError, match=r"spaces\.gpkg: nothing to undo: no import or status update"):
        sample_store.undo_last(actor=local_actor())
    assert snapshot(sample_store.path) == before
    assert sample_store.next_undo() is None

    import_file(sample_store, plots_file(tmp_path / "a.geojson", sample_layers, ["T1"]), "plots")
    assert sample_store.next_undo() is not None
    sample_store.initialise(sample_layers, dataset="sample", actor=local_actor())

    assert sample_store.import_log()["file"].tolist() == ["init (sample)"]
    assert sample_store.next_undo() is None
    assert undo_rows(sample_store) == []
    with pytest.raises(StoreError, match="nothing to undo"):
        sample_store.undo_last(actor=local_actor())


def test_expected_id_keeps_a_button_from_undoing_a_newer_change(sample_store, sample_layers, tmp_path):
    """A planner clicks 'undo #2' while a colleague's import (#3) lands: nothing is undone."""
    import_file(sample_store, plots_file(tmp_path / "a.geojson", sample_layers, ["T1"]), "plots")
    import_file(sample_store, plots_file(tmp_path / "b.geojson", sample_layers, ["T2"], offset=5), "plots")
    before = snapshot(sample_store.path)
    with pytest.raises(StoreError, match=r"the last change is now #3 \(b\.geojson\), not #2; nothing was undone"):
        sample_store.undo_last(expected_id=2, actor=local_actor())
    assert snapshot(sample_store.path) == before
    assert sample_store.undo_last(expected_id=3, actor=local_actor()).id == 3


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

    sample_store.undo_last(actor=local_actor())
    assert_layers_identical(after_numbers, sample_store.read_all())
    sample_store.undo_last(actor=local_actor())
    assert "floors" not in sample_store.read_layer("plots").columns


def test_old_changes_can_no_longer_be_undone(sample_store, sample_layers, tmp_path, monkeypatch):
    monkeypatch.setattr("spaces.store.history.UNDO_DEPTH", 2)  # remember_undo keeps this many
    for n, name in enumerate(("a", "b", "c")):
        import_file(sample_store, plots_file(tmp_path / f"{name}.geojson", sample_layers, [f"T{n}"], offset=n), "plots")
    assert [change for change, *_ in undo_rows(sample_store)] == [3, 4]
    sample_store.undo_last(actor=local_actor())
    sample_store.undo_last(actor=local_actor())
    assert sample_store.next_undo() is None
    with pytest.raises(StoreError, match=r"the last change #2 \(a\.geojson, .*\) can no longer be undone: "
                                         r"only the last 2 changes"):
        sample_store.undo_last(actor=local_actor())


def test_a_store_from_before_the_history_gets_ids_and_undo(sample_store, sample_layers, tmp_path):
    """Stores written before changes had ids keep working: their log is numbered in order."""
    old_log = sample_store.import_log()[["time", "file", "layer", "crs", "added", "updated", "unchanged"]]
    pyogrio.write_dataframe(old_log, sample_store.path, layer="import_log", driver="GPKG")
    assert sample_store.import_log()[["id", "file", "undone_at"]].values.tolist() == [[1, "init (sample)", None]]
    before = sample_store.read_all()
    import_file(sample_store, plots_file(tmp_path / "a.geojson", sample_layers, ["T1"]), "plots")
    assert sample_store.undo_last(actor=local_actor()).id == 2
    assert_layers_identical(before, sample_store.read_all())


def test_the_undo_table_is_a_registered_geopackage_table(sample_store, sample_layers, tmp_path):
    import_file(sample_store, plots_file(tmp_path / "a.geojson", sample_layers, ["T1"]), "plots")
    assert_valid_geopackage(sample_store.path)
    with sqlite3.connect(sample_store.path) as connection:
        kinds = dict(connection.execute("SELECT table_name, data_type FROM gpkg_contents"))
    assert kinds["undo_history"] == "attributes"
    assert pyogrio.read_dataframe(sample_store.path, layer="undo_history", read_geometry=False)["change_id"].tolist() == [2]
