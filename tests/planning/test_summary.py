"""The summary's wide and nested shapes, the values they carry on a store small enough to read, and where its data
came from."""

import csv
import io
import json
from datetime import date

import pandas as pd
import pytest
from hand_made import hand_layers

from spaces.exports import summary_csv, summary_json
from spaces.planning.summary import build_summary, data_source, nested_records, wide_table
from spaces.reference.targets import TARGET_KEYS
from spaces.sample import build_sample

HAISHU, CITY = "330203", "330200"
PACE_FIELDS = ("baseline", "progress", "expected", "as_of", "projected_2026")
# The 亩均 targets also say where their figure came from (enterprises or indicators); then the year's 亩均 record.
SOURCED = ("tax_per_mu_growth_pct", "value_added_per_mu_growth_pct")
WIDE_COLUMNS = ["adcode", "district"] + [f"{key}_{part}" for key in TARGET_KEYS
                                         for part in ("actual", "target", "attainment", "status", *PACE_FIELDS,
                                                      *(("source",) if key in SOURCED else ()))] + [
    "mujun_year", "mujun_enterprises", "mujun_land_mu", "mujun_tax_per_mu", "mujun_value_added_per_mu",
    *(f"mujun_class_{c}" for c in "ABCDT")]
READ_ON = date(2026, 12, 1)  # 2025 is final, 2026 is provisional


@pytest.fixture(scope="module")
def summary():
    """The summary of a small sample for 2024."""
    return build_summary(build_sample(plots=400), year=2024, store="test", today=READ_ON)


def test_wide_table_has_the_documented_columns_and_rows(summary):
    table = wide_table(summary)
    assert list(table.columns) == [*WIDE_COLUMNS, "provisional", "data_source"]
    assert table["adcode"].tolist()[-1] == "330200"
    assert len(table) == 11
    assert (table["data_source"] == "sample").all()
    assert table["provisional"].tolist() == [False] * 11


def test_nested_records_match_the_long_table(summary):
    records = nested_records(summary)
    assert [r["adcode"] for r in records][-1] == "330200"
    city = records[-1]["metrics"]
    assert set(city) == set(TARGET_KEYS)
    long_city = summary.long.set_index(["adcode", "key"]).loc["330200"]
    assert city["reclaimed_land_mu"]["actual"] == pytest.approx(long_city.loc["reclaimed_land_mu", "actual"], abs=0.01)
    assert city["strategic_parks"]["target"] == 20
    assert records[0]["metrics"]["etdz_national_rank"] == {
        "actual": None, "target": None, "attainment": None, "status": None, "baseline": None, "progress": None,
        "expected": None, "as_of": None, "projected_2026": None, "stale": False,
        "annual_task": None}
    assert {r["provisional"] for r in records} == {False} and {r["year"] for r in records} == {2024}


# -- the values, on a hand-built store -------------------------------------------------------------------
def _layers(**frames) -> dict[str, pd.DataFrame]:
    return hand_layers(source="import", **frames)


@pytest.fixture(scope="module")
def small_store() -> dict[str, pd.DataFrame]:
    """海曙 reclaims 120 亩 in 2022 and 180 亩 in 2024 (its goal: 1,000 亩) and holds two national green factories
    from 2018 and one from 2023 (its goal: 6); the city's 亩均税收 is 100 in 2021 and 120 in 2023, nothing since."""
    plots = {"plot_id": ["a", "b"], "district_adcode": [HAISHU] * 2, "status": ["reclaimed"] * 2,
             "reclaimed_year": pd.array([2022, 2024], dtype="Int64"), "area_mu": [120.0, 180.0]}
    factories = {"factory_id": ["f1", "f2", "f3"], "district_adcode": [HAISHU] * 3, "level": ["national"] * 3,
                 "national_year": pd.array([2018, 2018, 2023], dtype="Int64")}
    indicators = {"district_adcode": [CITY, CITY], "year": [2021, 2023], "tax_per_mu": [100.0, 120.0]}
    layers = _layers(plots=plots, factories=factories, indicators=indicators)
    layers["allocations"] = pd.DataFrame({"district_adcode": [HAISHU, HAISHU],
                                          "target_key": ["reclaimed_land_mu", "national_green_factories"],
                                          "target": [1000.0, 6.0]})
    return layers


@pytest.fixture(scope="module")
def small_2024(small_store):
    return build_summary(small_store, year=2024, store="small", today=READ_ON)


def test_csv_carries_baseline_progress_pace_data_year_and_projection(small_2024):
    """300 of 1,000 亩 in 2024: 30 % against 60 % of the plan elapsed, behind; at that pace 500 亩 by 2026.
    Factories: 2 held in 2021 (the baseline), 3 now: 1 of the 4 to gain, 25 %; at that pace 3.7 by 2026.
    Tax per mu +20 % by 2023, nothing for 2024: judged at 2023 (40 % elapsed), ln 1.2 / ln 1.4 = 54 %, on track,
    and stale; compounding 20 % over 2 of 5 years gives 1.2^2.5 − 1 = +57.7 % by 2026."""
    rows = {row["adcode"]: row for row in csv.DictReader(io.StringIO(summary_csv(small_2024, bom=False).decode()))}
    haishu, city = rows[HAISHU], rows[CITY]
    land = {part: haishu[f"reclaimed_land_mu_{part}"] for part in ("actual", "target", "status", *PACE_FIELDS)}
    assert land == {"actual": "300.0", "target": "1000.0", "status": "behind", "baseline": "0.0", "progress": "0.3",
                    "expected": "0.6", "as_of": "2024", "projected_2026": "500.0"}
    factories = {part: haishu[f"national_green_factories_{part}"] for part in ("actual", "baseline", "progress",
                                                                                "projected_2026")}
    assert factories == {"actual": "3", "baseline": "2", "progress": "0.25", "projected_2026": "3.7"}
    assert city["tax_per_mu_growth_pct_actual"] == "20.0"
    assert city["tax_per_mu_growth_pct_as_of"] == "2023"  # an integer year, not 2023.0
    assert city["tax_per_mu_growth_pct_expected"] == "0.4"
    assert float(city["tax_per_mu_growth_pct_progress"]) == pytest.approx(0.5419, abs=1e-4)
    assert city["tax_per_mu_growth_pct_status"] == "on_track"
    assert float(city["tax_per_mu_growth_pct_projected_2026"]) == pytest.approx(57.74, abs=0.01)
    assert {row["provisional"] for row in rows.values()} == {"false"}
    # No data is empty, not 0: no 亩均税收 for 海曙, no rank anywhere.
    assert haishu["tax_per_mu_growth_pct_actual"] == haishu["tax_per_mu_growth_pct_as_of"] == ""
    assert city["etdz_national_rank_actual"] == city["etdz_national_rank_status"] == ""


def test_json_flags_stale_values_and_keeps_the_csv_numbers(small_2024):
    records = {r["adcode"]: r for r in json.loads(summary_json(small_2024))}
    tax = records[CITY]["metrics"]["tax_per_mu_growth_pct"]
    assert (tax["as_of"], tax["stale"], tax["baseline"]) == (2023, True, 0)
    land = records[HAISHU]["metrics"]["reclaimed_land_mu"]
    assert land == {"actual": 300, "target": 1000, "attainment": 0.3, "status": "behind", "baseline": 0,
                    "progress": 0.3, "expected": 0.6, "as_of": 2024, "projected_2026": 500, "stale": False,
                    "annual_task": None}
    assert records[HAISHU]["provisional"] is False


def test_a_year_still_running_is_provisional_in_csv_and_json(small_store):
    """2026 read on 1 December 2026: provisional, paced by the part of 2026 gone by (334 of 365 days)."""
    running = build_summary(small_store, year=2026, store="small", today=READ_ON)
    assert running.provisional
    rows = list(csv.DictReader(io.StringIO(summary_csv(running, bom=False).decode())))
    assert {row["provisional"] for row in rows} == {"true"}
    records = json.loads(summary_json(running))
    assert {r["provisional"] for r in records} == {True}
    land = {r["adcode"]: r for r in records}[HAISHU]["metrics"]["reclaimed_land_mu"]
    assert land["expected"] == pytest.approx((4 + 334 / 365) / 5, abs=1e-4)
    # Without a date every year is taken as over: nothing provisional.
    assert not build_summary(small_store, year=2026, store="small").provisional


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
