"""Tests for spaces.store.atomic: writes failing or killed midway change nothing, writers queue, reads are whole."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest
from fixtures_store import (
    InjectedFailure,
    _fail_after_layer,
    _fail_deleting,
    _fail_inside_layer,
    _fail_keeping_undo,
    _revised_sample_plots,
    _revising_and_adding,
    assert_layers_identical,
    assert_valid_geopackage,
    counts_of,
    import_file,
    plots_file,
    snapshot,
    strays,
)

from spaces.intake.validation import validate_file
from spaces.reference.schema import load_schemas
from spaces.sample import default_allocation_layer
from spaces.store import GeoPackageStore, local_actor, open_store
from spaces.store.atomic import locked

CHILD_TIMEOUT = 90


# -- helpers -----------------------------------------------------------------------------------
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


# -- the copy renamed over the store -----------------------------------------------------------
def test_writes_keep_the_permissions_of_a_shared_store(sample_store, sample_layers, tmp_path):
    os.chmod(sample_store.path, 0o664)
    import_file(sample_store, plots_file(tmp_path / "p.geojson", sample_layers, ["T1"]), "plots")
    assert stat.S_IMODE(sample_store.path.stat().st_mode) == 0o664
    os.chmod(sample_store.path, 0o660)
    sample_store.initialise(sample_layers, dataset="sample", actor=local_actor())
    assert stat.S_IMODE(sample_store.path.stat().st_mode) == 0o660


# -- failed writes -----------------------------------------------------------------------------
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
            store.upsert(intake, actor=local_actor())
        else:
            store.initialise({"allocations": default_allocation_layer()}, dataset="empty", actor=local_actor())

    assert snapshot(store.path) == before
    assert strays(store.path) == []
    assert_layers_identical(layers, store.read_all())
    monkeypatch.undo()
    # The lock was released and nothing of the failed write was kept: the import now changes every row.
    assert counts_of(store.upsert(intake, actor=local_actor())) == (15, 5, 0)
    assert len(store.read_layer("plots")) == 315


# -- several processes -------------------------------------------------------------------------
CONCURRENT_IMPORT = """
import sys, time
from pathlib import Path
from spaces.intake.validation import validate_file
from spaces.store import local_actor, open_store
file, ready, go = sys.argv[1:4]
intake = validate_file(file, "plots")
store = open_store()
Path(ready).touch()
deadline = time.monotonic() + 60
while not Path(go).exists():
    if time.monotonic() > deadline:
        sys.exit("never told to go")
    time.sleep(0.001)
print(store.upsert(intake, actor=local_actor()).added)
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
from spaces.store import local_actor, open_store
started, stop, plots = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
full = build_sample(plots=plots)
small = {name: frame.iloc[: len(frame) // 3] for name, frame in full.items()}
store = open_store()
for round_ in range(1000):
    if stop.exists():
        break
    store.initialise(small if round_ % 2 == 0 else full, dataset="small" if round_ % 2 == 0 else "full",
                     actor=local_actor())
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
from spaces.store import local_actor, open_store
file, inside = sys.argv[1:3]
write_table = layer_io.write_table

def write_then_hang(*args, **kwargs):
    write_table(*args, **kwargs)
    Path(inside).touch()
    time.sleep(600)

layer_io.write_table = write_then_hang
open_store().upsert(validate_file(file, "plots"), actor=local_actor())
"""


def test_a_writer_killed_midway_loses_nothing_and_its_leftovers_go_at_the_next_write(sample_store, sample_layers, tmp_path,
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
    # A killed writer's copy of any age (each the size of the store) goes; another store's stays.
    stale = [folder / killed[0], folder / f".spaces.{'a' * 32}.tmp.gpkg-journal", folder / f".spaces.{'b' * 32}.tmp.gpkg"]
    other_store = folder / f".spaces.v2.{'c' * 32}.tmp.gpkg"
    for leftover in (*stale[1:], other_store):
        leftover.write_bytes(b"x")

    # The next write takes the lock (the kernel released the dead writer's): no other writer is alive.
    assert counts_of(import_file(sample_store, path, "plots")) == (30, 0, 0)
    assert strays(sample_store.path) == [other_store.name]
    assert len(sample_store.read_layer("plots")) == 330


# -- undo is a write like any other ------------------------------------------------------------
@pytest.mark.parametrize("inject", [_fail_after_layer, _fail_inside_layer], ids=["after-layer", "inside-layer"])
def test_an_undo_failing_midway_leaves_the_store_untouched(sample_store, sample_layers, tmp_path, monkeypatch, inject):
    import_file(sample_store, _revised_sample_plots(tmp_path / "revised.geojson", sample_layers), "plots")
    before = snapshot(sample_store.path)
    inject(monkeypatch)
    with pytest.raises(InjectedFailure):
        sample_store.undo_last(actor=local_actor())
    assert snapshot(sample_store.path) == before
    assert strays(sample_store.path) == []
    monkeypatch.undo()
    assert sample_store.undo_last(actor=local_actor()).file == "revised.geojson"
    assert len(sample_store.read_layer("plots")) == 300


def test_undo_waits_for_a_writer_holding_the_lock(sample_store, sample_layers, tmp_path):
    """Undo is a write like any other: it queues behind the lock an import (CLI or app) holds."""
    import_file(sample_store, plots_file(tmp_path / "a.geojson", sample_layers, ["T1"]), "plots")
    before = snapshot(sample_store.path)
    done = threading.Event()
    worker = threading.Thread(target=lambda: (sample_store.undo_last(actor=local_actor()), done.set()))
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


def test_opening_the_store_sweeps_dead_writers_copies_unless_a_writer_is_at_work(tmp_path):
    """Copies left by a crash used to stay an hour; opening the store (app or CLI start) removes them at once,
    but never the copy of a writer holding the lock."""
    store = tmp_path / "spaces.gpkg"
    leftover = tmp_path / f".spaces.{'d' * 32}.tmp.gpkg"
    leftover.write_bytes(b"x" * 1024)
    with locked(store):
        open_store(str(store))
        assert leftover.exists()
    open_store(str(store))
    assert not leftover.exists()
