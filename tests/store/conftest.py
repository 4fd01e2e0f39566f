"""The stores the store's tests start from: empty, the sample, and the sample beside a twin that rewrites."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fixtures_store import FIXED_NOW

from spaces.sample import default_allocation_layer
from spaces.store import GeoPackageStore, geopackage, local_actor


@pytest.fixture
def empty_store(tmp_store: Path) -> GeoPackageStore:
    """A store made as ``init --empty`` makes it: empty layers and the default allocations."""
    store = GeoPackageStore(tmp_store)
    store.initialise({"allocations": default_allocation_layer()}, dataset="empty", actor=local_actor())
    return store


@pytest.fixture
def sample_store(tmp_store: Path, sample_layers) -> GeoPackageStore:
    """A store holding the 300-plot sample: imports land next to rows that must be kept."""
    store = GeoPackageStore(tmp_store)
    store.initialise(sample_layers, dataset="sample", actor=local_actor())
    return store


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
