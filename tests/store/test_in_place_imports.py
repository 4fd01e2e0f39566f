"""Tests for spaces.store.in_place: imports made by deleting and appending rows store what a rewrite stores."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing, contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from fixtures_store import (
    FIXED_NOW,
    IMPORT_FILES,
    _adding_a_column,
    _factories_csv,
    _revising_and_adding,
    assert_layers_identical,
    assert_rtree_matches_features,
    assert_same_undo,
    assert_valid_geopackage,
    counts_of,
    import_file,
    plots_file,
    record_rewrites,
    rewrites_forbidden,
    strays,
)

from spaces.intake.validation import validate_file
from spaces.reference.schema import PROVENANCE_COLUMNS, load_schemas
from spaces.store import GeoPackageStore, geopackage, local_actor


# -- helpers -----------------------------------------------------------------------------------
@contextmanager
def whole_layer_reads_recorded(monkeypatch):
    """The names of the layers the block reads whole (each read still happens)."""
    read, read_layer = [], GeoPackageStore._read_layer_from
    with monkeypatch.context() as patched:
        patched.setattr(GeoPackageStore, "_read_layer_from",
                        lambda self, path, layer: (read.append(layer), read_layer(self, path, layer))[1])
        yield read


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
        in_place.undo_last(actor=local_actor())
    rewriting.undo_last(actor=local_actor())
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
            in_place.undo_last(actor=local_actor())
        rewriting.undo_last(actor=local_actor())
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
