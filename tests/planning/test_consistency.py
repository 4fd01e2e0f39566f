"""City indicator rows against their districts (finding 13 of issue 10), on tables small enough to read."""

import pandas as pd

from spaces.planning.consistency import indicator_warnings, summed_columns
from spaces.reference.districts import DISTRICT_ADCODES
from spaces.store import local_actor

CITY, HAISHU, YINZHOU = "330200", "330203", "330212"
UPGRADED = "inefficient_enterprises_upgraded"
CLEARED = "scattered_polluting_enterprises_cleared"


def _table(rows: list[tuple[str, int, dict]]) -> pd.DataFrame:
    return pd.DataFrame([{"district_adcode": adcode, "year": year, **values} for adcode, year, values in rows])


def _every_district(value: float, year: int = 2023, column: str = UPGRADED) -> list[tuple[str, int, dict]]:
    """All ten districts reporting ``value`` each: their sum is ten times it."""
    return [(adcode, year, {column: value}) for adcode in DISTRICT_ADCODES]


def test_the_counts_checked_are_those_the_districts_add_up_to():
    assert summed_columns() == (UPGRADED, CLEARED)


def test_a_city_count_below_the_largest_district_is_questioned():
    """City 40 while 鄞州 alone reports 55: impossible for a count that districts add up to."""
    table = _table([(CITY, 2023, {UPGRADED: 40}), (YINZHOU, 2023, {UPGRADED: 55}), (HAISHU, 2023, {UPGRADED: 5})])
    [warning] = indicator_warnings({"indicators": table})
    assert (warning.row, warning.year, warning.column, warning.key) == (0, 2023, UPGRADED, "city_below_district")
    assert warning.text("en") == warning.message == (
        "the city's inefficient_enterprises_upgraded for 2023 (40) is below district 330212's value (55)")
    assert warning.text("zh") == "2023 年全市的 inefficient_enterprises_upgraded（40）小于区县 330212 的值（55）"


def test_the_sum_of_every_district_is_met_within_ten_percent():
    """Ten districts of 10 sum to 100: a city of 90 or 110 is within 10 %, 89 and 111 are not."""
    for city, questioned in ((90, False), (110, False), (89, True), (111, True), (100, False)):
        table = _table([(CITY, 2023, {UPGRADED: city}), *_every_district(10)])
        warnings = indicator_warnings(table)
        assert bool(warnings) == questioned, city
        if questioned:
            assert warnings[0].key == "city_far_from_district_sum"
            assert warnings[0].params["total"] == "100" and warnings[0].params["count"] == 10


def test_with_districts_missing_only_a_city_below_their_sum_is_questioned():
    """Two districts report 30 and 40: the others can only add, so a city of 500 says nothing, 60 does."""
    reported = [(YINZHOU, 2023, {CLEARED: 30}), (HAISHU, 2023, {CLEARED: 40})]
    assert indicator_warnings(_table([(CITY, 2023, {CLEARED: 500}), *reported])) == []
    [warning] = indicator_warnings(_table([(CITY, 2023, {CLEARED: 60}), *reported]))
    assert warning.key == "city_far_from_district_sum" and warning.params["count"] == 2


def test_other_years_rates_and_missing_values_are_left_alone():
    """亩均税收 is a rate, not a sum; districts of another year do not judge the city's; an empty city cell
    says nothing."""
    table = _table([(CITY, 2023, {UPGRADED: 40, "tax_per_mu": 10.0}), (YINZHOU, 2024, {UPGRADED: 55}),
                    (HAISHU, 2023, {"tax_per_mu": 50.0}), (CITY, 2024, {UPGRADED: None})])
    assert indicator_warnings(table) == []


def test_no_indicators_no_warnings():
    assert indicator_warnings({"indicators": pd.DataFrame(columns=["district_adcode", "year"])}) == []


def test_the_data_page_shows_the_warnings_as_plain_text(tmp_path, monkeypatch):
    """The sample store with its 2023 city row saying 1 enterprise upgraded, fewer than any district reported:
    the Data page warns, in the UI language, with the column name shown as written (not as markdown)."""
    from streamlit.testing.v1 import AppTest

    from spaces.sample import build_sample
    from spaces.store import open_store
    from spaces.view.urlstate import DEFAULTS

    layers = build_sample(plots=50)
    indicators = layers["indicators"]
    city_2023 = (indicators["district_adcode"] == CITY) & (indicators["year"] == 2023)
    indicators.loc[city_2023, UPGRADED] = 1
    largest = indicators.loc[(indicators["year"] == 2023) & (indicators["district_adcode"] != CITY), UPGRADED].max()
    assert largest > 1
    location = tmp_path / "spaces.gpkg"
    open_store(str(location)).initialise(layers, dataset="sample", actor=local_actor())
    monkeypatch.setenv("SPACES_STORE", str(location))
    at = AppTest.from_file("../../app_pages/data.py", default_timeout=60)
    for key, value in {**DEFAULTS, "language": "en"}.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    [warning] = [w.value for w in at.warning if "contradict" in w.value]
    assert "inefficient\\_enterprises\\_upgraded for 2023 \\(1\\)" in warning  # escaped, so shown as written
