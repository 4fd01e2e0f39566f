"""The attainment engine on tiny hand-built layers whose right answers can be worked out by hand."""

import numpy as np
import pandas as pd
import pytest
from hand_made import allocations_of, hand_layers, row_of

from spaces.planning.attainment import compute_attainment, elapsed_share
from spaces.reference.districts import DISTRICT_ADCODES

HAISHU, BEILUN, YINZHOU = "330203", "330206", "330212"


@pytest.mark.parametrize(("year", "share"), [(2022, 0.2), (2024, 0.6), (2026, 1.0)])
def test_elapsed_share_counts_whole_years_of_the_plan(year, share):
    assert elapsed_share(year) == pytest.approx(share)


@pytest.mark.parametrize("year", [2021, 2027])
def test_years_outside_the_plan_are_refused(year):
    with pytest.raises(ValueError, match="2022 and 2026"):
        elapsed_share(year)


def test_every_target_for_every_district_and_the_city():
    """The result has 11 rows per target, districts in adcode order and the city last."""
    result = compute_attainment(hand_layers(), allocations_of("strategic_parks", {}), year=2024)
    assert len(result) == 12 * 11
    first = result.loc[result["key"] == "strategic_parks", "adcode"].tolist()
    assert first == [*DISTRICT_ADCODES, "330200"]


def test_count_stock_counts_unknown_years_and_not_future_ones():
    """A park counts when its year is <= Y or unknown (then as held before the plan); a 2025 park does not
    count in 2024. No ``strategic_park`` column: every park is a strategic park, as before the column."""
    parks = {"park_id": ["a", "b", "c", "d"], "district_adcode": [HAISHU, HAISHU, HAISHU, BEILUN],
             "established_year": pd.array([2022, None, 2025, 2023], dtype="Int64"),
             "wanmu_qianyi": ["accepted", None, "accepted", None],
             "wanmu_qianyi_year": pd.array([2022, None, 2025, None], dtype="Int64"),
             "green_park_level": [None, "national", None, "municipal"],
             "green_park_year": pd.array([None, 2023, None, 2025], dtype="Int64")}
    result = compute_attainment(hand_layers(parks=parks), allocations_of("strategic_parks", {HAISHU: 4}), year=2024)
    haishu = row_of(result, HAISHU, "strategic_parks")
    assert haishu["actual"] == 2
    assert haishu["baseline"] == 1  # the park of unknown year
    assert haishu["attainment"] == pytest.approx(0.5)
    assert row_of(result, "330200", "strategic_parks")["actual"] == 3
    assert row_of(result, "330200", "wanmu_qianyi_platforms")["actual"] == 1
    # Green parks use the year of the green title, not the founding year.
    assert row_of(result, "330200", "green_parks")["actual"] == 1


def test_each_factory_counts_at_the_levels_it_holds_from_their_years():
    factories = {"factory_id": list("abcd"), "district_adcode": [YINZHOU] * 4,
                 "level": ["national", "municipal", "provincial", "municipal"],
                 "national_year": pd.array([2019, None, None, None], dtype="Int64"),
                 "provincial_year": pd.array([None, None, 2020, None], dtype="Int64"),
                 "municipal_year": pd.array([None, 2024, None, None], dtype="Int64")}
    result = compute_attainment(hand_layers(factories=factories), allocations_of("x", {}), year=2023)
    assert row_of(result, YINZHOU, "national_green_factories")["actual"] == 1
    assert row_of(result, YINZHOU, "municipal_green_factories")["actual"] == 1  # 2024 not yet, unknown year counts


def test_reclaimed_land_sums_reclaimed_plots_in_the_plan_window_only():
    """2021 and later-than-Y reclaimed plots and non-reclaimed plots add nothing."""
    plots = {"plot_id": list("abcde"), "district_adcode": [HAISHU] * 4 + [BEILUN],
             "status": ["reclaimed", "reclaimed", "reclaimed", "in_progress", "reclaimed"],
             "reclaimed_year": pd.array([2021, 2022, 2025, None, 2023], dtype="Int64"),
             "area_mu": [100.0, 10.0, 1000.0, 5.0, 7.5]}
    result = compute_attainment(hand_layers(plots=plots), allocations_of("reclaimed_land_mu", {HAISHU: 40.0}), year=2024)
    haishu = row_of(result, HAISHU, "reclaimed_land_mu")
    assert haishu["actual"] == pytest.approx(10.0)
    assert haishu["attainment"] == pytest.approx(0.25)
    assert haishu["status"] == "behind"  # 25% < 60% of the time elapsed by 2024
    assert row_of(result, "330200", "reclaimed_land_mu")["actual"] == pytest.approx(17.5)
    assert row_of(result, "330200", "reclaimed_land_mu")["target"] == 50000


def test_status_thresholds_follow_the_time_elapsed():
    """At 2024 (60% elapsed): 60% is on track, 59% behind, 100% met."""
    plots = {"plot_id": ["a", "b", "c"], "district_adcode": [HAISHU, BEILUN, YINZHOU],
             "status": ["reclaimed"] * 3, "reclaimed_year": pd.array([2023] * 3, dtype="Int64"),
             "area_mu": [60.0, 59.0, 100.0]}
    allocations = allocations_of("reclaimed_land_mu", {HAISHU: 100, BEILUN: 100, YINZHOU: 100})
    result = compute_attainment(hand_layers(plots=plots), allocations, year=2024)
    assert row_of(result, HAISHU, "reclaimed_land_mu")["status"] == "on_track"
    assert row_of(result, BEILUN, "reclaimed_land_mu")["status"] == "behind"
    assert row_of(result, YINZHOU, "reclaimed_land_mu")["status"] == "met"


def _indicators(rows):
    columns = ["district_adcode", "year", "tax_per_mu", "value_added_per_mu", "inefficient_enterprises_upgraded",
               "scattered_polluting_enterprises_cleared", "etdz_national_rank"]
    return {c: [r.get(c) for r in rows] for c in columns}


def test_enterprise_counts_sum_2022_to_y_and_a_city_row_overrides_that_year():
    rows = [
        {"district_adcode": HAISHU, "year": 2021, "inefficient_enterprises_upgraded": 1000},
        {"district_adcode": HAISHU, "year": 2022, "inefficient_enterprises_upgraded": 10},
        {"district_adcode": BEILUN, "year": 2022, "inefficient_enterprises_upgraded": 5},
        {"district_adcode": HAISHU, "year": 2023, "inefficient_enterprises_upgraded": 20},
        {"district_adcode": "330200", "year": 2023, "inefficient_enterprises_upgraded": 100},
        {"district_adcode": HAISHU, "year": 2025, "inefficient_enterprises_upgraded": 7},
    ]
    result = compute_attainment(hand_layers(indicators=_indicators(rows)), allocations_of("x", {}), year=2024)
    assert row_of(result, HAISHU, "inefficient_enterprises_upgraded")["actual"] == 30
    assert row_of(result, BEILUN, "inefficient_enterprises_upgraded")["actual"] == 5
    # 2022: district sum 15; 2023: the city row (100) replaces the district sum (20).
    assert row_of(result, "330200", "inefficient_enterprises_upgraded")["actual"] == 115
    assert np.isnan(row_of(result, YINZHOU, "inefficient_enterprises_upgraded")["actual"])  # no data is not zero


def test_growth_uses_the_latest_year_with_data_and_needs_a_2021_baseline():
    rows = [
        {"district_adcode": HAISHU, "year": 2021, "tax_per_mu": 50.0},
        {"district_adcode": HAISHU, "year": 2023, "tax_per_mu": 60.0},
        {"district_adcode": HAISHU, "year": 2025, "tax_per_mu": 80.0},
        {"district_adcode": BEILUN, "year": 2023, "tax_per_mu": 60.0},  # no baseline
        {"district_adcode": YINZHOU, "year": 2021, "tax_per_mu": 40.0},  # baseline only
    ]
    allocations = allocations_of("tax_per_mu_growth_pct", {HAISHU: 40.0, BEILUN: 40.0, YINZHOU: 40.0})
    result = compute_attainment(hand_layers(indicators=_indicators(rows)), allocations, year=2024)
    haishu = row_of(result, HAISHU, "tax_per_mu_growth_pct")
    assert haishu["actual"] == pytest.approx(20.0)
    assert haishu["attainment"] == pytest.approx(0.5)
    assert np.isnan(row_of(result, BEILUN, "tax_per_mu_growth_pct")["actual"])
    assert np.isnan(row_of(result, YINZHOU, "tax_per_mu_growth_pct")["actual"])
    assert row_of(result, YINZHOU, "tax_per_mu_growth_pct")["status"] is None
    assert np.isnan(row_of(result, "330200", "tax_per_mu_growth_pct")["actual"])  # ratios are not summed


def test_etdz_rank_lower_is_better_city_only():
    rows = [{"district_adcode": "330200", "year": 2022, "etdz_national_rank": 40},
            {"district_adcode": BEILUN, "year": 2024, "etdz_national_rank": 8}]
    layers = hand_layers(indicators=_indicators(rows))
    city_2023 = row_of(compute_attainment(layers, allocations_of("x", {}), year=2023), "330200", "etdz_national_rank")
    assert city_2023["actual"] == 40
    assert city_2023["attainment"] == pytest.approx(0.25)
    assert city_2023["status"] == "behind"  # 25% < 40% of the time elapsed by 2023
    result_2024 = compute_attainment(layers, allocations_of("x", {}), year=2024)
    assert row_of(result_2024, "330200", "etdz_national_rank")["status"] == "met"
    beilun = row_of(result_2024, BEILUN, "etdz_national_rank")
    assert np.isnan(beilun["actual"]) and np.isnan(beilun["target"])


def test_empty_store_gives_nulls_not_a_crash():
    """A layer with no rows at all says nothing (null, no status); indicators with no data are null."""
    result = compute_attainment(hand_layers(), allocations_of("strategic_parks", {HAISHU: 2}), year=2026)
    assert np.isnan(row_of(result, HAISHU, "strategic_parks")["actual"])
    assert row_of(result, HAISHU, "strategic_parks")["status"] is None
    assert np.isnan(row_of(result, HAISHU, "tax_per_mu_growth_pct")["actual"])
    assert np.isnan(row_of(result, BEILUN, "strategic_parks")["target"])  # no allocation -> no target
    assert row_of(result, BEILUN, "strategic_parks")["status"] is None


def test_a_zero_district_target_has_no_attainment_ratio():
    parks = {"park_id": ["a"], "district_adcode": [BEILUN], "established_year": pd.array([2022], dtype="Int64")}
    result = compute_attainment(hand_layers(parks=parks), allocations_of("wanmu_qianyi_platforms", {HAISHU: 0}), year=2026)
    row = row_of(result, HAISHU, "wanmu_qianyi_platforms")
    assert np.isnan(row["attainment"])
    assert row["status"] == "met"


def test_inputs_are_not_mutated():
    plots = {"plot_id": ["a"], "district_adcode": [HAISHU], "status": ["reclaimed"],
             "reclaimed_year": pd.array([2023], dtype="Int64"), "area_mu": [3.0]}
    layers = hand_layers(plots=plots)
    before = layers["plots"].copy()
    compute_attainment(layers, allocations_of("x", {}), year=2024)
    pd.testing.assert_frame_equal(layers["plots"], before)
