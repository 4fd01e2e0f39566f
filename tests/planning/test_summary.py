"""The summary's wide and nested shapes, and where its data came from."""

import pandas as pd
import pytest

from spaces.planning.summary import build_summary, data_source, nested_records, wide_table
from spaces.reference.targets import TARGET_KEYS
from spaces.sample import build_sample


@pytest.fixture(scope="module")
def summary():
    """The summary of a small sample for 2024."""
    return build_summary(build_sample(plots=400), year=2024, store="test")


def test_wide_table_has_the_documented_columns_and_rows(summary):
    table = wide_table(summary)
    expected = ["adcode", "district"]
    for key in TARGET_KEYS:
        expected += [f"{key}_actual", f"{key}_target", f"{key}_attainment", f"{key}_status"]
    assert list(table.columns) == [*expected, "data_source"]
    assert table["adcode"].tolist()[-1] == "330200"
    assert len(table) == 11
    assert (table["data_source"] == "sample").all()


def test_nested_records_match_the_long_table(summary):
    records = nested_records(summary)
    assert [r["adcode"] for r in records][-1] == "330200"
    city = records[-1]["metrics"]
    assert set(city) == set(TARGET_KEYS)
    long_city = summary.long.set_index(["adcode", "key"]).loc["330200"]
    assert city["reclaimed_land_mu"]["actual"] == pytest.approx(long_city.loc["reclaimed_land_mu", "actual"], abs=0.01)
    assert city["strategic_parks"]["target"] == 20
    assert records[0]["metrics"]["etdz_national_rank"] == {"actual": None, "target": None, "attainment": None,
                                                          "status": None}


@pytest.mark.parametrize(("sources", "expected"), [
    ([["sample"], ["sample"]], "sample"),
    ([["import"], []], "imported"),
    ([["sample"], ["import"]], "mixed (sample + imported)"),
    ([[], []], "empty"),
])
def test_data_source(sources, expected):
    layers = {f"l{i}": pd.DataFrame({"source": s}) for i, s in enumerate(sources)}
    layers["allocations"] = pd.DataFrame({"source": ["default"]})
    assert data_source(layers) == expected
