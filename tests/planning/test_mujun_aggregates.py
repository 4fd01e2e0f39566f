"""亩均 aggregates are Σ ÷ Σ, per place and class; the 亩均 targets come from firms where they can, and say so."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hand_made import hand_layers, row_of

from spaces.planning.attainment import compute_attainment
from spaces.planning.mujun_aggregates import aggregate, mujun_blocks, with_places
from spaces.planning.summary import build_summary, nested_records, wide_table
from spaces.reference.districts import CITY_ADCODE, DISTRICT_ADCODES

BEILUN, YINZHOU = "330206", "330212"
TAX_GROWTH, VA_GROWTH = "tax_per_mu_growth_pct", "value_added_per_mu_growth_pct"


def firms(*rows: tuple) -> pd.DataFrame:
    """Firms as (id, district, year, group, land, tax, value added, class)."""
    columns = ["enterprise_id", "district_adcode", "year", "group", "land_mu", "tax", "value_added", "class"]
    return pd.DataFrame(rows, columns=columns)


def test_per_mu_figures_are_sums_over_sums_not_means_of_ratios():
    """A 1-亩 firm at 100 万元/亩 and a 99-亩 one at 10: the district stands at 10.9 (the mean of ratios, 55)."""
    table = aggregate(firms(("a", BEILUN, 2024, "above_scale", 1.0, 100.0, 300.0, "A"),
                            ("b", BEILUN, 2024, "above_scale", 99.0, 990.0, 2970.0, "D")), by="district")
    row = table.iloc[0]
    assert row["tax_per_mu"] == pytest.approx(10.9) and row["value_added_per_mu"] == pytest.approx(32.7)
    assert (row["enterprises"], row["land_mu"]) == (2, 100.0)
    assert (row["count_A"], row["count_D"], row["land_mu_D"], row["count_T"]) == (1, 1, 99.0, 0)


def test_a_firm_without_tax_adds_no_land_to_the_tax_figure():
    row = aggregate(firms(("a", BEILUN, 2024, "above_scale", 10.0, 500.0, None, "B"),
                          ("b", BEILUN, 2024, "above_scale", 90.0, None, 900.0, "T")), by="district").iloc[0]
    assert row["tax_per_mu"] == 50.0 and row["value_added_per_mu"] == 10.0 and row["land_mu"] == 100.0


def test_by_year_industry_and_group():
    table = firms(("a", BEILUN, 2023, "above_scale", 10.0, 100.0, None, "A"),
                  ("b", BEILUN, 2024, "above_scale", 10.0, 300.0, None, "A"),
                  ("c", BEILUN, 2024, "leased", 10.0, 900.0, None, "A")).assign(industry=["模具", "模具", "文具"])
    by_year = aggregate(table, by="year", groups=("above_scale",)).set_index("year")["tax_per_mu"]
    assert by_year.to_dict() == {2023: 10.0, 2024: 30.0}
    by_industry = aggregate(table, by="industry", year=2024).set_index("industry")["tax_per_mu"]
    assert by_industry.to_dict() == {"文具": 90.0, "模具": 30.0}
    assert aggregate(table, by="district", year=2022).empty


def test_parks_and_communities_by_location_and_firms_on_plots_by_their_plot():
    square = shapely.box(121.50, 29.80, 121.52, 29.82)
    layers = {
        "parks": gpd.GeoDataFrame({"park_id": ["P1"]}, geometry=[square], crs=4326),
        "communities": gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[square], crs=4326),
        "plots": gpd.GeoDataFrame({"plot_id": ["L1"]}, geometry=[shapely.box(121.505, 29.805, 121.51, 29.81)],
                                  crs=4326),
    }
    table = gpd.GeoDataFrame(
        firms(*[(f"f{i}", BEILUN, 2024, "above_scale", 10.0, 100.0 * (i + 1), None, "B") for i in range(4)])
        .assign(plot_id=[None, "L1", None, None], park_id=[None, None, None, "P9"]),
        geometry=[shapely.Point(121.51, 29.81), None, shapely.Point(121.6, 29.9), shapely.Point(121.51, 29.81)],
        crs=4326)
    placed = with_places(table, layers)
    assert placed["park_id"].tolist() == ["P1", "P1", None, "P9"]  # a given park_id is kept
    assert placed["community_id"].tolist() == ["C1", "C1", None, "C1"]
    by_park = aggregate(placed, by="park").set_index("park_id")
    assert by_park.loc["P1", "tax_per_mu"] == 15.0  # (100 + 200) / 20


def indicator_rows(adcode: str, values: dict[int, float]) -> list[dict]:
    return [{"district_adcode": adcode, "year": y, "tax_per_mu": v, "value_added_per_mu": v * 3} for y, v in
            values.items()]


def test_the_growth_comes_from_enterprises_where_they_cover_2021_and_the_year():
    """北仑's 规上 firms give 20 → 30 万元/亩 (+50 %); its indicators say +10 %. 鄞州 has only indicators.
    A 规下 firm does not count towards the 规上 target."""
    indicators = indicator_rows(BEILUN, {2021: 40, 2024: 44}) + indicator_rows(YINZHOU, {2021: 40, 2024: 48})
    enterprises = firms(("a", BEILUN, 2021, "above_scale", 10.0, 200.0, 600.0, None),
                        ("a", BEILUN, 2024, "above_scale", 10.0, 300.0, 600.0, None),
                        ("b", BEILUN, 2024, "below_scale_large", 10.0, 9000.0, 600.0, None))
    layers = hand_layers(indicators=pd.DataFrame(indicators), enterprises=enterprises.drop(columns="class"))
    result = compute_attainment(layers, layers["allocations"], year=2024)
    assert row_of(result, BEILUN, TAX_GROWTH)[["actual", "source"]].tolist() == [pytest.approx(50.0), "enterprises"]
    assert row_of(result, BEILUN, VA_GROWTH)[["actual", "source"]].tolist() == [pytest.approx(0.0), "enterprises"]
    assert row_of(result, YINZHOU, TAX_GROWTH)[["actual", "source"]].tolist() == [pytest.approx(20.0), "indicators"]
    assert row_of(result, CITY_ADCODE, TAX_GROWTH)["source"] is None  # no city rows; firms in only one district
    assert row_of(result, YINZHOU, "reclaimed_land_mu")["source"] is None


def test_firms_without_2021_or_behind_the_indicators_leave_the_indicators_standing():
    indicators = indicator_rows(BEILUN, {2021: 40, 2024: 44})
    only_later = firms(("a", BEILUN, 2022, "above_scale", 10.0, 200.0, 600.0, None),
                       ("a", BEILUN, 2024, "above_scale", 10.0, 300.0, 600.0, None))
    stale = firms(("a", BEILUN, 2021, "above_scale", 10.0, 200.0, 600.0, None),
                  ("a", BEILUN, 2023, "above_scale", 10.0, 300.0, 600.0, None))
    for enterprises in (only_later, stale):
        layers = hand_layers(indicators=pd.DataFrame(indicators), enterprises=enterprises.drop(columns="class"))
        row = row_of(compute_attainment(layers, layers["allocations"], year=2024), BEILUN, TAX_GROWTH)
        assert (row["actual"], row["source"]) == (pytest.approx(10.0), "indicators")


def test_the_city_comes_from_firms_when_all_ten_districts_have_them():
    """Every district: 1 firm of 10 亩 at 10 万元/亩 in 2021; in 2024 北仑's is 100 亩 at 30, the rest at 10.
    Citywide Σ/Σ: 2021 10; 2024 (3000 + 9 × 100) / 190 = 20.53 → +105.3 % (a mean of district growths: +20 %)."""
    rows = []
    for adcode in DISTRICT_ADCODES:
        rows.append((adcode, adcode, 2021, "above_scale", 10.0, 100.0, 100.0, None))
        big = adcode == BEILUN
        rows.append((adcode, adcode, 2024, "above_scale", 100.0 if big else 10.0, 3000.0 if big else 100.0, 100.0,
                     None))
    layers = hand_layers(enterprises=firms(*rows).drop(columns="class"))
    row = row_of(compute_attainment(layers, layers["allocations"], year=2024), CITY_ADCODE, TAX_GROWTH)
    assert row["source"] == "enterprises"
    assert row["actual"] == pytest.approx((3900 / 190 / 10 - 1) * 100)


def test_the_summary_says_the_source_and_carries_the_mujun_record():
    enterprises = firms(("a", BEILUN, 2021, "above_scale", 10.0, 200.0, 600.0, None),
                        ("a", BEILUN, 2024, "above_scale", 10.0, 300.0, 600.0, None),
                        ("b", BEILUN, 2024, "leased", 30.0, 30.0, None, None))
    layers = hand_layers(indicators=pd.DataFrame(indicator_rows(YINZHOU, {2021: 40, 2024: 48})),
                         enterprises=enterprises.drop(columns="class"))
    summary = build_summary(layers, year=2024)
    records = {r["adcode"]: r for r in nested_records(summary)}
    assert records[BEILUN]["metrics"][TAX_GROWTH]["source"] == "enterprises"
    assert records[YINZHOU]["metrics"][TAX_GROWTH]["source"] == "indicators"
    assert "source" not in records[BEILUN]["metrics"]["reclaimed_land_mu"]
    block = records[BEILUN]["mujun"]
    assert block["year"] == 2024 and block["enterprises"] == 2 and block["land_mu"] == 40.0
    assert block["tax_per_mu"] == 8.25 and block["above_scale_tax_per_mu"] == 30.0
    assert sum(block["classes"].values()) == 2 and set(block["classes"]) == {"A", "B", "C", "D", "T"}
    assert records[YINZHOU]["mujun"]["enterprises"] == 0 and records[YINZHOU]["mujun"]["tax_per_mu"] is None
    wide = wide_table(summary).set_index("adcode")
    assert wide.loc[BEILUN, f"{TAX_GROWTH}_source"] == "enterprises"
    assert wide.loc[BEILUN, "mujun_tax_per_mu"] == 8.25 and wide.loc[BEILUN, "mujun_enterprises"] == 2


def test_without_enterprises_the_summary_has_no_mujun_record():
    layers = hand_layers(indicators=pd.DataFrame(indicator_rows(YINZHOU, {2021: 40, 2024: 48})))
    summary = build_summary(layers, year=2024)
    assert summary.mujun is None
    assert all(r["mujun"] is None for r in nested_records(summary))
    assert mujun_blocks(None, year=2024) is None
