"""Issue 10's findings, each on a hand-made store small enough to read: baselines, compound pace, the year in
progress, "about" targets, designations, levels held, missing years and the district score."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hand_made import allocations_of, hand_layers, row_of

from spaces.planning.attainment import compute_attainment
from spaces.planning.calendar import elapsed_share, is_provisional, latest_final_year
from spaces.planning.pace import district_scores
from spaces.sample import build_sample

HAISHU, JIANGBEI, BEILUN, YINZHOU = "330203", "330205", "330206", "330212"
CITY = "330200"
INDICATOR_COLUMNS = ["district_adcode", "year", "tax_per_mu", "value_added_per_mu", "inefficient_enterprises_upgraded",
                     "scattered_polluting_enterprises_cleared", "etdz_national_rank"]


def _indicators(rows: list[dict]) -> dict:
    return {c: [r.get(c) for r in rows] for c in INDICATOR_COLUMNS}


def _growth(rows: list[tuple[int, float]], adcode: str = CITY) -> dict:
    return _indicators([{"district_adcode": adcode, "year": y, "tax_per_mu": v} for y, v in rows])


# 1. Exact targets are met as printed, with no float noise.
def test_exact_plus_40_percent_is_met_not_behind():
    """40 → 56 is 39.99999999999999 % in floating point: printed and judged as +40.0 %, met."""
    layers = hand_layers(indicators=_growth([(2021, 40.0), (2026, 56.0)]))
    row = row_of(compute_attainment(layers, allocations_of("x", {}), year=2026), CITY, "tax_per_mu_growth_pct")
    assert row["status"] == "met"


def test_the_same_growth_gets_the_same_status_whatever_the_levels():
    """41.7 → 51.708 and 30 → 37.2 are both +24 %: the same status in 2024."""
    statuses = set()
    for base, later in ((41.7, 51.708), (30.0, 37.2)):
        layers = hand_layers(indicators=_growth([(2021, base), (2024, later)]))
        statuses.add(row_of(compute_attainment(layers, allocations_of("x", {}), year=2024), CITY,
                          "tax_per_mu_growth_pct")["status"])
    assert statuses == {"on_track"}


# 2. Growth is paced compound.
@pytest.mark.parametrize("year", [2022, 2023, 2024, 2025])
def test_a_steady_path_to_plus_40_is_on_pace_every_year(year):
    """6.96 %/year reaches +40 % in 2026 exactly: on track each year before, not behind."""
    rate = 1.4 ** (1 / 5)
    rows = [(2021, 100.0)] + [(y, 100.0 * rate ** (y - 2021)) for y in range(2022, year + 1)]
    row = row_of(compute_attainment(hand_layers(indicators=_growth(rows)), allocations_of("x", {}), year=year),
               CITY, "tax_per_mu_growth_pct")
    assert row["status"] == "on_track"
    assert row["progress"] == pytest.approx(row["expected"], abs=2e-3)


# 3. A rank is paced from its 2021 rank.
def test_a_rank_far_from_the_target_is_behind():
    """Rank 50 in 2022 (no 2021 rank) was on track as 10/50 = 20 %; it is behind."""
    layers = hand_layers(indicators=_indicators([{"district_adcode": CITY, "year": 2022, "etdz_national_rank": 50}]))
    row = row_of(compute_attainment(layers, allocations_of("x", {}), year=2022), CITY, "etdz_national_rank")
    assert row["status"] == "behind"
    assert np.isnan(row["progress"])


def test_a_rank_progresses_from_its_2021_rank():
    """From 30th (2021) to 22nd (2022): 8 of the 20 places to the top 10 = 40 % ≥ 20 % elapsed."""
    rows = [{"district_adcode": CITY, "year": 2021, "etdz_national_rank": 30},
            {"district_adcode": CITY, "year": 2022, "etdz_national_rank": 22}]
    row = row_of(compute_attainment(hand_layers(indicators=_indicators(rows)), allocations_of("x", {}), year=2022),
               CITY, "etdz_national_rank")
    assert row["baseline"] == 30
    assert row["progress"] == pytest.approx(0.4)
    assert row["status"] == "on_track"
    assert row["projected_2026"] == 1  # 8 places a year, 40 in five years: clipped at first place


# 4. Stock held before the plan is the baseline, not progress.
def test_green_factories_certified_before_2022_are_not_progress():
    """Six national green factories from 2018 put 海曙 on track in 2022; they are its baseline."""
    factories = {"factory_id": [f"F{n}" for n in range(7)], "district_adcode": [HAISHU] * 7,
                 "level": ["national"] * 7, "national_year": pd.array([2018] * 6 + [2022], dtype="Int64")}
    allocations = allocations_of("national_green_factories", {HAISHU: 10})
    row = row_of(compute_attainment(hand_layers(factories=factories), allocations, year=2022), HAISHU,
               "national_green_factories")
    assert (row["actual"], row["baseline"]) == (7, 6)
    assert row["progress"] == pytest.approx(0.25)  # one of the four still to gain
    assert row["status"] == "on_track"
    before = row_of(compute_attainment(hand_layers(factories={**factories, "national_year": pd.array(
        [2018] * 7, dtype="Int64")}), allocations, year=2022), HAISHU, "national_green_factories")
    assert before["status"] == "behind"


def test_a_baseline_already_at_the_target_is_met():
    factories = {"factory_id": ["a", "b"], "district_adcode": [HAISHU] * 2, "level": ["national"] * 2,
                 "national_year": pd.array([2019, 2020], dtype="Int64")}
    row = row_of(compute_attainment(hand_layers(factories=factories), allocations_of("national_green_factories",
                                                                              {HAISHU: 2}), year=2022),
               HAISHU, "national_green_factories")
    assert row["status"] == "met"


# 5. The year in progress.
def test_the_default_year_is_the_latest_final_one():
    assert latest_final_year(today=date(2026, 12, 1)) == 2025
    assert latest_final_year(today=date(2026, 3, 31)) == 2024
    assert latest_final_year(today=date(2026, 4, 1)) == 2025
    assert latest_final_year(today=date(2030, 1, 1)) == 2026


def test_a_year_still_running_is_provisional_and_paced_by_the_part_gone_by():
    today = date(2026, 12, 1)
    assert is_provisional(2026, today=today) and not is_provisional(2025, today=today)
    assert elapsed_share(2026, today=today) == pytest.approx((4 + 334 / 365) / 5)
    assert elapsed_share(2026, today=date(2027, 2, 1)) == 1.0
    parks = {"park_id": ["a"], "district_adcode": [HAISHU], "strategic_park": [True],
             "established_year": pd.array([2023], dtype="Int64")}
    result = compute_attainment(hand_layers(parks=parks), allocations_of("strategic_parks", {HAISHU: 1}), year=2026,
                                today=today)
    assert result["provisional"].all()
    final = compute_attainment(hand_layers(parks=parks), allocations_of("strategic_parks", {HAISHU: 1}), year=2025,
                               today=today)
    assert not final["provisional"].any()


# 6. "About" targets.
@pytest.mark.parametrize(("parks", "status"), [(19, "met"), (18, "met"), (17, "behind"), (21, "met")])
def test_about_20_parks_is_met_inside_the_band(parks, status):
    frame = {"park_id": [f"P{n}" for n in range(parks)], "district_adcode": [HAISHU] * parks,
             "strategic_park": [True] * parks, "established_year": pd.array([2023] * parks, dtype="Int64")}
    row = row_of(compute_attainment(hand_layers(parks=frame), allocations_of("x", {}), year=2026), CITY, "strategic_parks")
    assert row["status"] == status


# 7. Designations, not one row feeding three targets.
def test_a_green_park_that_is_not_strategic_does_not_count_among_the_20():
    parks = {"park_id": ["s", "g"], "district_adcode": [HAISHU, HAISHU], "strategic_park": [True, False],
             "established_year": pd.array([2022, 2022], dtype="Int64"), "green_park_level": [None, "national"],
             "green_park_year": pd.array([None, 2023], dtype="Int64")}
    result = compute_attainment(hand_layers(parks=parks), allocations_of("x", {}), year=2024)
    assert row_of(result, CITY, "strategic_parks")["actual"] == 1
    assert row_of(result, CITY, "green_parks")["actual"] == 1


# 8. 万亩千亿: only accepted platforms, from their year of acceptance.
def test_only_accepted_platforms_count_from_their_acceptance_year():
    parks = {"park_id": ["a", "b", "c"], "district_adcode": [HAISHU] * 3, "strategic_park": [True] * 3,
             "established_year": pd.array([2022] * 3, dtype="Int64"),
             "wanmu_qianyi": ["accepted", "cultivating", "accepted"],
             "wanmu_qianyi_year": pd.array([2023, None, 2025], dtype="Int64")}
    result = compute_attainment(hand_layers(parks=parks), allocations_of("x", {}), year=2024)
    assert row_of(result, CITY, "wanmu_qianyi_platforms")["actual"] == 1


# 9. A factory counts towards every level it holds.
def test_a_factory_promoted_to_national_stays_among_the_municipal():
    factories = {"factory_id": ["a", "b"], "district_adcode": [YINZHOU] * 2, "level": ["national", "municipal"],
                 "municipal_year": pd.array([2022, 2023], dtype="Int64"),
                 "national_year": pd.array([2024, None], dtype="Int64")}
    result = compute_attainment(hand_layers(factories=factories), allocations_of("x", {}), year=2024)
    assert row_of(result, YINZHOU, "municipal_green_factories")["actual"] == 2
    assert row_of(result, YINZHOU, "national_green_factories")["actual"] == 1


def test_old_files_with_level_and_no_year_columns_still_count():
    """A factory with only ``level`` holds that level; with no year it is taken as held before the plan."""
    factories = {"factory_id": ["a"], "district_adcode": [YINZHOU], "level": ["municipal"]}
    row = row_of(compute_attainment(hand_layers(factories=factories), allocations_of("x", {}), year=2024), YINZHOU,
               "municipal_green_factories")
    assert (row["actual"], row["baseline"]) == (1, 1)


# 10. Missing years, empty layers and stale values.
def test_an_empty_layer_gives_null_not_zero_behind():
    result = compute_attainment(hand_layers(), allocations_of("strategic_parks", {HAISHU: 2}), year=2024)
    row = row_of(result, HAISHU, "strategic_parks")
    assert np.isnan(row["actual"]) and row["status"] is None


def test_a_layer_with_rows_elsewhere_gives_zero_in_a_district():
    parks = {"park_id": ["a"], "district_adcode": [BEILUN], "strategic_park": [True],
             "established_year": pd.array([2022], dtype="Int64")}
    row = row_of(compute_attainment(hand_layers(parks=parks), allocations_of("strategic_parks", {HAISHU: 2}), year=2024),
               HAISHU, "strategic_parks")
    assert row["actual"] == 0 and row["status"] == "behind"


def test_a_flow_with_a_missing_year_is_judged_at_its_last_complete_year():
    """2022 and 2023 reported, 2024 not: judged at 2023 (40 % elapsed), flagged stale, never 2024 as 0."""
    rows = [{"district_adcode": HAISHU, "year": y, "inefficient_enterprises_upgraded": 20} for y in (2022, 2023)]
    allocations = allocations_of("inefficient_enterprises_upgraded", {HAISHU: 100})
    row = row_of(compute_attainment(hand_layers(indicators=_indicators(rows)), allocations, year=2024), HAISHU,
               "inefficient_enterprises_upgraded")
    assert (row["actual"], row["as_of"], row["expected"]) == (40, 2023, pytest.approx(0.4))
    assert row["stale"] and row["status"] == "on_track"


def test_an_old_growth_value_standing_for_a_later_year_is_flagged():
    layers = hand_layers(indicators=_growth([(2021, 50.0), (2022, 55.0)], adcode=HAISHU))
    row = row_of(compute_attainment(layers, allocations_of("tax_per_mu_growth_pct", {HAISHU: 40}), year=2026),
               HAISHU, "tax_per_mu_growth_pct")
    assert row["as_of"] == 2022 and row["stale"]


# 11. The ranking.
def _long(rows: list[tuple[str, float, float, float, str]]) -> pd.DataFrame:
    return pd.DataFrame([{"adcode": a, "district": a, "key": f"k{n}", "target": t, "progress": p,
                          "expected": 0.6, "status": s} for n, (a, t, p, _, s) in enumerate(rows)])


def test_a_target_of_zero_is_not_a_free_point_in_the_ranking():
    long = _long([(HAISHU, 0, np.nan, 0, "met"), (HAISHU, 10, 0.3, 0, "behind"),
                  (BEILUN, 10, 0.6, 0, "on_track")])
    table = district_scores(long).set_index("adcode")
    assert table.loc[HAISHU, "scored"] == 1
    assert table.loc[BEILUN, "rank"] == 1 and table.loc[HAISHU, "rank"] == 2


def test_the_score_ranks_how_far_ahead_not_how_many_met():
    """One target met and one far behind scores below two targets a little ahead of pace."""
    long = _long([(HAISHU, 10, 1.0, 0, "met"), (HAISHU, 10, 0.06, 0, "behind"),
                  (BEILUN, 10, 0.66, 0, "on_track"), (BEILUN, 10, 0.66, 0, "on_track")])
    table = district_scores(long).set_index("adcode")
    assert table.loc[HAISHU, "score"] == pytest.approx((1.5 + 0.1) / 2)
    assert table.loc[BEILUN, "score"] == pytest.approx(1.1)
    assert table.loc[BEILUN, "rank"] == 1


def test_equal_scores_share_a_rank():
    long = _long([(HAISHU, 10, 0.6, 0, "on_track"), (BEILUN, 10, 0.6, 0, "on_track"),
                  (YINZHOU, 10, 0.3, 0, "behind")])
    assert district_scores(long).set_index("adcode")["rank"].to_dict() == {HAISHU: 1, BEILUN: 1, YINZHOU: 3}


# Projection.
def test_projection_follows_the_pace_so_far():
    plots = {"plot_id": ["a"], "district_adcode": [HAISHU], "status": ["reclaimed"],
             "reclaimed_year": pd.array([2023], dtype="Int64"), "area_mu": [30.0]}
    row = row_of(compute_attainment(hand_layers(plots=plots), allocations_of("reclaimed_land_mu", {HAISHU: 100}), year=2024),
               HAISHU, "reclaimed_land_mu")
    assert row["projected_2026"] == pytest.approx(50.0)  # 30 亩 in 60 % of the time
    assert row["projected_progress"] == pytest.approx(0.5)


# 14. Sample slips.
def test_sample_designations_follow_the_facts():
    parks = build_sample()["parks"].set_index("name_zh")
    qianwan = parks.loc["宁波前湾新区智能汽车产业平台"]
    assert (qianwan["wanmu_qianyi"], qianwan["wanmu_qianyi_year"]) == ("accepted", 2023)
    assert pd.isna(parks.loc["鄞州经济开发区", "level"])
    invented = parks.loc[~parks["approximate"].astype(bool) & parks["green_park_year"].notna()]
    assert (invented["green_park_year"] >= invented["established_year"]).all()


# Annual tasks (分年度目标).
def _plots_reclaimed(mu: float, year: int = 2024) -> dict:
    return {"plot_id": ["a"], "district_adcode": [HAISHU], "status": ["reclaimed"],
            "reclaimed_year": pd.array([year], dtype="Int64"), "area_mu": [mu]}


def test_an_annual_task_replaces_the_time_share_for_its_year():
    """35 of 100 亩 by 2024 is behind the 60 % time share, but on track against a 2024 task of 30 亩."""
    allocations = allocations_of("reclaimed_land_mu", {HAISHU: 100})
    plain = row_of(compute_attainment(hand_layers(plots=_plots_reclaimed(35)), allocations, year=2024), HAISHU,
                 "reclaimed_land_mu")
    assert (plain["expected"], plain["status"]) == (pytest.approx(0.6), "behind")
    tasked = row_of(compute_attainment(hand_layers(plots=_plots_reclaimed(35)), allocations.assign(task_2024=30.0),
                                     year=2024), HAISHU, "reclaimed_land_mu")
    assert (tasked["annual_task"], tasked["expected"], tasked["status"]) == (30, pytest.approx(0.3), "on_track")
    assert tasked["projected_2026"] == plain["projected_2026"]  # the projection still follows time


def test_a_task_for_another_year_or_a_stale_figure_leaves_the_time_share():
    allocations = allocations_of("reclaimed_land_mu", {HAISHU: 100}).assign(task_2025=90.0)
    row = row_of(compute_attainment(hand_layers(plots=_plots_reclaimed(35)), allocations, year=2024), HAISHU,
               "reclaimed_land_mu")
    assert row["expected"] == pytest.approx(0.6) and np.isnan(row["annual_task"])
    rows = [{"district_adcode": HAISHU, "year": y, "inefficient_enterprises_upgraded": 20} for y in (2022, 2023)]
    allocations = allocations_of("inefficient_enterprises_upgraded", {HAISHU: 100}).assign(task_2024=10.0)
    stale = row_of(compute_attainment(hand_layers(indicators=_indicators(rows)), allocations, year=2024), HAISHU,
                 "inefficient_enterprises_upgraded")
    assert stale["as_of"] == 2023 and stale["expected"] == pytest.approx(0.4)


def test_annual_task_columns_import_under_their_chinese_headers(tmp_path):
    from spaces.intake import validate_file

    table = tmp_path / "分年度目标.csv"
    table.write_text("区县代码,指标代码,目标值,2024年任务\n330203,reclaimed_land_mu,100,30\n", encoding="utf-8")
    frame = validate_file(table, "allocations").frame
    assert frame.loc[0, "task_2024"] == 30.0
