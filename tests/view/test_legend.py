"""The legend lists only what the map draws; the layers keep cells under the parks (issue 12)."""

import geopandas as gpd
import pandas as pd
import shapely

from spaces.planning.filters import Filters, apply_filters
from spaces.reference.palette import PLOT_COLOURS, STATUS_COLOURS
from spaces.sample import build_sample
from spaces.view.deck import DIMMED_ALPHA, build_layers, district_choropleth, plot_drawing, plot_records
from spaces.view.legend import drawn_legend

STATUS_LABELS = {"met": "已达标", "on_track": "正常推进", "behind": "滞后"}


def _choropleth(statuses, chosen=()):
    districts = gpd.GeoDataFrame({"adcode": ["1", "2"], "name_zh": ["甲", "乙"], "name_en": ["A", "B"]},
                                 geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=4326)
    long = pd.DataFrame({"adcode": ["1", "2"], "key": "k", "status": statuses})
    return district_choropleth(districts, long, key="k", status_labels=STATUS_LABELS, chosen=chosen)


def test_the_legend_names_only_the_statuses_and_layers_drawn(sample_layers):
    shown = apply_filters(sample_layers, Filters(year=2025, statuses=("reclaimed",), levels=("national",)))
    plots = plot_drawing(shown["plots"], language="zh")
    legend = dict(drawn_legend(shown, visible=["districts", "parks", "plots", "factories"],
                               choropleth=_choropleth(["met", "met"]), plots=plots, language="zh",
                               status_labels=STATUS_LABELS))
    assert "已达标" in legend and "滞后" not in legend and "无数据" not in legend
    assert "低效用地地块·已盘活" in legend and "低效用地地块·待盘活" not in legend
    assert [k for k in legend if k.startswith("绿色工厂")] == ["绿色工厂·国家级"]
    assert "优势产业社区" not in legend  # the layer is not shown


def test_an_empty_layer_has_no_swatch(sample_layers):
    shown = apply_filters(sample_layers, Filters(year=2025, districts=("330206",), industries=("不存在的产业",)))
    legend = dict(drawn_legend(shown, visible=["parks", "communities"], choropleth=None, plots=None,
                               language="en", status_labels=STATUS_LABELS))
    assert legend == {}


def test_cells_are_explained_and_drawn_under_the_parks_translucent():
    layers = build_sample(plots=400)
    shown = apply_filters(layers, Filters(year=2025))
    plots = plot_drawing(shown["plots"], language="en", polygon_limit=100)
    order = [layer.id for layer in build_layers(shown, visible=["districts", "parks", "communities", "plots"],
                                                choropleth=_choropleth(["met", "behind"]), language="en",
                                                plots=plots)]
    assert order.index("districts") < order.index("plot_cells") < order.index("parks") < order.index("communities")
    assert all(record["color"][3] < 150 for record in plots.cells)  # the district colours show through
    legend = drawn_legend(shown, visible=["plots"], choropleth=None, plots=plots, language="en", status_labels={})
    heading = [label for label, colour in legend if colour is None]
    assert heading == ["1 km cells (colour: the status with most area)"]


def test_the_district_filter_dims_the_other_districts():
    features = [f["properties"] for f in _choropleth(["met", "behind"], chosen=("2",))["features"]]
    assert features[0]["fill"] == [*STATUS_COLOURS["met"][:3], DIMMED_ALPHA]
    assert features[1]["fill"] == STATUS_COLOURS["behind"]
    assert [f["properties"]["fill"] for f in _choropleth(["met", "met"])["features"]] == [STATUS_COLOURS["met"]] * 2


def test_a_plots_tooltip_shows_its_name_and_its_id_when_it_has_none(sample_layers):
    plots = apply_filters(sample_layers, Filters(year=2025))["plots"].iloc[:2].copy()
    plots["name_zh"] = ["东港地块", None]
    first, second = plot_records(plots, language="zh")
    assert first["title"] == f"东港地块 · {plots['plot_id'].iloc[0]}"
    assert second["title"] == plots["plot_id"].iloc[1]
    assert first["color"] in PLOT_COLOURS.values()
