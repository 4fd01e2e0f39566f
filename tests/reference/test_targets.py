"""The plan's targets as data, and the illustrative district allocations derived from them."""

import pandas as pd
import pytest

from spaces.reference.districts import DISTRICT_ADCODES
from spaces.reference.targets import (
    TARGET_KEYS,
    WEIGHTS_FILE,
    allocate,
    district_allocations,
    format_amount,
    load_default_allocations,
    load_targets,
)

# The numbers of the plan's 产业空间重构 action, as the seed article words them.
PLAN = {
    "strategic_parks": 20, "industrial_communities": 70, "wanmu_qianyi_platforms": 5, "etdz_national_rank": 10,
    "reclaimed_land_mu": 50000, "tax_per_mu_growth_pct": 40, "value_added_per_mu_growth_pct": 40,
    "inefficient_enterprises_upgraded": 4000, "scattered_polluting_enterprises_cleared": 5000,
    "national_green_factories": 150, "green_parks": 20, "municipal_green_factories": 1000,
}


def test_targets_have_exactly_the_plan_keys_and_numbers():
    targets = load_targets()
    assert tuple(targets) == TARGET_KEYS
    assert {key: target.target for key, target in targets.items()} == PLAN


def test_every_target_is_labelled_in_both_languages_with_its_plan_text():
    for target in load_targets().values():
        assert target.label_zh and target.label_en and target.unit_zh and target.unit_en
        assert str(int(target.target)) in target.plan_text.replace("5万", "50000")
        assert target.baseline_year == 2021


def test_only_the_rank_is_lower_is_better_and_city_only():
    lower = [t.key for t in load_targets().values() if t.lower_is_better]
    city = [t.key for t in load_targets().values() if t.scope == "city"]
    assert lower == city == ["etdz_national_rank"]


@pytest.mark.parametrize("total", [5, 20, 70, 4000, 50000])
def test_allocate_adds_up_to_the_total(total):
    weights = pd.Series([3, 3, 3, 2, 2, 2, 1, 1, 1, 1], index=list(DISTRICT_ADCODES), dtype=float)
    parts = allocate(total, weights)
    assert parts.sum() == total
    assert (parts >= 0).all()
    # Largest remainder never moves a part more than one step from its exact share.
    exact = weights / weights.sum() * total
    assert ((parts - exact).abs() < 1).all()


def test_allocate_in_steps_of_ten():
    parts = allocate(50000, pd.Series({"a": 1.0, "b": 1.0, "c": 1.0}), step=10.0)
    assert parts.sum() == 50000
    assert (parts % 10 == 0).all()


def test_shipped_allocations_match_the_documented_rule():
    """geodata/allocations.csv is what scripts/build_allocations.py makes from the weights."""
    weights = pd.read_csv(WEIGHTS_FILE, dtype={"district_adcode": str}).set_index("district_adcode")["weight"]
    expected = district_allocations(weights.astype(float)).reset_index(drop=True)
    shipped = load_default_allocations().reset_index(drop=True)
    pd.testing.assert_frame_equal(shipped[expected.columns], expected, check_dtype=False)


def test_shipped_allocations_add_up_to_the_city_targets_and_are_marked_illustrative():
    shipped = load_default_allocations()
    assert shipped["basis"].str.startswith("illustrative").all()
    assert set(shipped["district_adcode"]) == set(DISTRICT_ADCODES)
    totals = shipped.groupby("target_key")["target"].sum()
    for key, target in load_targets().items():
        if target.scope == "city":
            assert key not in totals
        elif target.measure == "indicator_growth":
            assert (shipped.loc[shipped["target_key"] == key, "target"] == target.target).all()
        else:
            assert totals[key] == pytest.approx(target.target)


@pytest.mark.parametrize(("language", "rank", "land"), [("zh", "第 9 名", "5,642.3 亩"), ("en", "No. 9", "5,642.3 mu")])
def test_amounts_read_with_their_units(language, rank, land):
    from spaces.reference.targets import format_amount

    targets = load_targets()
    assert format_amount(9, targets["etdz_national_rank"], language) == rank
    assert format_amount(5642.26, targets["reclaimed_land_mu"], language) == land
    assert format_amount(38.42, targets["tax_per_mu_growth_pct"], language) == "38.4%"
    assert format_amount(None, targets["strategic_parks"], language) == "—"


@pytest.mark.parametrize(("value", "english"), [(1, "1 park"), (2, "2 parks"), (0, "0 parks"), (1.0, "1 park")])
def test_an_english_count_of_one_is_singular(value, english):
    parks = load_targets()["strategic_parks"]
    assert format_amount(value, parks, "en") == english
    assert format_amount(value, parks, "zh").endswith(" 个")


def test_every_counted_unit_has_its_singular():
    """Counts (parks, communities, platforms, enterprises, factories) need a singular; 亩, % and rank do not."""
    for target in load_targets().values():
        counted = target.unit_en not in ("mu", "%", "rank")
        assert (target.unit_one_en is not None) == counted, target.key
        if counted:
            assert target.unit("en", count="1") != target.unit("en", count="2")
