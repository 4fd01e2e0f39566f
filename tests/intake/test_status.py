"""Tests for spaces.intake.status: a plot's status and reclaimed year set in the app, validated, logged, undoable."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import shapely

import spaces.store.layer_io as layer_io
from spaces.errors import ValidationError
from spaces.intake.status import update_plot_status, validate_plot_status
from spaces.store import GeoPackageStore, local_actor

THIS_YEAR = date.today().year


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store(tmp_store, sample_layers) -> GeoPackageStore:
    """The 300-plot sample; the plots picked below are in the middle of the table, with every status."""
    store = GeoPackageStore(tmp_store)
    store.initialise(sample_layers, dataset="sample", actor=local_actor())
    return store


@pytest.fixture
def plots(store) -> pd.DataFrame:
    return store.read_layer("plots")


def plot_with(plots: pd.DataFrame, status: str) -> str:
    """The id of a plot in the middle of the layer with ``status``."""
    return plots.loc[plots["status"] == status, "plot_id"].iloc[10]


def test_a_pending_plot_is_marked_reclaimed_with_a_status_synonym(store, plots):
    plot_id = plot_with(plots, "pending")
    counts = update_plot_status(store, plot_id, status="已盘活", reclaimed_year=str(THIS_YEAR), actor=local_actor())

    assert (counts.layer, counts.added, counts.updated, counts.unchanged) == ("plots", 0, 1, 0)
    after = store.read_layer("plots")
    row = after.set_index("plot_id").loc[plot_id]
    assert (row["status"], row["reclaimed_year"]) == ("reclaimed", THIS_YEAR)
    assert (row["source"], row["source_file"]) == ("app", "app: status update")
    assert after["plot_id"].tolist() == plots["plot_id"].tolist()  # updated in place, not moved
    others = after["plot_id"] != plot_id
    pd.testing.assert_frame_equal(pd.DataFrame(after[others].drop(columns="geometry")),
                                  pd.DataFrame(plots[others].drop(columns="geometry")))
    entry = store.import_log().iloc[-1]
    assert (entry["file"], entry["layer"], entry["updated"]) == ("app: status update", "plots", 1)
    assert entry["detail"] == f"plot {plot_id}: status reclaimed, reclaimed {THIS_YEAR}"


def test_a_status_update_is_undone_exactly(store, plots):
    before = store.read_all()
    plot_id = plot_with(plots, "reclaimed")
    update_plot_status(store, plot_id, status="整治中", reclaimed_year=None, actor=local_actor())
    assert store.read_layer("plots").set_index("plot_id").loc[plot_id, "status"] == "in_progress"

    entry = store.undo_last(actor=local_actor())

    assert entry.file == "app: status update" and entry.undone
    after = store.read_all()
    for name, frame in before.items():
        pd.testing.assert_frame_equal(pd.DataFrame(after[name].drop(columns="geometry", errors="ignore")),
                                      pd.DataFrame(frame.drop(columns="geometry", errors="ignore")))


def test_a_status_update_and_its_undo_change_only_the_plots_row(store, plots, monkeypatch):
    """At a million plots, rewriting the layer took 20 s a click: the update and its undo change the row alone."""
    def refuse(_path, name, *_args):
        raise AssertionError(f"layer {name!r} was rewritten")
    monkeypatch.setattr(layer_io, "write_layer", refuse)
    before = store.read_all()
    plot_id = plot_with(plots, "pending")

    update_plot_status(store, plot_id, status="已盘活", reclaimed_year=THIS_YEAR, actor=local_actor())
    assert store.read_layer("plots").set_index("plot_id").loc[plot_id, "status"] == "reclaimed"
    store.undo_last(actor=local_actor())

    after = store.read_all()
    for name, frame in before.items():
        pd.testing.assert_frame_equal(pd.DataFrame(after[name].drop(columns="geometry", errors="ignore")),
                                      pd.DataFrame(frame.drop(columns="geometry", errors="ignore")))
        if "geometry" in frame:
            assert shapely.to_wkb(after[name].geometry.to_numpy()).tolist() == \
                shapely.to_wkb(frame.geometry.to_numpy()).tolist()


def test_an_update_that_changes_nothing_writes_nothing(store, plots):
    row = plots.set_index("plot_id").loc[plot_with(plots, "in_progress")]
    before = digest(store.path)
    counts = update_plot_status(store, row.name, status="处置中", reclaimed_year="", actor=local_actor())
    assert (counts.added, counts.updated, counts.unchanged) == (0, 0, 1)
    assert digest(store.path) == before
    assert len(store.import_log()) == 1


def test_the_source_names_the_log_entry(store, plots):
    update_plot_status(store, plot_with(plots, "pending"), status="in progress", reclaimed_year=None, source="cli", actor=local_actor())
    assert store.import_log()["file"].iloc[-1] == "cli: status update"
    assert (store.read_layer("plots")["source"] == "cli").sum() == 1


BAD_UPDATES = {
    "unknown status": ({"status": "差不多", "reclaimed_year": None}, "status", "差不多", "unknown status"),
    "empty status": ({"status": " ", "reclaimed_year": None}, "status", " ", "must not be empty"),
    "reclaimed without a year": ({"status": "已腾退", "reclaimed_year": None}, "reclaimed_year", None,
                                 "needs its reclaimed_year"),
    "reclaimed before the plan": ({"status": "reclaimed", "reclaimed_year": 2021}, "reclaimed_year", "2021",
                                  "between 2022 and"),
    "reclaimed next year": ({"status": "reclaimed", "reclaimed_year": THIS_YEAR + 1}, "reclaimed_year",
                            str(THIS_YEAR + 1), "between 2022 and"),
    "year not a number": ({"status": "reclaimed", "reclaimed_year": "二〇二四"}, "reclaimed_year", "二〇二四",
                          "must be a number"),
    "year with a fraction": ({"status": "reclaimed", "reclaimed_year": 2024.5}, "reclaimed_year", "2024.5",
                             "whole number"),
    "year out of any range": ({"status": "reclaimed", "reclaimed_year": 20245}, "reclaimed_year", "20245",
                              "must be a year between"),
    "pending with a year": ({"status": "待处置", "reclaimed_year": 2024}, "reclaimed_year", "2024",
                            "has no reclaimed_year"),
}


@pytest.mark.parametrize("case", list(BAD_UPDATES))
def test_a_bad_update_names_plot_column_and_value_and_writes_nothing(store, plots, case):
    values, column, value, message = BAD_UPDATES[case]
    plot_id = plot_with(plots, "pending")
    before = digest(store.path)
    with pytest.raises(ValidationError) as caught:
        update_plot_status(store, plot_id, **values, actor=local_actor())
    (problem,) = caught.value.errors
    assert (problem.file, problem.feature_id, problem.column, problem.value) == (
        "app: status update", plot_id, column, value)
    assert message in problem.message
    assert digest(store.path) == before
    assert f"id '{plot_id}'" in str(caught.value)


@pytest.mark.parametrize("plot_id", ["", "   ", None])
def test_an_empty_plot_id_is_refused(store, plot_id):
    with pytest.raises(ValidationError, match="plot_id must not be empty"):
        update_plot_status(store, plot_id, status="pending", reclaimed_year=None, actor=local_actor())


def test_an_unknown_plot_is_refused_by_the_store(store):
    before = digest(store.path)
    with pytest.raises(ValidationError) as caught:
        update_plot_status(store, "NO-SUCH-PLOT", status="pending", reclaimed_year=None, actor=local_actor())
    (problem,) = caught.value.errors
    assert (problem.feature_id, problem.column, problem.value) == ("NO-SUCH-PLOT", "plot_id", "NO-SUCH-PLOT")
    assert "no row of layer 'plots'" in problem.message
    assert digest(store.path) == before


def test_validation_alone_uses_the_given_day():
    """The year rule moves with the calendar; tests and callers may pin the day."""
    assert validate_plot_status("L1", status="done", reclaimed_year=2027, today=date(2027, 1, 2)) == {
        "status": "reclaimed", "reclaimed_year": 2027}
    with pytest.raises(ValidationError, match="between 2022 and 2026"):
        validate_plot_status("L1", status="done", reclaimed_year=2027, today=date(2026, 12, 31))
