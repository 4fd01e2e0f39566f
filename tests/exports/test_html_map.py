"""The standalone HTML map: Leaflet inlined, nothing fetched from outside, text escaped, layers and legend."""

from __future__ import annotations

import json
import re

import folium
import geopandas as gpd
import pandas as pd
import pytest
import shapely
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from spaces.errors import LeafletMissingError
from spaces.exports import html_map as html_map_module
from spaces.exports.html_map import LEAFLET_DIR, html_map
from spaces.geo.grid import PLOT_STATUSES, cell_centre, cell_of
from spaces.planning.filters import MAP_LAYERS, Filters, apply_filters
from spaces.planning.summary import Summary, build_summary
from spaces.reference.districts import load_districts
from spaces.reference.i18n import t
from spaces.reference.targets import load_targets
from spaces.sample import build_sample
from spaces.store import local_actor, open_store
from spaces.view.deck import (
    COMMUNITY_FILL,
    COMMUNITY_LINE,
    FACTORY_COLOURS,
    NO_DATA_COLOUR,
    PARK_FILL,
    PARK_LINE,
    PLOT_COLOURS,
    STATUS_COLOURS,
    WINDOW_LINE,
    district_choropleth,
)
from spaces.view.urlstate import DEFAULTS

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


def _styled_layers(page: str, pane: str) -> list[tuple[dict, list[dict]]]:
    """(style, features) of each GeoJSON layer in ``pane``, in drawing order."""
    layers = []
    for name, style in re.findall(r"function (geo_json_\w+)_styler\(feature\) \{\s*switch\(feature\.id\) \{"
                                  r"\s*default:\s*return (\{.*?\});", page, re.S):
        style = json.loads(style)
        if style["pane"] == pane:
            data = re.search(rf"^\s*{name}_add\((.*)\);$", page, re.M).group(1)
            layers.append((style, json.loads(data)["features"]))
    return layers


def _plot_layers(page: str) -> list[tuple[dict, list[dict]]]:
    """(style, features) of each GeoJSON layer in the plots pane, in drawing order."""
    return _styled_layers(page, "plots")


def _fitted_bounds(page: str) -> list[list[float]]:
    return json.loads(re.search(r"map_\w+\.fitBounds\(\s*(\[\[.*?\]\])", page, re.S).group(1))


def _cell_counts(feature: dict) -> dict[str, tuple[int, float]]:
    """Plots and 亩 per status row of a cell's popup (rows follow PLOT_STATUSES), plus the total 亩."""
    counts = {}
    for status, value in zip(PLOT_STATUSES, feature["properties"]["r"], strict=False):
        if value is not None:
            plots, mu = re.fullmatch(r"([\d,]+) \S+ · ([\d,.]+) 亩", value).groups()
            counts[status] = (int(plots.replace(",", "")), float(mu.replace(",", "")))
    counts["total"] = (int(feature["properties"]["t"].split()[0].replace(",", "")),
                       float(feature["properties"]["r"][-1].removesuffix(" 亩").replace(",", "")))
    return counts


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
def grid_plots() -> gpd.GeoDataFrame:
    """Ten plots in four 1 km cells placed by hand (cell offsets from the one holding 121.85 E, 29.90 N),
    so that cells, their popups and a detail window can be checked on paper with a limit of 5 plots:
    (0, 0) holds 2 pending plots (15 亩) and 1 reclaimed (30 亩), so reclaimed has most area; (1, 0)
    holds one in-progress plot named like an XSS probe; (5, 5) four pending plots; (-6, 0) two more."""
    layout = [(0, 0, "L01", "pending", 10.0), (0, 0, "L02", "pending", 5.0), (0, 0, "L03", "reclaimed", 30.0),
              (1, 0, HOSTILE, "in_progress", 20.0), (5, 5, "L05", "pending", 1.0), (5, 5, "L06", "pending", 1.0),
              (5, 5, "L07", "pending", 1.0), (5, 5, "L08", "pending", 1.0), (-6, 0, "L09", "reclaimed", 2.0),
              (-6, 0, "L10", "in_progress", 3.0)]
    x0, y0 = (int(v) for v in cell_of(121.85, 29.90))
    geometries = []
    for number, (dx, dy, *_) in enumerate(layout):
        lon, lat = cell_centre(x0 + dx, y0 + dy)
        geometries.append(_point_near(lon + 0.0012 * (number % 3 - 1), lat, 60))  # well inside the cell
    status = [state for *_, state, _ in layout]
    return gpd.GeoDataFrame({
        "plot_id": [plot_id for _, _, plot_id, *_ in layout], "status": status, "status_as_of": status,
        "reclaimed_year": [2024 if state == "reclaimed" else None for state in status],
        "area_mu": [area for *_, area in layout], "district_adcode": ["330206"] * len(layout),
    }, geometry=geometries, crs=4326)


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


def test_many_plots_become_1_km_cells_whose_popups_add_up(grid_plots, monkeypatch):
    monkeypatch.setattr(html_map_module, "MAX_PLOT_POLYGONS", 5)
    page = _render({"plots": grid_plots})
    layers = _plot_layers(page)
    cells = [feature for _, features in layers for feature in features]
    assert len(cells) == 4
    assert all(re.fullmatch(r"\d+ 宗地块", cell["properties"]["t"]) for cell in cells)  # no plot drawn alone
    counts = [_cell_counts(cell) for cell in cells]
    assert sum(c["total"][0] for c in counts) == len(grid_plots)
    assert sum(c["total"][1] for c in counts) == pytest.approx(grid_plots["area_mu"].sum())
    for status in PLOT_STATUSES:
        expected = grid_plots.loc[grid_plots["status_as_of"] == status, "area_mu"]
        assert sum(c.get(status, (0, 0))[0] for c in counts) == len(expected), status
        assert sum(c.get(status, (0, 0))[1] for c in counts) == pytest.approx(expected.sum()), status
    # The mixed cell is coloured by the status with most 亩 (reclaimed), not the most plots (pending).
    mixed = next(cell for cell in cells if cell["properties"]["t"] == "3 宗地块")
    style = next(style for style, features in layers if mixed in features)
    assert style["fillColor"] == "#{:02x}{:02x}{:02x}".format(*PLOT_COLOURS["reclaimed"][:3])
    assert mixed["properties"]["r"] == ["2 宗地块 · 15.0 亩", None, "1 宗地块 · 30.0 亩", None, "45.0 亩"]
    assert mixed["geometry"]["type"] == "Polygon" and len(mixed["geometry"]["coordinates"][0]) == 5
    assert "hmPopup([\"待处置\", \"处置中\", \"已盘活\", \"计划前已盘活\", \"合计\"]" in page
    name = _layer_names(page)[1]
    assert "1 公里网格" in name and name.endswith("(10)")
    legend = page.split('class="hm-legend"')[1]
    assert '<span>1 公里网格（颜色为面积最多的状态）</span><span class="hm-count">4</span>' in legend
    assert '<span>待处置</span><span class="hm-count">6</span>' in legend  # plots, not cells
    assert "L.polyline" not in page and HOSTILE not in page
    assert _fitted_bounds(page)[0][0] < 29.0  # the whole city


def test_english_cell_popups(grid_plots, monkeypatch):
    monkeypatch.setattr(html_map_module, "MAX_PLOT_POLYGONS", 5)
    page = _render({"plots": grid_plots}, language="en")
    assert "as 1 km grid cells" in _layer_names(page)[1]
    cells = [feature for _, features in _plot_layers(page) for feature in features]
    mixed = next(cell for cell in cells if cell["properties"]["t"] == "3 plots")
    assert mixed["properties"]["r"] == ["2 plots · 15.0 亩", None, "1 plots · 30.0 亩", None, "45.0 亩"]
    assert 'hmPopup(["Pending", "In progress", "Reclaimed", "Reclaimed before the plan", "Total"]' in page


def test_a_focus_draws_the_window_plot_by_plot_and_cells_elsewhere(grid_plots, monkeypatch):
    """Every plot is drawn exactly once: in full inside the window or counted in one cell outside it."""
    monkeypatch.setattr(html_map_module, "MAX_PLOT_POLYGONS", 5)
    focus = cell_centre(*(int(v) for v in cell_of(121.85, 29.90)))
    page = _render({"plots": grid_plots}, focus=focus)
    features = [feature for _, layer in _plot_layers(page) for feature in layer]
    cells = [f for f in features if re.fullmatch(r"\d+ 宗地块", f["properties"]["t"])]
    plots = [f for f in features if f not in cells]
    # The window reaches 3 cells each side (7 × 7 km): the cells (0, 0) and (1, 0), 4 plots.
    assert sorted(f["properties"]["t"] for f in plots) == sorted(["L01", "L02", "L03", HOSTILE])
    assert {f["geometry"]["type"] for f in plots} == {"Polygon"}
    hostile = next(f for f in plots if f["properties"]["t"] == HOSTILE)
    assert hostile["properties"]["r"] == ["处置中", None, "20.0", "北仑区"]  # a plot's usual popup
    assert sorted(_cell_counts(cell)["total"][0] for cell in cells) == [2, 4]
    assert len(plots) + sum(_cell_counts(cell)["total"][0] for cell in cells) == len(grid_plots)
    assert HOSTILE not in page and "<img" not in page
    assert "黑框内逐块显示" in _layer_names(page)[1]
    legend = page.split('class="hm-legend"')[1]
    assert '<span>黑框（7 × 7 公里）内的地块</span><span class="hm-count">4</span>' in legend
    assert '<span>1 公里网格（颜色为面积最多的状态）</span><span class="hm-count">2</span>' in legend
    outline = re.search(r"L\.polyline\(\s*(\[\[.*?\]\]),\s*(\{.*?\})\s*\)", page, re.S)
    ring, options = json.loads(outline.group(1)), json.loads(outline.group(2))
    assert options["pane"] == "plots" and options["interactive"] is False
    assert options["color"] == "#{:02x}{:02x}{:02x}".format(*WINDOW_LINE[:3])
    # The page opens on the window, about 7 km square around the focus.
    (south, west), (north, east) = _fitted_bounds(page)
    assert [south, west] == [min(lat for lat, _ in ring), min(lon for _, lon in ring)]
    assert west < focus[0] < east and south < focus[1] < north and 0.06 < north - south < 0.07


def test_a_focus_changes_nothing_at_or_below_the_limit(grid_plots):
    page = _render({"plots": grid_plots}, focus=(121.85, 29.90))
    assert page == _render({"plots": grid_plots})
    assert len([f for _, layer in _plot_layers(page) for f in layer]) == len(grid_plots)
    assert "L.polyline" not in page and _layer_names(page)[1] == f"{t('layer_plots')} (10)"


def test_a_plot_with_an_unknown_status_is_drawn_alone_among_cells(grid_plots, monkeypatch):
    """Cells sum the known statuses only; a plot with another status must not vanish from the map."""
    monkeypatch.setattr(html_map_module, "MAX_PLOT_POLYGONS", 5)
    plots = grid_plots.copy()
    plots.loc[plots.index[4], "status_as_of"] = "weird"
    features = [f for _, layer in _plot_layers(_render({"plots": plots})) for f in layer]
    alone = [f for f in features if not re.fullmatch(r"\d+ 宗地块", f["properties"]["t"])]
    assert [f["properties"]["t"] for f in alone] == ["L05"]
    assert sum(_cell_counts(f)["total"][0] for f in features if f not in alone) == len(plots) - 1


def test_the_same_view_gives_the_same_bytes(small_layers):
    """folium names its variables at random; the page numbers them so a download can be compared."""
    first, second = html_map(small_layers, districts=load_districts(), title="宁波", notice=None), \
        html_map(small_layers, districts=load_districts(), title="宁波", notice=None)
    assert first == second
    assert re.search(rb"[0-9a-f]{32}", first) is None


def test_100k_plots_stay_under_10_mb(monkeypatch):
    """The size goal at city scale (timings are measured by script, see the docstring of html_map)."""
    layers = apply_filters(build_sample(plots=100_000), Filters(year=2025))
    page = html_map({name: layers[name] for name in MAP_LAYERS}, districts=load_districts(), title="宁波",
                    notice=None, focus=(121.55, 29.87))
    assert len(page) < 10_000_000
    assert b"1 \xe5\x85\xac\xe9\x87\x8c" in page  # "1 公里": the plots are in cells


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


# --- The view on screen: layers shown, the district choropleth, the app's colours -------------------

def _hex(colour: list[int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour[:3])


def _opacity(colour: list[int]) -> float:
    return round(colour[3] / 255, 2)


def _district_fills(page: str) -> dict[str, tuple[str, float, list]]:
    """District name -> (fillColor, fillOpacity, popup values) of the districts layer."""
    return {feature["properties"]["t"]: (style["fillColor"], style["fillOpacity"], feature["properties"]["r"])
            for style, features in _styled_layers(page, "districts") for feature in features}


@pytest.fixture
def hand_summary() -> Summary:
    """One district per status for 盘活腾退 (北仑 met at 120%, 海曙 on track at 80%, 江北 behind at 40%), the
    other seven without a row (no data), and a row of another target for 江北 that must not be picked."""
    rows = [("330206", "北仑区", "reclaimed_land_mu", 1.2, "met"),
            ("330203", "海曙区", "reclaimed_land_mu", 0.8, "on_track"),
            ("330205", "江北区", "reclaimed_land_mu", 0.4, "behind"),
            ("330205", "江北区", "strategic_parks", 1.0, "met")]
    long = pd.DataFrame(rows, columns=["adcode", "district", "key", "attainment", "status"])
    return Summary(year=2025, long=long, data_source="sample", store="")


@pytest.fixture(scope="module")
def sample_summary(shared_sample_layers) -> Summary:
    """The 300-plot sample's attainment in 2025, as the map page's cached summary holds it."""
    return build_summary(shared_sample_layers, year=2025)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory, shared_sample_layers) -> str:
    """A sample store for the map page (the page only reads it)."""
    location = tmp_path_factory.mktemp("app") / "spaces.gpkg"
    open_store(str(location)).initialise({k: v.copy() for k, v in shared_sample_layers.items()}, dataset="sample", actor=local_actor())
    return str(location)


def test_layers_left_out_are_not_in_the_file(small_layers, hand_summary, grid_plots, monkeypatch):
    """?ly=districts,parks: no community, plot or factory in the file, not even in the legend."""
    page = _render(small_layers, visible=["districts", "parks"], summary=hand_summary, target="reclaimed_land_mu")
    assert set(_features_by_pane(page)) == {"land", "districts", "parks"}
    assert _layer_names(page) == [t("layer_districts"), f"{t('layer_parks')} (1)"]
    assert "北仑模具社区" not in page and "甲厂" not in page
    legend = page.split('class="hm-legend"')[1]
    for gone in (t("layer_communities"), t("layer_plots"), "待处置", t("layer_factories"), "省级"):
        assert gone not in legend, gone

    # Without the districts layer the districts are still the land under the rest, neither clickable nor listed.
    page = _render(small_layers, visible=["parks"], summary=hand_summary, target="reclaimed_land_mu")
    assert set(_features_by_pane(page)) == {"land", "parks"}
    assert _layer_names(page) == [f"{t('layer_parks')} (1)"]
    (land_style, land), = _styled_layers(page, "land")
    assert len(land) == 10 and land_style["fillOpacity"] == 1.0
    assert re.search(r'L\.geoJson\(null, \{[^}]*"pane": "land",\s*"interactive": false', page)
    assert "区县着色" not in page

    # A focus without plots on screen opens on the whole city.
    monkeypatch.setattr(html_map_module, "MAX_PLOT_POLYGONS", 5)
    page = _render({"plots": grid_plots}, visible=["districts"], focus=(121.85, 29.90))
    assert "plots" not in _features_by_pane(page) and _fitted_bounds(page)[0][0] < 29.0


def test_districts_are_filled_by_the_status_of_the_target(hand_summary):
    page = _render({}, summary=hand_summary, target="reclaimed_land_mu")
    fills = _district_fills(page)
    assert len(fills) == 10
    label = load_targets()["reclaimed_land_mu"].label_zh
    assert fills["北仑区"] == (_hex(STATUS_COLOURS["met"]), _opacity(STATUS_COLOURS["met"]), [label, "已达标", "120%"])
    assert fills["海曙区"] == (_hex(STATUS_COLOURS["on_track"]), _opacity(STATUS_COLOURS["on_track"]),
                             [label, "进度正常", "80%"])
    assert fills["江北区"] == (_hex(STATUS_COLOURS["behind"]), _opacity(STATUS_COLOURS["behind"]), [label, "滞后", "40%"])
    assert fills["镇海区"] == (_hex(NO_DATA_COLOUR), _opacity(NO_DATA_COLOUR), [label, "—", "—"])
    assert 'hmPopup(["指标", "状态", "完成率"], feature.properties)' in page
    legend = page.split('class="hm-legend"')[1]
    assert f'<div class="hm-group">区县着色：{label}（2025 年）</div>' in legend
    assert '<span>已达标</span><span class="hm-count">1</span>' in legend
    assert '<span>无数据</span><span class="hm-count">7</span>' in legend
    assert f"background:{_hex(STATUS_COLOURS['behind'])};" in legend
    # The land stays underneath, so the see-through status colours sit on paper white as in the app.
    assert len(_features_by_pane(page)["land"]) == 10

    english = _render({}, summary=hand_summary, target="reclaimed_land_mu", language="en")
    label_en = load_targets()["reclaimed_land_mu"].label_en
    assert _district_fills(english)["Jiangbei"][2] == [label_en, "Behind", "40%"]
    assert f"Districts by {label_en} (2025)" in english


@pytest.mark.parametrize("key", list(load_targets()))
def test_district_colours_are_the_apps_choropleth(sample_summary, key):
    """Same rows, same colours as the app's map (spaces.view.deck.district_choropleth), for every target."""
    districts = load_districts()
    app = district_choropleth(districts, sample_summary.long, key=key, status_labels={})
    app_fill = {feature["properties"]["id"]: feature["properties"]["fill"] for feature in app["features"]}
    adcodes = dict(zip(districts["name_zh"], districts["adcode"], strict=True))
    fills = _district_fills(_render({}, summary=sample_summary, target=key, notice=None))
    assert {adcodes[name]: (colour, opacity) for name, (colour, opacity, _) in fills.items()} == {
        adcode: (_hex(fill), _opacity(fill)) for adcode, fill in app_fill.items()}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_district_is_named_on_its_own_land_as_text(language):
    """As on the app's map: each district's name in the UI language, at a point inside the district (the main land
    of an island district), set as text (``hmText``), in a tooltip that stays open and never takes a click."""
    page = _render({}, language=language, notice=None)
    land = _features_by_pane(page)["land"]
    districts = load_districts().set_index("name_en" if language == "en" else "name_zh")
    assert sorted(f["properties"]["t"] for f in land) == sorted(districts.index)
    for feature in land:
        lat, lon = feature["properties"]["c"]
        assert districts.loc[feature["properties"]["t"], "geometry"].contains(shapely.Point(lon, lat))
    assert ("L.tooltip({permanent: true, direction: 'center', className: 'hm-district-name'})"
            ".setLatLng(feature.properties.c).setContent(hmText(feature.properties.t))") in page


def test_colours_are_the_apps_palette(small_layers):
    page = _render(small_layers)
    (park, _), = _styled_layers(page, "parks")
    assert (park["color"], park["fillColor"], park["fillOpacity"]) == (_hex(PARK_LINE), _hex(PARK_FILL),
                                                                       _opacity(PARK_FILL))
    (community, _), = _styled_layers(page, "communities")
    assert (community["color"], community["fillColor"], community["fillOpacity"]) == (
        _hex(COMMUNITY_LINE), _hex(COMMUNITY_FILL), _opacity(COMMUNITY_FILL))
    plots = {features[0]["properties"]["r"][0]: style["fillColor"] for style, features in _plot_layers(page)}
    assert plots == {"待处置": _hex(PLOT_COLOURS["pending"]), "处置中": _hex(PLOT_COLOURS["in_progress"]),
                     "已盘活": _hex(PLOT_COLOURS["reclaimed"])}
    factories = {features[0]["properties"]["r"][1]: style["fillColor"]
                 for style, features in _styled_layers(page, "factories")}
    assert factories == {"国家级": _hex(FACTORY_COLOURS["national"]), "省级": _hex(FACTORY_COLOURS["provincial"]),
                         "市级": _hex(FACTORY_COLOURS["municipal"])}
    # A plot whose status is unknown is in the app's no-data grey.
    odd = small_layers["plots"].iloc[:1].assign(status_as_of="weird")
    (style, _), = _plot_layers(_render({"plots": odd}))
    assert style["fillColor"] == _hex(NO_DATA_COLOUR)


def test_the_scale_is_metric_and_leaflet_adds_no_attribution_prefix(small_layers):
    page = _render(small_layers)
    assert re.findall(r"L\.control\.scale\((.*?)\)", page) == ['{"imperial": false, "metric": true}']
    assert re.search(r"map_\w+\.attributionControl\.setPrefix\(false\);", page)


def test_the_map_pages_download_is_the_view_on_screen(store_path, monkeypatch):
    """The map page's button with ?ly=districts,parks and a target: the file it gives holds those layers only,
    the districts coloured as on screen, and its name says sample like every other export."""
    monkeypatch.setenv("SPACES_STORE", store_path)
    made = {}
    register = MediaFileManager.add_deferred

    def recorded(self, data_callable, mimetype, coordinates, file_name=None, **options):
        made[file_name] = data_callable
        return register(self, data_callable, mimetype, coordinates, file_name=file_name, **options)

    monkeypatch.setattr(MediaFileManager, "add_deferred", recorded)
    at = AppTest.from_file("../../app_pages/map.py", default_timeout=60)
    state = {**DEFAULTS, "year": 2024, "layers": ["districts", "parks"], "target": "strategic_parks"}
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    (name, make), = made.items()
    assert name == "spaces-map-2024-sample.html"

    page = make().decode("utf-8")
    assert set(_features_by_pane(page)) == {"land", "districts", "parks"}
    summary = build_summary(open_store(store_path).read_all(), year=2024)
    districts = load_districts()
    app = district_choropleth(districts, summary.long, key="strategic_parks", status_labels={})
    names = dict(zip(districts["adcode"], districts["name_zh"], strict=True))
    assert {name: (colour, opacity) for name, (colour, opacity, _) in _district_fills(page).items()} == {
        names[f["properties"]["id"]]: (_hex(f["properties"]["fill"]), _opacity(f["properties"]["fill"]))
        for f in app["features"]}
    assert f"区县着色：{load_targets()['strategic_parks'].label_zh}（2024 年）" in page
    assert "示例数据" in page.split('class="hm-banner')[1]
