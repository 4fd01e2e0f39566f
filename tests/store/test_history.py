"""The import log and undo records: old logs read, the init is never undone, rows go back where they were."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from spaces.errors import StoreError
from spaces.reference.schema import load_schemas
from spaces.store import local_actor
from spaces.store.history import (
    FID_COLUMN,
    LOG_COLUMNS,
    POSITION_COLUMN,
    has_undo,
    last_standing,
    load_undo,
    normalised_log,
    remember_undo,
    restore,
    undo_for,
)
from spaces.store.rows import canonical

PLOTS = load_schemas()["plots"]


def _plots(ids, statuses) -> gpd.GeoDataFrame:
    return canonical(gpd.GeoDataFrame({"plot_id": ids, "status": statuses}, geometry=[
        shapely.box(121.8 + i * 0.01, 29.9, 121.801 + i * 0.01, 29.901) for i in range(len(ids))], crs=4326), PLOTS)


def test_a_log_from_before_ids_and_undo_gets_every_column():
    """Stores written by the first versions have a log with neither ``id`` nor ``detail`` nor ``undone_at``."""
    old = pd.DataFrame({"time": ["t1", "t2"], "file": ["init (sample)", "a.geojson"], "layer": ["*", "plots"],
                        "crs": ["EPSG:4326"] * 2, "added": [5, 1], "updated": [0, 2], "unchanged": [0, 3]})
    log = normalised_log(old)
    assert list(log.columns) == list(LOG_COLUMNS)
    assert log["id"].tolist() == [1, 2] and log["detail"].tolist() == ["", ""]
    assert log["undone_at"].isna().all()


def test_the_last_standing_change_skips_undone_ones_and_never_is_the_init():
    log = normalised_log(pd.DataFrame({"id": [1, 2, 3], "time": ["t"] * 3, "file": ["init", "a", "b"],
                                       "layer": ["*", "plots", "plots"], "crs": [""] * 3, "added": [0] * 3,
                                       "updated": [0] * 3, "unchanged": [0] * 3,
                                       "undone_at": [None, None, "2026-11-28T00:00:00+00:00"]}))
    assert last_standing(log).id == 2
    log.loc[log["id"] == 2, "undone_at"] = "2026-11-28T00:01:00+00:00"
    assert last_standing(log) is None  # only the initialisation stands


def test_restore_puts_replaced_rows_back_in_their_places_and_drops_added_ones():
    before = _plots(["A", "B", "C"], ["pending", "pending", "pending"])
    after = pd.concat([before.iloc[[0, 2]], _plots(["B", "D"], ["reclaimed", "pending"])], ignore_index=True)
    after = canonical(gpd.GeoDataFrame(after, geometry="geometry", crs=4326), PLOTS)
    undo = undo_for(before, after, PLOTS, replaced=np.array([1]), added=["D"])
    assert undo.mode == "rows" and undo.rows[POSITION_COLUMN].tolist() == [1]
    restored = restore(after, undo, PLOTS, store="s.gpkg")
    pd.testing.assert_frame_equal(restored.drop(columns="geometry"), before.drop(columns="geometry"))


def test_a_layer_changed_behind_the_store_is_not_half_restored():
    before = _plots(["A", "B"], ["pending", "pending"])
    after = _plots(["A", "B"], ["pending", "reclaimed"])
    undo = undo_for(before, after, PLOTS, replaced=np.array([1]), added=[])
    edited = canonical(gpd.GeoDataFrame(pd.concat([after, _plots(["E"], ["pending"])], ignore_index=True),
                                        geometry="geometry", crs=4326), PLOTS)  # a row added in QGIS since
    with pytest.raises(StoreError, match="no longer matches the change to undo"):
        restore(edited, undo, PLOTS, store="s.gpkg")


def test_a_retyped_column_keeps_the_whole_former_layer():
    before = _plots(["A"], ["pending"]).assign(remark=[1.5])
    after = before.assign(remark=["text now"])
    assert undo_for(before, after, PLOTS, replaced=np.array([0]), added=[]).mode == "layer"


def test_undo_records_round_trip_through_the_store_file(tmp_path):
    from spaces.sample import build_sample
    from spaces.store import open_store

    path = tmp_path / "spaces.gpkg"
    open_store(str(path)).initialise(build_sample(plots=20), dataset="sample", actor=local_actor())
    before = _plots(["A", "B"], ["pending", "pending"])
    undo = undo_for(before, _plots(["A", "B"], ["pending", "reclaimed"]), PLOTS, replaced=np.array([1]), added=[])
    assert not has_undo(path, 7)
    remember_undo(path, 7, undo)
    loaded = load_undo(path, 7)
    assert has_undo(path, 7) and loaded.mode == "rows" and loaded.row_count == 2
    pd.testing.assert_frame_equal(canonical(loaded.rows, PLOTS).drop(columns="geometry").reset_index(drop=True),
                                  canonical(undo.rows, PLOTS).drop(columns="geometry").reset_index(drop=True))
    assert loaded.rows.geometry.equals(undo.rows.geometry.reset_index(drop=True))
    assert load_undo(path, 8) is None


@pytest.mark.parametrize("extent", [(121.1, 29.2, 122.3, 30.4), (), None], ids=["extent", "none-recorded", "unknown"])
def test_undo_records_keep_the_extent_and_the_feature_ids(tmp_path, extent):
    from spaces.sample import build_sample
    from spaces.store import open_store

    path = tmp_path / "spaces.gpkg"
    open_store(str(path)).initialise(build_sample(plots=20), dataset="sample", actor=local_actor())
    before = _plots(["A", "B", "C"], ["pending"] * 3)
    after = _plots(["A", "B", "C"], ["pending", "reclaimed", "reclaimed"])
    undo = undo_for(before, after, PLOTS, replaced=np.array([1, 2]), added=[], extent=extent,
                    fids=np.array([3, 9, 12]))
    remember_undo(path, 5, undo)
    loaded = load_undo(path, 5)
    assert loaded.extent == extent
    assert loaded.rows[FID_COLUMN].tolist() == [9, 12]
    assert list(loaded.replaced_rows().columns) == list(before.columns)


def test_an_undo_table_from_before_extents_gets_the_column(tmp_path):
    """Stores whose undo table has no extent column: their records load as unknown; new ones keep it."""
    import sqlite3
    from contextlib import closing

    from spaces.sample import build_sample
    from spaces.store import open_store

    path = tmp_path / "spaces.gpkg"
    open_store(str(path)).initialise(build_sample(plots=20), dataset="sample", actor=local_actor())
    before = _plots(["A", "B"], ["pending", "pending"])
    undo = undo_for(before, _plots(["A", "B"], ["pending", "reclaimed"]), PLOTS, replaced=np.array([1]), added=[],
                    extent=(1.0, 2.0, 3.0, 4.0))
    remember_undo(path, 1, undo)
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("ALTER TABLE undo_history DROP COLUMN extent")
    assert load_undo(path, 1).extent is None and load_undo(path, 1).mode == "rows"

    remember_undo(path, 2, undo)

    assert load_undo(path, 2).extent == (1.0, 2.0, 3.0, 4.0)
    assert load_undo(path, 1).extent is None


@pytest.mark.parametrize(("stamp", "shown"), [
    ("2026-11-28T01:52:34.123456+00:00", "2026-11-28 09:52"),  # stored in UTC, shown in 北京时间
    ("2026-11-28T09:52:34+08:00", "2026-11-28 09:52"),  # written elsewhere in Beijing time
    ("2026-11-28T20:05:00+00:00", "2026-11-29 04:05"),  # the evening in UTC is the next morning in Beijing
    ("2026-11-28T20:05:00", "2026-11-29 04:05"),  # no zone: UTC, as the store writes
    ("not a time", "not a time"), ("", ""), (None, "")])
def test_logged_times_read_as_a_planner_reads_them(stamp, shown):
    from spaces.store.history import readable_time

    assert readable_time(stamp) == shown
