"""The standalone HTML map: Leaflet inlined, nothing fetched from outside, text escaped, layers and legend."""

from __future__ import annotations

import json
import re

import folium
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from spaces import html_map as html_map_module
from spaces.districts import load_districts
from spaces.filters import MAP_LAYERS, Filters, apply_filters
from spaces.html_map import LEAFLET_DIR, LeafletMissingError, html_map
from spaces.i18n import t
from spaces.layers import FACTORY_COLOURS, PLOT_COLOURS

HOSTILE = "<img src=x onerror=alert(1)>"
CDN_WORDS = ("cdn", "unpkg", "jsdelivr", "cloudflare", "bootstrapcdn", "googleapis", "code.jquery", "fontawesome")
# The only absolute URLs the page may hold, none of them fetched: the SVG namespace and the attribution
# link inside leaflet.js, and a bug-tracker link in a comment of leaflet.css.
ALLOWED_URLS = {"http://www.w3.org/2000/svg", "https://leafletjs.com",
                "https://bugzilla.mozilla.org/show_bug.cgi?id=888319"}


def _render(layers, **options) -> str:
    options = {"districts": load_districts(), "title": "宁波 · 2026", "notice": "示例数据 · 2026", **options}
    return html_map(layers, **options).decode("utf-8")


def _features_by_pane(page: str) -> dict[str, list[dict]]:
    """The GeoJSON features folium embedded, grouped by the Leaflet pane of their layer."""
    panes: dict[str, list[dict]] = {}
    for name, pane in re.findall(r'var (geo_json_\w+) = L\.geoJson\(null, \{.*?"pane": "(\w+)"', page, re.S):
        data = re.search(rf"^\s*{name}_add\((.*)\);$", page, re.M).group(1)
        panes.setdefault(pane, []).extend(json.loads(data)["features"])
    return panes


def _layer_names(page: str) -> list[str]:
    """The names in the layer control, in order (folium writes them as JSON strings)."""
    return [json.loads(name) for name in re.findall(r'("(?:[^"\\]|\\.)*") : feature_group_', page)]


def _point_near(lon: float, lat: float, metres: float):
    degrees = metres / 111_320
    return shapely.box(lon - degrees, lat - degrees, lon + degrees, lat + degrees)


@pytest.fixture
def small_layers() -> dict[str, gpd.GeoDataFrame]:
    """One of everything around 北仑: a hostile park name, a point community, a plot per status plus one
    without geometry, and a factory per level, in the columns the filtered map layers carry."""
    lon, lat = 121.85, 29.90
    parks = gpd.GeoDataFrame({
        "park_id": ["P1"], "name_zh": [HOSTILE], "industries": ["汽车及零部件;新材料"], "level": ["national"],
        "district_adcode": ["330206"], "area_mu": [1234.56], "wanmu_qianyi": [True], "green_park_level": [None],
    }, geometry=[_point_near(lon, lat, 2000)], crs=4326)
    communities = gpd.GeoDataFrame({
        "community_id": ["C1"], "name_zh": ["北仑模具社区"], "industries": ["模具"], "park_id": ["P1"],
        "area_mu": [None], "district_adcode": ["330206"],
    }, geometry=[shapely.Point(lon, lat)], crs=4326)
    plots = gpd.GeoDataFrame({
        "plot_id": ["L1", "L2", "L3", "L4"], "status": ["pending", "in_progress", "reclaimed", "reclaimed"],
        "status_as_of": ["pending", "in_progress", "reclaimed", "reclaimed"],
        "reclaimed_year": [None, None, 2024, 2023], "area_mu": [10.0, 20.0, 30.0, 40.0],
        "district_adcode": ["330206"] * 4,
    }, geometry=[_point_near(lon + 0.01 * k, lat, 80) for k in range(3)] + [None], crs=4326)
    factories = gpd.GeoDataFrame({
        "factory_id": ["F1", "F2", "F3"], "name_zh": ["甲厂", "乙厂", "丙厂"],
        "level": ["national", "provincial", "municipal"], "industry": ["新材料"] * 3,
        "certified_year": [2020, 2021, 2022], "district_adcode": ["330206"] * 3,
    }, geometry=[shapely.Point(lon - 0.01 * k, lat) for k in range(3)], crs=4326)
    return {"parks": parks, "communities": communities, "plots": plots, "factories": factories}


@pytest.fixture
def filtered_sample(sample_layers) -> dict[str, gpd.GeoDataFrame]:
    """The 300-plot sample through the explorer's filters, as the map page would pass it."""
    layers = apply_filters(sample_layers, Filters(year=2026))
    return {name: layers[name] for name in MAP_LAYERS}


def test_nothing_is_fetched_from_outside(filtered_sample):
    page = _render(filtered_sample)
    for word in CDN_WORDS:
        assert word not in page, word
    assert re.search(r"<script[^>]*\bsrc=", page) is None
    assert re.findall(r"<link[^>]*>", page) == ['<link rel="icon" href="data:,">']
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) <= ALLOWED_URLS
    assert "url(images/" not in page and "sourceMappingURL" not in page
    # folium's class-level defaults are left alone for the app's other maps.
    assert any("jsdelivr" in url for _, url in folium.Map.default_js)


def test_leaflet_is_inlined_with_its_images(filtered_sample):
    page = _render(filtered_sample)
    assert 't.version="1.9.3"' in page  # leaflet.js itself
    assert ".leaflet-container" in page  # leaflet.css
    assert page.count("url(data:image/png;base64,") >= 3  # layers.png, layers-2x.png, marker-icon.png


def test_vendored_leaflet_is_foliums_version():
    """folium 0.20 writes Leaflet calls for the version it links; the vendored copy must be that one."""
    linked = dict(folium.Map.default_js)["leaflet"]
    vendored = (LEAFLET_DIR / "VERSION").read_text(encoding="utf-8").split()[0]
    assert f"leaflet@{vendored}/" in linked


def test_hostile_text_reaches_the_page_only_as_text(small_layers):
    page = _render(small_layers, title=f"标题 {HOSTILE}", notice=f"示例 {HOSTILE}")
    assert HOSTILE not in page
    assert "<img" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") == 3  # <title>, banner title, banner notice
    park = _features_by_pane(page)["parks"][0]["properties"]
    assert park["t"] == HOSTILE  # kept verbatim in the data; the page sets it with textContent
    assert "textContent = p.t" in page and "innerHTML" not in page.split("function hmPopup")[1][:800]


def test_popups_carry_the_fields_that_matter(small_layers):
    panes = _features_by_pane(_render(small_layers))
    park = panes["parks"][0]["properties"]
    assert park["r"] == ["P1", "北仑区", "国家级", "汽车及零部件、新材料", "1,234.6", "是", None, None]
    community = panes["communities"][0]
    assert community["geometry"]["type"] == "Point"
    assert community["properties"]["r"][:4] == ["C1", "北仑区", "模具", HOSTILE]  # its park, by name
    plots = {f["properties"]["t"]: f["properties"]["r"] for f in panes["plots"]}
    assert plots == {"L1": ["待处置", None, "10.0", "北仑区"], "L2": ["处置中", None, "20.0", "北仑区"],
                     "L3": ["已盘活", "2024", "30.0", "北仑区"]}  # L4 has no geometry
    factories = {f["properties"]["t"]: f["properties"]["r"] for f in panes["factories"]}
    assert factories["甲厂"] == ["F1", "国家级", "新材料", "2020", "北仑区"]


def test_layers_legend_banner_and_colours(small_layers):
    page = _render(small_layers)
    assert _layer_names(page) == [t("layer_districts"), f"{t('layer_parks')} (1)", f"{t('layer_communities')} (1)",
                                  f"{t('layer_plots')} (3)", f"{t('layer_factories')} (3)"]  # L4 has no geometry
    legend = page.split('class="hm-legend"')[1]
    for label in ("待处置", "处置中", "已盘活", "国家级", "省级", "市级"):
        assert label in legend
    assert '<span>已盘活</span><span class="hm-count">1</span>' in legend
    banner = page.split('class="hm-banner hm-warn"')[1]
    assert "示例数据 · 2026" in banner and "宁波 · 2026" in banner
    for colour in (*PLOT_COLOURS.values(), *FACTORY_COLOURS.values()):
        assert "#{:02x}{:02x}{:02x}".format(*colour[:3]) in page
    assert "L.control.layers" in page and '"animate": false' in page


def test_english_labels(small_layers):
    page = _render(small_layers, language="en")
    assert _layer_names(page)[1] == f"{t('layer_parks', 'en')} (1)"
    assert "Reclaimed" in page and "National" in page
    plots = {f["properties"]["t"]: f["properties"]["r"] for f in _features_by_pane(page)["plots"]}
    assert plots["L3"] == ["Reclaimed", "2024", "30.0", "Beilun"]


def test_coordinates_are_rounded_and_inputs_untouched(filtered_sample):
    before = {name: frame.copy() for name, frame in filtered_sample.items()}
    panes = _features_by_pane(_render(filtered_sample))
    coordinates = re.findall(r"-?\d+\.\d+", json.dumps([f["geometry"] for fs in panes.values() for f in fs]))
    assert coordinates and max(len(c.split(".")[1]) for c in coordinates) <= 6
    assert len(panes["plots"]) == len(filtered_sample["plots"])
    for name, frame in filtered_sample.items():
        assert frame.equals(before[name]), name


def test_many_plots_become_points_on_a_canvas(filtered_sample, monkeypatch):
    monkeypatch.setattr(html_map_module, "MAX_PLOT_POLYGONS", 100)
    page = _render(filtered_sample)
    plots = _features_by_pane(page)["plots"]
    assert len(plots) == len(filtered_sample["plots"]) > 100
    assert {f["geometry"]["type"] for f in plots} == {"Point"}
    assert '"preferCanvas": true' in page


def test_empty_layers_still_give_a_map():
    empty = {name: gpd.GeoDataFrame({"name_zh": []}, geometry=[], crs=4326) for name in MAP_LAYERS}
    page = _render(empty, notice=None)
    assert f"{t('layer_plots')} (0)" in _layer_names(page) and '<div class="hm-banner">' in page
    assert len(_features_by_pane(page)["districts"]) == 10


def test_missing_leaflet_names_the_command(tmp_path, monkeypatch, small_layers):
    html_map_module._leaflet_assets.cache_clear()
    monkeypatch.setattr(html_map_module, "LEAFLET_DIR", tmp_path / "nowhere")
    try:
        with pytest.raises(LeafletMissingError, match=r"leaflet\.js is missing.*scripts/vendor_leaflet\.py"):
            _render(small_layers)
    finally:
        html_map_module._leaflet_assets.cache_clear()


def test_unknown_or_missing_status_is_drawn_grey(small_layers):
    """Imports validate statuses, but a frame from elsewhere may carry a gap or an unknown word."""
    plots = small_layers["plots"].iloc[:3].copy()
    plots["status_as_of"] = pd.array(["pending", None, "weird"], dtype="string")
    page = _render({"plots": plots})
    legend = page.split('class="hm-legend"')[1]
    assert '<span>—</span><span class="hm-count">2</span>' in legend
    assert '<span>已盘活</span><span class="hm-count">0</span>' in legend
    shown = sorted(f["properties"]["r"][0] or "" for f in _features_by_pane(page)["plots"])
    assert shown == ["", "weird", "待处置"]
