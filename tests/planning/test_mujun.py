"""Scores and classes of the 亩均 evaluation: formulas, benchmarks, missing items, cut-offs and ties, official grades."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spaces.planning.mujun import indicator_values, score_enterprises
from spaces.reference.mujun_method import load_method

METHOD = load_method()


def firm(enterprise_id: str, *, year: int = 2024, group: str = "below_scale_large", district: str = "330206",
         land: float = 10.0, tax: float | None = 100.0, electricity: float | None = 50.0, **more) -> dict:
    """A 规下 firm by default: its score is 50 × 亩均税收 ratio + 50 × 单位电耗税收 ratio, easy to do by hand."""
    return {"enterprise_id": enterprise_id, "year": year, "group": group, "district_adcode": district,
            "land_mu": land, "tax": tax, "electricity_mwh": electricity, "grade": None, **more}


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def test_each_indicator_is_its_published_formula():
    """黄岩区 2022 (ningbo-facts.md §5): 亩均税收 = 税收/用地, 单位能耗增加值 = 增加值/能耗, R&D占比 in %."""
    firms = frame(firm("a", land=20, tax=864, value_added=2000, energy_tce=400, emissions=8, employees=100,
                       rd_expense=30, revenue=1200, electricity=432))
    values = indicator_values(firms, METHOD).iloc[0]
    assert values["tax_per_mu"] == pytest.approx(43.2)
    assert values["value_added_per_mu"] == pytest.approx(100)
    assert values["value_added_per_energy"] == pytest.approx(5)
    assert values["value_added_per_emission"] == pytest.approx(250)
    assert values["labour_productivity"] == pytest.approx(20)
    assert values["rd_share"] == pytest.approx(2.5)
    assert values["tax_per_electricity"] == pytest.approx(2)


def test_the_benchmark_is_twice_the_districts_previous_year_level_summed_not_averaged():
    """2023: two firms, 10 亩 with 100 and 30 亩 with 900 -> Σ/Σ = 25 万元/亩 (a mean of ratios would say 20).
    The 2024 firm's benchmark is 2 × 25 = 50; its 亩均税收 of 40 scores 50 × 40/50 = 40 points."""
    firms = frame(firm("a", year=2023, land=10, tax=100), firm("b", year=2023, land=30, tax=900),
                  firm("c", year=2024, land=10, tax=400, electricity=None))
    scored = score_enterprises(firms, METHOD).set_index("enterprise_id")
    assert scored.loc["c", "score"] == pytest.approx(40.0)  # no electricity: that item scores 0
    # 2023 has no year before: its own levels are the benchmarks, 2 × 25 万元/亩 and 2 × 10 万元/兆瓦时
    electricity_level = (100 + 900) / (50 + 50)
    expected_a = 50 * (100 / 10) / (2 * 25) + 50 * (100 / 50) / (2 * electricity_level)
    assert scored.loc["a", "score"] == pytest.approx(round(expected_a, 2))


def test_another_district_or_group_does_not_move_the_benchmark():
    base = frame(firm("a", year=2023), firm("b", year=2024, tax=150))
    other = pd.concat([base, frame(firm("x", year=2023, district="330212", tax=9000),
                                   firm("y", year=2023, group="below_scale_small", tax=9000))])
    assert score_enterprises(base).set_index("enterprise_id").loc["b", "score"] == \
        score_enterprises(other).set_index("enterprise_id").loc["b", "score"]


def test_a_ratio_above_the_cap_counts_as_the_cap():
    firms = frame(firm("a", year=2023), firm("b", year=2024, tax=10_000, electricity=None))
    scored = score_enterprises(firms, METHOD).set_index("enterprise_id")
    assert scored.loc["b", "score"] == 50 * METHOD.max_ratio


def test_missing_items_score_zero_the_average_or_leave_the_firm_not_evaluated():
    """规上 firms without emissions get the item's average (黄岩区 rule); without tax they are T."""
    common = {"group": "above_scale", "value_added": 1000.0, "energy_tce": 100.0, "employees": 10.0,
              "rd_expense": 10.0, "revenue": 100.0}
    firms = frame(firm("a", emissions=10.0, **common), firm("b", emissions=40.0, **common),
                  firm("c", emissions=None, **common), firm("d", tax=None, emissions=10.0, **common))
    scored = score_enterprises(firms, METHOD).set_index("enterprise_id")
    emission_points = {}
    for key in ("a", "b"):
        only = score_enterprises(firms.assign(emissions=None), METHOD).set_index("enterprise_id")
        emission_points[key] = scored.loc[key, "score"] - only.loc[key, "score"]
    gained_by_c = scored.loc["c", "score"] - score_enterprises(firms.assign(emissions=None)).set_index(
        "enterprise_id").loc["c", "score"]
    assert gained_by_c == pytest.approx(np.mean(list(emission_points.values())), abs=0.011)
    assert scored.loc["d", "class_computed"] == "T" and np.isnan(scored.loc["d", "score"])
    assert scored.loc[["a", "b", "c"], "ranked"].tolist() == [3, 3, 3]


def _ranked(scores: list[float]) -> pd.DataFrame:
    """Firms whose 规下 scores are exactly ``scores``: tax per mu at a fixed benchmark, no electricity."""
    firms = frame(*(firm(f"f{i:02d}", tax=score * 10 / 50 * 2 * 0.5, electricity=None) for i, score in
                    enumerate(scores)))
    method = _fixed_benchmark(1.0)
    return score_enterprises(firms, method)


def _fixed_benchmark(value: float):
    from dataclasses import replace
    groups = {g: tuple(replace(i, benchmark=value) for i in items) for g, items in METHOD.groups.items()}
    return replace(METHOD, groups=groups, max_ratio=float("inf"))


def test_twenty_firms_fall_4_8_7_1_at_the_exact_cut_offs():
    scored = _ranked([float(100 - i) for i in range(20)])
    assert scored["class_computed"].tolist() == ["A"] * 4 + ["B"] * 8 + ["C"] * 7 + ["D"]
    assert scored["rank"].tolist() == list(range(1, 21))


def test_ten_firms_have_no_d_and_one_firm_is_a():
    """Bottom 5 % of 10 firms is half a firm: none is D (0.9 of the firms are ranked above the last)."""
    assert _ranked([float(i) for i in range(10, 0, -1)])["class_computed"].tolist() == \
        ["A"] * 2 + ["B"] * 4 + ["C"] * 4
    assert _ranked([7.0])["class_computed"].tolist() == ["A"]


def test_ties_across_a_cut_off_share_the_better_class():
    """Ranks 4 and 5 of 20 tie: both rank 4, both A (5 A); ranks 19 and 20 tie: both C, no D."""
    scores = [float(100 - i) for i in range(20)]
    scores[4] = scores[3]
    scores[19] = scores[18]
    scored = _ranked(scores)
    assert scored["class_computed"].tolist() == ["A"] * 5 + ["B"] * 7 + ["C"] * 8
    assert scored["rank"].tolist()[3:5] == [4, 4]


def test_classes_are_cut_per_district():
    one = _ranked([float(100 - i) for i in range(20)])
    two = one.assign(district_adcode="330212", score=one["score"] / 2)
    both = score_enterprises(pd.concat([one.drop(columns=["score"]).assign(score=None),
                                        two.drop(columns=["score"]).assign(score=None)], ignore_index=True),
                             _fixed_benchmark(1.0))
    assert both.groupby("district_adcode")["class_computed"].apply(lambda c: (c == "A").sum()).tolist() == [4, 4]


def test_the_official_grade_wins_and_both_are_kept():
    firms = frame(firm("a", tax=500), firm("b", tax=10, grade="A", score=91.5), firm("c", tax=5, grade=None))
    scored = score_enterprises(firms).set_index("enterprise_id")
    assert scored.loc["b", "class_computed"] != "A"
    assert (scored.loc["b", "class_official"], scored.loc["b", "class"]) == ("A", "A")
    assert scored.loc["b", "score_official"] == 91.5
    assert scored.loc["c", "class"] == scored.loc["c", "class_computed"]
    assert scored.loc["c", "class_official"] is None
