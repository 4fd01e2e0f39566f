"""Chart and table specifications of the Districts page."""

import pandas as pd
import pytest

from spaces.reference.targets import load_targets
from spaces.view.charts import city_only_lines, progress_bars, trend_lines


def _long():
    """Two targets for two districts and the city: a met, a behind, an on-track target with a stale figure,
    and the city's missing value."""
    return pd.DataFrame({
        "adcode": ["330203", "330205", "330200"] * 2,
        "district": ["海曙区", "江北区", "宁波市"] * 2,
        "key": ["a"] * 3 + ["b"] * 3,
        "target": [4.0, 2.0, 20.0, 3.0, 3.0, 40.0],
        "attainment": [1.2, 0.3, None, 0.5, 0.7, 0.9],
        "progress": [1.25, 0.3, None, 0.5, 0.7, 0.9],
        "expected": [0.8, 0.8, None, 0.6, 0.6, 0.8],
        "stale": [False, False, False, True, False, False],
        "status": ["met", "behind", None, "behind", "on_track", "on_track"],
    })


STATUS_LABELS = {"met": "已达标", "on_track": "进度正常", "behind": "滞后"}


def test_bars_show_progress_against_each_districts_pace_and_leave_out_the_city():
    spec = progress_bars(_long(), key="b", status_labels=STATUS_LABELS, title="乙", language="zh").to_dict()
    values = [v for dataset in spec["datasets"].values() for v in dataset]
    assert {v["district"] for v in values} == {"海曙区", "江北区"}
    assert sorted((v["district"], v["progress"], v["expected"]) for v in values) == [
        ("江北区", 0.7, 0.6), ("海曙区", 0.5, 0.6)]
    bars, ticks = spec["layer"]
    assert bars["encoding"]["x"]["field"] == "progress" and ticks["encoding"]["x"]["field"] == "expected"
    assert bars["mark"]["type"] == "bar" and ticks["mark"]["type"] == "tick"


def test_city_only_lines_give_the_city_value_goal_and_status():
    long = pd.DataFrame({"adcode": ["330203", "330200"], "key": ["etdz_national_rank"] * 2,
                         "actual": [None, 9.0], "target": [None, 10.0], "status": [None, "met"]})
    lines = city_only_lines(long, targets=load_targets(), status_labels={"met": "Met"}, language="en")
    assert lines == ["Ningbo · Ningbo ETDZ national rank (city-only target): No. 9, target ≤ No. 10, Met"]


def _trend():
    """A district's years 2021–2025: parks 0→2, a platform count that is 0 every year (the axis Vega drew
    as 0.000000), reclaimed 亩 with decimals, and the city-only ETDZ rank, which a district has no value for."""
    years = list(range(2021, 2026))
    return pd.DataFrame({
        "year": years * 4,
        "key": ["strategic_parks"] * 5 + ["wanmu_qianyi_platforms"] * 5 + ["reclaimed_land_mu"] * 5
        + ["etdz_national_rank"] * 5,
        "actual": [0, 0, 1, 1, 2] + [0] * 5 + [0.0, 120.5, 480.25, 900.0, 1500.75] + [None] * 5,
    })


def _charts(language="zh"):
    targets = {k: v for k, v in load_targets().items() if k in set(_trend()["key"])}
    specs = [chart.to_dict() for chart in trend_lines(_trend(), targets=targets, language=language)]
    return {spec["title"]["text"] if isinstance(spec["title"]["text"], str) else " ".join(spec["title"]["text"]): spec
            for spec in specs}


def test_trend_charts_are_one_per_target_with_data_and_no_fixed_width():
    """A faceted chart of fixed 200 px panels ran off the page; single charts stretch to their column."""
    charts = _charts()
    assert list(charts) == ["战略产业园", "“万亩千亿”新产业平台（力争）", "盘活腾退低效工业用地"]  # plan order, no ETDZ
    for spec in charts.values():
        assert "width" not in spec and not {"facet", "concat", "hconcat", "vconcat"} & set(spec)


def test_count_axes_have_whole_number_ticks_and_a_flat_zero_series_gets_0_to_1():
    charts = _charts()
    for label in ("战略产业园", "“万亩千亿”新产业平台（力争）"):
        axis = charts[label]["encoding"]["y"]["axis"]
        assert axis["format"] == ",d" and axis["tickMinStep"] == 1
    assert charts["“万亩千亿”新产业平台（力争）"]["encoding"]["y"]["scale"]["domain"] == [0.0, 1.0]
    land = charts["盘活腾退低效工业用地"]["encoding"]["y"]
    assert land["axis"]["format"] == ",~f" and "tickMinStep" not in land["axis"] and "domain" not in land["scale"]


@pytest.mark.parametrize(("language", "titles"), [
    ("zh", ["单位：个", "单位：家", "单位：亩"]),
    ("en", ["Unit: parks", "Unit: platforms", "Unit: mu"]),
])
def test_y_axis_titles_carry_the_unit_in_the_ui_language(language, titles):
    assert [spec["encoding"]["y"]["axis"]["title"] for spec in _charts(language).values()] == titles


def test_trend_names_the_2021_baseline_fills_it_for_flows_and_marks_a_provisional_year():
    """Flows and growth have no 2021 value in the data: the baseline (0) is drawn there; 2021 reads 基期 and
    2025, still in progress, reads 进行中 under the year."""
    trend = _trend().assign(actual=lambda f: f["actual"].where(~((f["year"] == 2021)
                                                                & (f["key"] == "reclaimed_land_mu"))))
    targets = {k: v for k, v in load_targets().items() if k == "reclaimed_land_mu"}
    (chart,) = trend_lines(trend, targets=targets, language="zh", baselines={"reclaimed_land_mu": 0.0},
                           provisional=frozenset({2025}))
    spec = chart.to_dict()
    values = next(iter(spec["datasets"].values()))
    assert values[0] == {"year": 2021, "actual": 0.0, "series": "实际"}
    expr = spec["encoding"]["x"]["axis"]["labelExpr"]
    assert '["2021", "基期"]' in expr and '["2025", "进行中"]' in expr and "2024" not in expr


def test_a_year_not_reported_is_no_point_of_its_own():
    """2026 not yet reported: the indicator's 2025 value stands for it in the figures, but the trend does not
    draw a flat 2025–2026 segment as if nothing had happened in 2026."""
    trend = pd.DataFrame({"year": [2021, 2024, 2025, 2026], "key": ["reclaimed_land_mu"] * 4,
                          "actual": [None, 300.0, 500.0, 500.0], "as_of": [None, 2024.0, 2025.0, 2025.0]})
    targets = {"reclaimed_land_mu": load_targets()["reclaimed_land_mu"]}
    (chart,) = trend_lines(trend, targets=targets, language="zh", baselines={"reclaimed_land_mu": 0.0})
    assert [v["year"] for v in next(iter(chart.to_dict()["datasets"].values()))] == [2021, 2024, 2025]


def test_trend_draws_the_goal_and_the_pace_line_as_the_brief_does():
    """The district's 2026 goal flat from 2021 to 2026, and the pace line: straight from the baseline for land
    (3/5 of 5,000 亩 at 2024), compound from 0 for growth (1.4 ** 0.6 − 1 at 2024), as planning.pace says."""
    targets = {k: v for k, v in load_targets().items() if k in ("reclaimed_land_mu", "tax_per_mu_growth_pct")}
    trend = pd.DataFrame({"year": [2021, 2022, 2021, 2022], "actual": [0.0, 800.0, None, 5.0],
                          "key": ["reclaimed_land_mu"] * 2 + ["tax_per_mu_growth_pct"] * 2})
    land, growth = trend_lines(trend, targets=targets, language="zh", goals={"reclaimed_land_mu": 5000.0,
                               "tax_per_mu_growth_pct": 40.0}, baselines={"reclaimed_land_mu": 0.0,
                                                                          "tax_per_mu_growth_pct": 0.0})
    rows = pd.DataFrame(next(iter(land.to_dict()["datasets"].values())))
    assert set(rows["series"]) == {"实际", "2026 年目标", "时间进度线"}
    assert rows.loc[rows["series"] == "2026 年目标", "actual"].eq(5000.0).all()
    pace = rows.loc[rows["series"] == "时间进度线"].set_index("year")["actual"]
    assert pace[2021] == 0.0 and pace[2024] == pytest.approx(3000.0) and pace[2026] == pytest.approx(5000.0)
    rows = pd.DataFrame(next(iter(growth.to_dict()["datasets"].values())))
    pace = rows.loc[rows["series"] == "时间进度线"].set_index("year")["actual"]
    assert pace[2024] == pytest.approx((1.4 ** 0.6 - 1) * 100) and pace[2026] == pytest.approx(40.0)


def test_trend_without_a_goal_draws_only_the_actual_values():
    targets = {"reclaimed_land_mu": load_targets()["reclaimed_land_mu"]}
    trend = pd.DataFrame({"year": [2021, 2022], "actual": [0.0, 800.0], "key": ["reclaimed_land_mu"] * 2})
    (chart,) = trend_lines(trend, targets=targets, language="en")
    assert {row["series"] for row in next(iter(chart.to_dict()["datasets"].values()))} == {"Actual"}
