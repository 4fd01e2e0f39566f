"""Map layer data: colours by status and escaped tooltips."""

import json

import geopandas as gpd
import pandas as pd
import pydeck as pdk
import shapely

from spaces.view.deck import NO_DATA_COLOUR, STATUS_COLOURS, district_choropleth


def test_colours_follow_status_and_tooltip_fields_are_plain_text():
    """Names go into the tooltip fields verbatim; the chart escapes them (tests/browser proves it)."""
    districts = gpd.GeoDataFrame({"adcode": ["1", "2"], "name_zh": ["<img src=x onerror=alert(1)>", "乙"],
                                  "name_en": ["A", "B"]}, geometry=[shapely.box(0, 0, 1, 1)] * 2, crs=4326)
    long = pd.DataFrame({"adcode": ["1", "2"], "key": "k", "attainment": [1.2, None], "status": ["met", None],
                         "progress": [1.25, None], "expected": [0.8, None]})
    data = district_choropleth(districts, long, key="k", status_labels={"met": "已达标"})
    first, second = (f["properties"] for f in data["features"])
    assert first["fill"] == STATUS_COLOURS["met"]
    assert second["fill"] == NO_DATA_COLOUR
    assert first["title"].startswith("<img src=x onerror=alert(1)>")
    # The status, then progress from the baseline against the pace, as the detail panel says it (issue 10).
    assert (first["line1"], first["line2"]) == ("已达标", "进度 125%（时间进度 80%）")
    assert (second["line1"], second["line2"]) == ("—", "")


def test_every_layer_object_carries_the_tooltip_fields():
    """pydeck shows one template for all layers: an object without a field would show '{line2}'."""
    from spaces.sample import build_sample
    from spaces.view.deck import TOOLTIP, build_layers

    layers = build_sample(plots=50)
    built = build_layers(layers, visible=["parks", "communities", "plots", "factories"], choropleth=None,
                         language="zh")
    fields = {"title", "line1", "line2"}
    assert all("{" + f + "}" in TOOLTIP["html"] for f in fields)
    for layer in built:
        data = layer.data["features"] if isinstance(layer.data, dict) else layer.data
        for item in data:
            assert fields <= set(item.get("properties", item)), layer.id


def test_compact_deck_sends_the_same_spec_in_fewer_bytes():
    """What st.pydeck_chart sends: equal to pydeck's JSON once parsed, without indentation or \\u escapes."""
    from spaces.sample import build_sample
    from spaces.view.deck import TOOLTIP, CompactDeck, build_layers

    layers = build_layers(build_sample(plots=300), visible=["parks", "plots"], choropleth=None, language="zh")
    arguments = {"layers": layers, "initial_view_state": pdk.ViewState(longitude=121.5, latitude=29.7, zoom=8),
                 "tooltip": TOOLTIP, "map_provider": None}
    ours, theirs = CompactDeck(**arguments).to_json(), pdk.Deck(**arguments).to_json()
    assert json.loads(ours) == json.loads(theirs)
    assert "宁波" in ours and "\\u5b81" in theirs  # 宁 kept as UTF-8 by us, escaped by pydeck
    assert len(ours.encode()) < 0.6 * len(theirs.encode())


def test_the_legend_lists_only_the_visible_layers_colours():
    from spaces.view.deck import FACTORY_COLOURS, NO_DATA_COLOUR, PARK_LINE, legend_swatches

    statuses = {"met": "已达标", "on_track": "进度正常", "behind": "滞后"}
    parks_only = legend_swatches({"parks"}, language="zh", status_labels=statuses)
    assert parks_only == [("战略产业园", PARK_LINE)]
    everything = legend_swatches({"districts", "parks", "communities", "plots", "factories"}, language="en",
                                 status_labels=statuses)
    assert ("No data", NO_DATA_COLOUR) in everything
    assert [c for _, c in everything if _.startswith("Green factories")] == list(FACTORY_COLOURS.values())
    assert len(everything) == 4 + 1 + 1 + 4 + 3  # plots: three statuses and reclaimed before the plan


def test_markdown_text_keeps_quotes_readable_and_html_inert():
    from spaces.view.deck import markdown_text

    assert markdown_text("'万亩千亿' \"平台\"") == "'万亩千亿' \"平台\""  # an entity would lose its '#' to a backslash
    assert markdown_text("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert\\(1\\)&gt;"
    assert markdown_text("# 1. *a*") == "\\# 1\\. \\*a\\*"


def test_outlines_are_drawn_but_never_picked():
    """Issue 12: deck.gl picks synchronously on pointerdown; with the district outline (a PathLayer) pickable
    that pick took ~300 ms in software WebGL, past mjolnir's 250 ms tap limit, and the click was dropped.
    Every stroked GeoJsonLayer keeps its fill pickable (same feature) and its outline sublayer out of picking."""
    import json

    import pydeck as pdk

    from spaces.sample import build_sample
    from spaces.view.deck import CompactDeck, build_layers, preview_layers

    sample = build_sample(plots=50)
    layers = build_layers(sample, visible=["districts", "parks", "communities", "plots"],
                          choropleth={"type": "FeatureCollection", "features": []}, language="zh")
    layers += preview_layers(sample["parks"].head(2))
    spec = json.loads(CompactDeck(layers=layers, initial_view_state=pdk.ViewState(longitude=121.5, latitude=29.7,
                                                                                 zoom=8), map_provider=None).to_json())
    stroked = [layer for layer in spec["layers"] if layer["@@type"] == "GeoJsonLayer" and layer.get("stroked")]
    assert {layer["id"] for layer in stroked} == {"districts", "parks", "communities", "preview_districts",
                                                   "preview_upload"}
    for layer in stroked:
        assert layer["pickable"] is True, layer["id"]
        assert layer["_subLayerProps"] == {"polygons-stroke": {"pickable": False}}, layer["id"]


def test_factories_wear_no_status_colour_and_the_community_swatch_is_the_orange_drawn():
    """Red means 滞后 on the map: a factory dot must not read as a status (issue 12, finding 8)."""
    from spaces.view.deck import COMMUNITY_FILL, FACTORY_COLOURS, STATUS_COLOURS, legend_swatches

    def distance(a, b):
        return sum((x - y) ** 2 for x, y in zip(a[:3], b[:3], strict=True)) ** 0.5

    assert min(distance(f, s) for f in FACTORY_COLOURS.values() for s in STATUS_COLOURS.values()) > 80
    swatches = dict(legend_swatches({"communities"}, language="zh", status_labels={}))
    assert list(swatches.values()) == [COMMUNITY_FILL]


def test_markdown_text_leaves_maths_colours_links_and_bidi_inert():
    from spaces.view.deck import markdown_text

    assert markdown_text("$x^2$ :red[a] http://x") == "\\$x^2\\$ \\:red\\[a\\] http\u2060\\://x"
    # Addresses stay readable, each broken by an invisible word joiner where GFM would see a link.
    assert markdown_text("li@a.cn HTTPS://b.cn www.c.cn mailto:d") == (
        "li\u2060@a\\.cn HTTPS\u2060\\://b\\.cn www\u2060\\.c\\.cn mailto\u2060\\:d")
    assert markdown_text("awww.x xhttp://y") == "awww\\.x xhttp\\://y"  # not an address: left alone
    assert markdown_text("a\u202eb\nc") == "ab c"


def test_an_upload_preview_draws_a_bounded_number_of_features_spread_through_the_file(monkeypatch):
    """Issue 14 hole 8: the preview rebuilt on every rerun cost ~1.3 kB and 0.4 ms per feature (100,000 plots:
    130 MB and 40 s); it draws at most PREVIEW_FEATURES, the first and the last among them."""
    from spaces.view import deck

    frame = gpd.GeoDataFrame({"plot_id": [f"P{n}" for n in range(1, 11)]},
                             geometry=[shapely.Point(121.5 + n / 100, 29.8) for n in range(10)], crs="EPSG:4326")
    drawn = [f["properties"]["title"] for f in deck.preview_layers(frame)[1].data["features"]]
    assert drawn == frame["plot_id"].tolist()
    monkeypatch.setattr(deck, "PREVIEW_FEATURES", 4)
    drawn = [f["properties"]["title"] for f in deck.preview_layers(frame)[1].data["features"]]
    assert drawn == ["P1", "P4", "P7", "P10"]


def test_park_and_community_tooltips_name_industries_in_the_ui_language():
    from spaces.view.deck import community_features, park_features

    square = shapely.box(121.5, 29.8, 121.51, 29.81)
    parks = gpd.GeoDataFrame({"park_id": ["P1"], "name_zh": ["甲园"], "level": ["national"], "area_mu": [100.0],
                              "industries": ["新材料;集成电路"]}, geometry=[square], crs="EPSG:4326")
    assert park_features(parks, language="en")["features"][0]["properties"]["line2"] == \
        "New materials, Integrated circuits"
    assert park_features(parks, language="zh")["features"][0]["properties"]["line2"] == "新材料、集成电路"
    communities = parks.rename(columns={"park_id": "community_id"})
    assert community_features(communities, language="en")["features"][0]["properties"]["line1"] == \
        "New materials, Integrated circuits"


def _choropleth(statuses: dict[str, str | None], chosen: tuple[str, ...] = ()) -> dict:
    adcodes = list(statuses)
    districts = gpd.GeoDataFrame({"adcode": adcodes, "name_zh": [f"区{a}" for a in adcodes],
                                  "name_en": [f"D{a}" for a in adcodes]},
                                 geometry=[shapely.box(i, 0, i + 1, 1) for i in range(len(adcodes))], crs=4326)
    long = pd.DataFrame({"adcode": adcodes, "key": "k", "status": list(statuses.values()),
                         "progress": [0.5] * len(adcodes), "expected": [0.8] * len(adcodes)})
    return district_choropleth(districts, long, key="k", status_labels={"met": "已达标", "behind": "<滞后>"},
                               chosen=chosen)


def test_the_district_layer_sends_the_same_outlines_for_every_target_and_the_colours_apart():
    """Outlines, names and ids only in the data (one file whatever the target, year or filter); each district's
    colour, dimmed when the district filter leaves it out, in the accessor expression and its update trigger."""
    from spaces.view.deck import DIMMED_ALPHA, district_layer
    from tests.deck_expressions import fills_of

    met = district_layer(_choropleth({"1": "met", "2": None}))
    behind = district_layer(_choropleth({"1": "behind", "2": "met"}, chosen=("2",)))
    assert json.dumps(met.data, sort_keys=True) == json.dumps(behind.data, sort_keys=True)
    assert {k for f in met.data["features"] for k in f["properties"]} == {"kind", "id", "title", "line1", "line2"}
    spec = json.loads(pdk.Deck(layers=[met, behind], map_provider=None).to_json())["layers"]
    assert [fills_of(layer) for layer in spec] == [
        {"1": STATUS_COLOURS["met"], "2": NO_DATA_COLOUR},
        {"1": [*STATUS_COLOURS["behind"][:3], DIMMED_ALPHA], "2": STATUS_COLOURS["met"]}]
    for layer in spec:  # deck.gl evaluates the accessor again only when its trigger changes
        assert layer["updateTriggers"] == {"getFillColor": layer["getFillColor"].removeprefix("@@=")}


def test_the_map_tooltip_shows_the_status_lines_of_the_district_under_the_pointer_only():
    from spaces.view.deck import TOOLTIP, map_tooltip

    assert map_tooltip(None) == TOOLTIP
    template = map_tooltip(_choropleth({"1": "met", "2": "behind"}))["html"]
    assert '<div class="spaces-tip" data-pick="{kind}:{id}"><b>{title}</b>' in template
    for field in ("{line1}", "{line2}"):  # every other layer's lines, as before
        assert field in template
    assert '<div class="spaces-status" data-of="1">已达标<br/>' in template
    assert '<div class="spaces-status" data-of="2">&lt;滞后&gt;<br/>' in template  # our text, escaped by us
    assert '.spaces-tip[data-pick="district:2"]>.spaces-status[data-of="2"]{display:block}' in template
    assert ".spaces-tip>.spaces-status{display:none}" in template.replace(".spaces-tip>div:empty,", "")
