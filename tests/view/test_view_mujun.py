"""The 亩均评价 page's tables (spaces.view.mujun): Σ over Σ of the chosen firms, 2021 level and growth, the source,
the indicators standing in only for what they describe, the trend's areas and the classes per district."""

import math

import pandas as pd

from spaces.reference.districts import CITY_ADCODE, DISTRICT_ADCODES
from spaces.view.mujun import class_table, district_levels, indicators_stand_in, trend

BEILUN, HAISHU = "330206", "330203"


def _firm(district: str, year: int, land: float, tax: float, *, group="above_scale", klass="B") -> dict:
    return {"enterprise_id": f"{district}-{land}-{year}", "district_adcode": district, "year": year, "group": group,
            "land_mu": land, "tax": tax, "value_added": tax * 3, "class": klass}


def _firms() -> pd.DataFrame:
    rows = []
    for year, factor in ((2021, 1.0), (2025, 1.5)):
        rows += [_firm(BEILUN, year, 1.0, 100.0 * factor, klass="A"),
                 _firm(BEILUN, year, 99.0, 990.0 * factor, klass="D"),
                 _firm(BEILUN, year, 10.0, 50.0 * factor, group="leased", klass="C")]
    return pd.DataFrame(rows)


def _indicators() -> pd.DataFrame:
    return pd.DataFrame({"district_adcode": [HAISHU, HAISHU], "year": [2021, 2025], "tax_per_mu": [40.0, 50.0],
                         "value_added_per_mu": [None, None]})


def test_levels_are_sums_over_sums_with_their_2021_level_growth_and_source():
    table = district_levels(_firms(), _indicators(), year=2025, groups=("above_scale",)).set_index("adcode")
    beilun = table.loc[BEILUN]
    assert beilun["tax_per_mu"] == 16.35  # (150 + 1485) / 100, not the mean of 150 and 15
    assert beilun["tax_per_mu_2021"] == 10.9 and beilun["tax_per_mu_growth_pct"] == 50.0
    assert beilun["tax_per_mu_source"] == "enterprises" and beilun["enterprises"] == 2 and beilun["land_mu"] == 100
    haishu = table.loc[HAISHU]  # no firms: its typed 规上 indicators stand in, and say so
    assert haishu["tax_per_mu"] == 50.0 and haishu["tax_per_mu_growth_pct"] == 25.0
    assert haishu["tax_per_mu_source"] == "indicators" and haishu["enterprises"] == 0
    assert math.isnan(haishu["value_added_per_mu"]) and pd.isna(haishu["value_added_per_mu_source"])
    assert list(table.index) == [*DISTRICT_ADCODES, CITY_ADCODE]


def test_the_class_and_group_filters_choose_the_firms_and_keep_the_indicators_out():
    table = district_levels(_firms(), _indicators(), year=2025, classes=("D",)).set_index("adcode")
    assert table.loc[BEILUN, "tax_per_mu"] == 15.0 and table.loc[BEILUN, "enterprises"] == 1
    assert math.isnan(table.loc[HAISHU, "tax_per_mu"])  # the indicators know no classes
    everyone = district_levels(_firms(), None, year=2025).set_index("adcode")
    assert everyone.loc[BEILUN, "tax_per_mu"] == round((150 + 1485 + 75) / 110, 2)
    assert indicators_stand_in((), ()) and indicators_stand_in((), ("above_scale",))
    assert not indicators_stand_in(("D",), ()) and not indicators_stand_in((), ("leased",))


def test_the_city_sums_firms_only_where_every_district_has_them():
    table = district_levels(_firms(), None, year=2025).set_index("adcode")
    assert table.loc[CITY_ADCODE, "enterprises"] == 3 and math.isnan(table.loc[CITY_ADCODE, "tax_per_mu"])


def test_the_trend_draws_the_chosen_districts_or_the_city():
    chosen = trend(_firms(), _indicators(), districts=(BEILUN, HAISHU), groups=("above_scale",))
    tax = chosen.loc[chosen["metric"] == "tax_per_mu"].set_index(["adcode", "year"])["value"]
    assert tax.to_dict() == {(BEILUN, 2021): 10.9, (BEILUN, 2025): 16.35, (HAISHU, 2021): 40.0, (HAISHU, 2025): 50.0}
    city = trend(_firms(), pd.DataFrame({"district_adcode": [CITY_ADCODE], "year": [2021], "tax_per_mu": [44.0]}))
    assert set(city["adcode"]) == {CITY_ADCODE} and city["source"].tolist() == ["indicators"]


def test_classes_per_district_count_firms_and_land():
    table = class_table(_firms(), year=2025, districts=(BEILUN,)).set_index("adcode")
    assert list(table.index) == [BEILUN, CITY_ADCODE]
    assert table.loc[BEILUN, ["count_A", "count_C", "count_D"]].tolist() == [1, 1, 1]
    assert table.loc[BEILUN, "land_mu_D"] == 99.0 and table.loc[CITY_ADCODE, "count_T"] == 0
