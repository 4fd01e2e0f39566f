"""Rows of a layer: canonical dtypes, ids as keys, equality with missing values, and the merge of an import."""

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spaces.reference.schema import load_schemas
from spaces.store.rows import (
    KEY_SEPARATOR,
    ChangeCounts,
    align_columns,
    canonical,
    empty_layer,
    geometries_equal,
    merge_rows,
    row_keys,
    values_equal,
)

PLOTS = load_schemas()["plots"]
INDICATORS = load_schemas()["indicators"]


def _plots(ids, statuses, years, *, shift: float = 0.0) -> gpd.GeoDataFrame:
    """Tiny square plots in a row, one per id; ``shift`` moves them all (a changed geometry)."""
    return gpd.GeoDataFrame({
        "plot_id": ids, "status": statuses, "reclaimed_year": years, "district_adcode": ["330206"] * len(ids),
    }, geometry=[shapely.box(121.8 + i * 0.01 + shift, 29.9, 121.801 + i * 0.01 + shift, 29.901)
                 for i in range(len(ids))], crs=4326)


def test_canonical_gives_every_schema_column_its_dtype():
    """Years as nullable integers (a float 2024.0 from Excel is the year 2024), ids as text, missing kept missing."""
    frame = canonical(pd.DataFrame({"plot_id": pd.Series([101, None], dtype=object),
                                    "reclaimed_year": [2024.0, None]}), PLOTS)
    assert str(frame["reclaimed_year"].dtype) == "Int64" and frame["reclaimed_year"].iloc[0] == 2024
    assert frame["plot_id"].tolist() == ["101", None]
    assert set(PLOTS.columns) <= set(frame.columns)
    assert frame["status"].isna().all()


def test_an_empty_layer_has_the_columns_of_a_full_one():
    empty = empty_layer(PLOTS)
    assert len(empty) == 0 and isinstance(empty, gpd.GeoDataFrame)
    assert set(PLOTS.columns) | {"area_mu", "source"} <= set(empty.columns)


def test_keys_of_two_id_columns_are_joined_with_a_separator_no_id_contains():
    frame = canonical(pd.DataFrame({"district_adcode": ["330206", "3302"], "year": [2021, 6202]}), INDICATORS)
    keys = row_keys(frame, INDICATORS).tolist()
    assert keys == [f"330206{KEY_SEPARATOR}2021", f"3302{KEY_SEPARATOR}6202"]
    assert len(set(keys)) == 2  # "3302062021" twice without the separator


def test_missing_values_equal_each_other_and_nothing_else():
    old = pd.Series([1.0, None, 2.0, None], dtype=float)
    new = pd.Series([1.0 + 1e-12, None, None, 3.0], dtype=float)
    assert values_equal(old, new).tolist() == [True, True, False, False]
    years_old, years_new = pd.array([2024, pd.NA, 2023], dtype="Int64"), pd.array([2024, pd.NA, pd.NA], dtype="Int64")
    assert values_equal(pd.Series(years_old), pd.Series(years_new)).tolist() == [True, True, False]


def test_a_one_part_multipolygon_equals_its_polygon():
    """The store promotes every polygon to multi on write; an unchanged plot must not count as changed."""
    square = shapely.box(0, 0, 1, 1)
    old = np.array([shapely.MultiPolygon([square]), square, None], dtype=object)
    new = np.array([square, shapely.box(0, 0, 1, 2), None], dtype=object)
    assert geometries_equal(old, new).tolist() == [True, False, True]


def test_a_column_differing_only_in_case_takes_the_stored_name():
    aligned = align_columns(pd.DataFrame({"Remark": ["x"], "new": [1]}), pd.DataFrame({"remark": ["y"]}))
    assert list(aligned.columns) == ["remark", "new"]


def test_merge_keeps_untouched_rows_in_place_and_appends_changed_and_new_ones():
    existing = canonical(_plots(["A", "B", "C"], ["pending", "pending", "in_progress"], [None, None, None]), PLOTS)
    incoming = canonical(_plots(["B", "C", "D"], ["reclaimed", "in_progress", "pending"], [2024, None, None]), PLOTS)
    # the incoming C lies where the existing B is: move it back so only its values are compared
    incoming.loc[1, "geometry"] = existing.geometry.iloc[2]
    incoming.loc[0, "geometry"] = existing.geometry.iloc[1]
    merged, counts, replaced, added = merge_rows(existing, incoming, PLOTS)
    assert counts == ChangeCounts("plots", added=1, updated=1, unchanged=1)
    assert merged["plot_id"].tolist() == ["A", "C", "B", "D"]
    assert merged.set_index("plot_id").loc["B", "status"] == "reclaimed"
    assert replaced.tolist() == [1] and added == ["D"]


def test_a_moved_plot_is_an_update_even_with_the_same_values():
    existing = canonical(_plots(["A"], ["pending"], [None]), PLOTS)
    moved = canonical(_plots(["A"], ["pending"], [None], shift=0.001), PLOTS)
    _merged, counts, _replaced, _added = merge_rows(existing, moved, PLOTS)
    assert counts.updated == 1 and counts.changed
