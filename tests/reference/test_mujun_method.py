"""The evaluation method is data: the shipped illustrative file loads, a planner's own replaces it, bad ones are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from spaces.errors import ReferenceDataError
from spaces.reference.mujun_method import METHOD_FILE, METHOD_VARIABLE, load_method

SHIPPED = METHOD_FILE.read_text(encoding="utf-8")


def test_the_shipped_method_is_the_published_pattern_labelled_illustrative():
    method = load_method(METHOD_FILE)
    assert method.illustrative and len(method.sources) == 3
    assert method.cutoffs == {"A": 20, "B": 60, "C": 95}
    weights = {group: [item.weight for item in items] for group, items in method.groups.items()}
    assert weights["above_scale"] == [30, 20, 20, 10, 10, 10]  # 黄岩区 2022 (ningbo-facts.md §5)
    assert weights["below_scale_large"] == weights["below_scale_small"] == [50, 50]
    assert all(sum(w) == 100 for w in weights.values())
    emission = next(i for i in method.groups["above_scale"] if i.indicator == "value_added_per_emission")
    assert emission.missing == "average"
    assert {i.benchmark_factor for items in method.groups.values() for i in items} == {2.0}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "method.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_planners_file_named_in_the_environment_replaces_the_shipped_one(tmp_path, monkeypatch):
    path = _write(tmp_path, SHIPPED.replace("A = 20", "A = 10"))
    monkeypatch.setenv(METHOD_VARIABLE, str(path))
    assert load_method().cutoffs["A"] == 10
    assert load_method(METHOD_FILE).cutoffs["A"] == 20  # an explicit path wins over the variable


@pytest.mark.parametrize(("old", "new", "words"), [
    ("A = 20", "A = 70", "must rise"),
    ('indicator = "rd_share"', 'indicator = "happiness"', "unknown indicator"),
    ('missing = "average"', 'missing = "guess"', "missing must be one of"),
    ("[groups.leased]", "[groups.renters]", "unknown group"),
    ('numerator = "tax"', 'numerator = "name_zh"', "not a number column"),
    ('benchmark = "previous_year_mean", benchmark_factor = 2, missing = "average"',
     'benchmark = -1, benchmark_factor = 2, missing = "average"', "benchmark must be"),
    ("weight = 30", "weight = 0", "weight and benchmark_factor must be > 0"),
    ('rank_within = ["district_adcode", "year", "group"]', 'rank_within = ["group"]', "rank_within"),
    ("[classes]", "[classes_typo]", "malformed"),
])
def test_a_bad_method_file_is_refused_naming_the_file(tmp_path, old, new, words):
    assert old in SHIPPED
    with pytest.raises(ReferenceDataError, match=words) as caught:
        load_method(_write(tmp_path, SHIPPED.replace(old, new, 1)))
    assert "method.toml" in str(caught.value)
