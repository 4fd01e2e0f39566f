"""Chart and table specifications of the Districts page."""

import pandas as pd
import pytest

from spaces.reference.targets import load_targets
from spaces.view.charts import STATUS_BACKGROUND, attainment_bars, city_only_lines, status_table, trend_lines


def _long():
    return pd.DataFrame({
        "adcode": ["330203", "330205", "330200"] * 2,
        "district": ["海曙区", "江北区", "宁波市"] * 2,
        "key": ["a"] * 3 + ["b"] * 3,
        "attainment": [1.2, 0.3, None, None, 0.7, 0.9],
        "status": ["met", "behind", None, "met", "on_track", "on_track"],
    })


def test_status_table_keeps_row_order_shows_dashes_and_colours_by_status():
    styler = status_table(_long(), labels={"a": "甲", "b": "乙"}, district_column="区县")
    shown = styler.data
    assert shown.index.tolist() == ["海曙区", "江北区", "宁波市"]  # adcode order, city last
    assert shown.loc["海曙区", "甲"] == "120.0%" and shown.loc["宁波市", "甲"] == "—"
    html = styler.to_html()
    assert STATUS_BACKGROUND["met"] in html and STATUS_BACKGROUND["behind"] in html


def test_bars_leave_out_the_city_and_draw_the_elapsed_line():
    chart = attainment_bars(_long(), key="a", elapsed=0.6, status_labels={"met": "已达标", "on_track": "进度正常",
                                                                           "behind": "滞后"}, title="甲")
    spec = chart.to_dict()
    values = [v for dataset in spec["datasets"].values() for v in dataset]
    assert {"district": "宁波市"} not in [{"district": v.get("district")} for v in values if "district" in v]
    assert any(v.get("elapsed") == 0.6 for v in values)


def test_status_table_shows_one_decimal_and_only_the_keys_asked_for():
    """81.69% printed as 81.7%; a city-only target left out is no column of — for every district."""
    long = _long().assign(attainment=[0.8169, 0.3, None, None, 0.7, 0.9])
    shown = status_table(long, labels={"a": "甲", "b": "乙"}, district_column="区县", keys=["a"]).data
    assert shown.columns.tolist() == ["甲"]
    assert shown["甲"].tolist() == ["81.7%", "30.0%", "—"]


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
    assert list(charts) == ["战略产业园", "“万亩千亿”新产业平台", "盘活腾退低效工业用地"]  # plan order, no ETDZ
    for spec in charts.values():
        assert "width" not in spec and not {"facet", "concat", "hconcat", "vconcat"} & set(spec)


def test_count_axes_have_whole_number_ticks_and_a_flat_zero_series_gets_0_to_1():
    charts = _charts()
    for label in ("战略产业园", "“万亩千亿”新产业平台"):
        axis = charts[label]["encoding"]["y"]["axis"]
        assert axis["format"] == ",d" and axis["tickMinStep"] == 1
    assert charts["“万亩千亿”新产业平台"]["encoding"]["y"]["scale"]["domain"] == [0.0, 1.0]
    land = charts["盘活腾退低效工业用地"]["encoding"]["y"]
    assert land["axis"]["format"] == ",~f" and "tickMinStep" not in land["axis"] and "domain" not in land["scale"]


@pytest.mark.parametrize(("language", "titles"), [
    ("zh", ["单位：个", "单位：家", "单位：亩"]),
    ("en", ["Unit: parks", "Unit: platforms", "Unit: mu"]),
])
def test_y_axis_titles_carry_the_unit_in_the_ui_language(language, titles):
    assert [spec["encoding"]["y"]["axis"]["title"] for spec in _charts(language).values()] == titles


def test_a_district_allotted_nothing_says_so_instead_of_a_dash():
    """A target of 0 is met with no attainment to show: "无分解目标" on green, not a bare — on green."""
    long = _long().assign(attainment=[1.2, None, None, None, 0.7, 0.9], status=["met", "met", None, "met",
                                                                                "on_track", "on_track"])
    shown = status_table(long, labels={"a": "甲", "b": "乙"}, district_column="区县", no_target="无分解目标").data
    assert shown.loc["江北区", "甲"] == "无分解目标" and shown.loc["宁波市", "甲"] == "—"
    assert shown.loc["海曙区", "乙"] == "无分解目标"
