"""Chart and table specifications of the Districts page."""

import pandas as pd

from spaces.charts import STATUS_BACKGROUND, attainment_bars, status_table


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
    assert shown.loc["海曙区", "甲"] == "120%" and shown.loc["宁波市", "甲"] == "—"
    html = styler.to_html()
    assert STATUS_BACKGROUND["met"] in html and STATUS_BACKGROUND["behind"] in html


def test_bars_leave_out_the_city_and_draw_the_elapsed_line():
    chart = attainment_bars(_long(), key="a", elapsed=0.6, status_labels={"met": "已达标", "on_track": "进度正常",
                                                                           "behind": "滞后"}, title="甲")
    spec = chart.to_dict()
    values = [v for dataset in spec["datasets"].values() for v in dataset]
    assert {"district": "宁波市"} not in [{"district": v.get("district")} for v in values if "district" in v]
    assert any(v.get("elapsed") == 0.6 for v in values)
