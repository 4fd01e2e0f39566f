"""The current view as one standalone HTML file: a folium map with Leaflet inlined, so it opens offline."""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable
from functools import cache

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element
from folium.utilities import JsCode

from .errors import SpacesError
from .i18n import t
from .layers import COMMUNITY_FILL, COMMUNITY_LINE, FACTORY_COLOURS, PARK_FILL, PARK_LINE, PLOT_COLOURS
from .paths import PROJECT_DIR
from .vocab import industry_labels_en, load_vocabularies, split_industries

LEAFLET_DIR = PROJECT_DIR / "static" / "vendor" / "leaflet"
VENDOR_COMMAND = "python scripts/vendor_leaflet.py"
MAP_LAYERS = ("parks", "communities", "plots", "factories")
# Above this many plots the browser would choke on polygons: plots become one small circle each.
MAX_PLOT_POLYGONS = 20_000
SIMPLIFY_METRES = 2.0
METRES_PER_DEGREE = 111_320.0  # of latitude; a degree of longitude at Ningbo (30°N) is ~13% shorter
COORDINATE_DECIMALS = 6  # ~0.1 m
DISTRICT_SIMPLIFY_METRES = 10.0  # outlines only; invisible at city zoom, keeps the coast small
DISTRICT_LINE = "#3d3d3d"
LAND_COLOUR, SEA_COLOUR = "#fbfaf6", "#dce8f0"
NO_DATA_COLOUR = [150, 150, 150, 200]
# Leaflet's own panes: overlays 400, markers 600, tooltips 650, popups 700. One pane per layer keeps
# the stacking fixed (points over plots over areas over districts) however layers are toggled.
PANES = {"districts": 350, "parks": 410, "communities": 420, "plots": 430, "factories": 440}

# Labels not (yet) in geodata/ui_text.toml; the catalogue wins when it has the key.
_EXTRA_TEXT = {
    "attr_reclaimed_year": {"zh": "盘活年份", "en": "Reclaimed in"},
    "attr_certified_year": {"zh": "认定年份", "en": "Certified in"},
    "attr_industry": {"zh": "行业", "en": "Industry"},
    "attr_plots_as_points": {"zh": "以中心点显示", "en": "shown as centre points"},
    "yes": {"zh": "是", "en": "Yes"},
    "no": {"zh": "否", "en": "No"},
}

_PAGE_CSS = """
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column;
       font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
.folium-map { flex: 1 1 auto; min-height: 0; height: auto !important; }
.leaflet-control-layers { font-size: 13px; }
.hm-banner { flex: 0 0 auto; padding: 6px 12px; font-size: 14px; line-height: 1.45;
             background: #ffffff; border-bottom: 1px solid #c8c8c8; color: #1f1f1f; }
.hm-banner .hm-title { font-weight: 600; margin-right: .8em; }
.hm-banner.hm-warn { background: #fff4ce; border-bottom: 2px solid #e0a800; color: #4d3800; }
.hm-legend { position: absolute; right: 10px; bottom: 26px; z-index: 1000; max-height: 55vh; overflow: auto;
             background: rgba(255, 255, 255, .94); border-radius: 4px; box-shadow: 0 1px 5px rgba(0, 0, 0, .4);
             padding: 8px 10px; font-size: 12px; line-height: 1.6; color: #222; }
.hm-legend h4 { margin: 0 0 4px; font-size: 13px; }
.hm-legend .hm-group { margin-top: 4px; font-weight: 600; }
.hm-legend .hm-row { display: flex; align-items: center; gap: 6px; }
.hm-legend .hm-swatch { display: inline-block; width: 14px; height: 10px; border: 1.5px solid; box-sizing: border-box; }
.hm-legend .hm-dot { border-radius: 50%; width: 10px; height: 10px; margin: 0 2px; }
.hm-legend .hm-line { height: 0; border-width: 2px 0 0 0; }
.hm-legend .hm-count { color: #666; margin-left: auto; padding-left: 10px; }
.hm-popup b { font-size: 13px; }
.hm-popup table { border-collapse: collapse; margin-top: 4px; font-size: 12px; }
.hm-popup th { text-align: left; font-weight: normal; color: #666; padding: 1px 10px 1px 0; white-space: nowrap; }
.hm-popup td { padding: 1px 0; }
"""

# Popups and tooltips are built as DOM nodes with textContent: data never reaches innerHTML.
_PAGE_JS = """
function hmPopup(labels, p) {
  var box = document.createElement("div");
  box.className = "hm-popup";
  var head = document.createElement("b");
  head.textContent = p.t;
  box.appendChild(head);
  var table = document.createElement("table");
  labels.forEach(function (label, i) {
    var value = p.r[i];
    if (value === null || value === undefined || value === "") { return; }
    var row = table.insertRow();
    var th = document.createElement("th");
    th.textContent = label;
    row.appendChild(th);
    row.insertCell().textContent = value;
  });
  box.appendChild(table);
  return box;
}
function hmText(text) {
  var span = document.createElement("span");
  span.textContent = text;
  return span;
}
"""


class LeafletMissingError(SpacesError):
    """The vendored Leaflet files are not there (the install step did not run)."""


class _Raw(Element):
    """Text put into the page exactly as given (Leaflet's code is not a Jinja template)."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


def html_map(layers: dict[str, gpd.GeoDataFrame], *, districts: gpd.GeoDataFrame, title: str,
             notice: str | None, language: str = "zh") -> bytes:
    """One self-contained HTML page (UTF-8) showing ``layers`` on a Leaflet map that needs no network.

    Leaflet's JS and CSS (from ``static/vendor/leaflet/``, fetched by ``make``) are inlined, its
    images as data URIs; folium's CDN defaults (jQuery, Bootstrap, Font Awesome, awesome-markers)
    are left out, and there is no tile basemap: districts are always drawn, as land with outlines. Parks,
    communities, plots (coloured by status, ``status_as_of`` when present) and factories (coloured
    by level) are drawn when ``layers`` holds them (other keys are ignored), each as a layer that a
    layer control toggles, with a popup of the fields that matter and a legend with counts.
    ``title`` and ``notice`` (e.g. the sample warning, the year and the filters) are shown in a
    banner above the map. Every text from the data is inserted as text, never as HTML.

    To keep the file small, polygons are simplified by ~2 m and coordinates rounded to 6 decimals
    (~0.1 m); with more than ``MAX_PLOT_POLYGONS`` (20,000) plots each plot is drawn as a small
    circle at a point on its surface, on a canvas instead of SVG. The default sample (6,000
    plots, 1,126 factories) gives about 2.6 MB; 25,000 plots as points about 5.8 MB.

    Raises
    ------
    LeafletMissingError
        When the vendored Leaflet files are missing; the message names the command to run.

    Examples
    --------
    >>> from spaces.districts import load_districts
    >>> page = html_map({}, districts=load_districts(), title="宁波", notice=None)
    >>> page.startswith(b"<!DOCTYPE html>") and b"cdn." not in page
    True
    """
    leaflet_js, leaflet_css = _leaflet_assets()
    text = _Text(language)
    frames = {name: _drawable(_wgs84(layers[name])) for name in MAP_LAYERS
              if name in layers and layers[name] is not None}
    districts = _drawable(_wgs84(districts))
    plots_as_points = "plots" in frames and len(frames["plots"]) > MAX_PLOT_POLYGONS

    west, south, east, north = districts.total_bounds
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=9, tiles=None,
                      control_scale=True, prefer_canvas=plots_as_points, zoom_snap=0.25)
    # Instance attributes: the class-level lists (CDN links) stay as they are for other maps.
    fmap.default_js = []
    fmap.default_css = []
    figure = fmap.get_root()
    figure.title = html.escape(title)
    # The empty icon link stops the browser from asking a server for /favicon.ico.
    figure.header.add_child(_Raw(f'<link rel="icon" href="data:,">\n<style>{leaflet_css}</style>\n'
                                 f"<style>{_PAGE_CSS}.leaflet-container {{ background: {SEA_COLOUR}; }}</style>\n"
                                 f"<script>{leaflet_js}</script>\n"
                                 f"<script>{_PAGE_JS}</script>\n"),
                            name="hm_inline_assets")
    figure.html.add_child(_Raw(_banner(title, notice)), name="hm_banner")
    for pane, z_index in PANES.items():
        folium.map.CustomPane(pane, z_index=z_index, pointer_events=True).add_to(fmap)

    legend: list[str] = []
    _district_layer(fmap, districts, text, legend)
    names = _district_names(districts, language)
    if "parks" in frames:
        _park_layer(fmap, frames["parks"], names, text, legend)
    if "communities" in frames:
        _community_layer(fmap, frames["communities"], names, _park_names(frames.get("parks")), text, legend)
    if "plots" in frames:
        _plot_layer(fmap, frames["plots"], names, text, legend, as_points=plots_as_points)
    if "factories" in frames:
        _factory_layer(fmap, frames["factories"], names, text, legend)

    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    figure.html.add_child(_Raw(f'<div class="hm-legend"><h4>{html.escape(text("legend"))}</h4>{"".join(legend)}</div>'),
                          name="hm_legend")
    # Without animation, so the page opens on Ningbo instead of zooming there from a guess.
    fit = folium.map.FitBounds([[south, west], [north, east]])
    fit.options["animate"] = False
    fmap.add_child(fit)
    return figure.render().encode("utf-8")


# --- Leaflet, inlined ---------------------------------------------------------------------------

@cache
def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS (without its source-map comment) and CSS (images as data URIs)."""
    js_file, css_file = LEAFLET_DIR / "leaflet.js", LEAFLET_DIR / "leaflet.css"
    for path in (js_file, css_file):
        if not path.is_file():
            raise LeafletMissingError(
                f"{path} is missing: Leaflet is fetched from the npm registry by the install step. "
                f"Run `make` or `{VENDOR_COMMAND}` in {PROJECT_DIR}.")
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js_file.read_text(encoding="utf-8"), flags=re.MULTILINE)
    css = css_file.read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        image = LEAFLET_DIR / match.group(1)
        if not image.is_file():
            raise LeafletMissingError(f"{image} is missing (referenced by {css_file}): run `{VENDOR_COMMAND}`.")
        return f"url(data:image/png;base64,{base64.b64encode(image.read_bytes()).decode('ascii')})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)
    # Neither file contains these today; the guard keeps a future version from closing its own tag.
    return js.replace("</script", "<\\/script"), css.replace("</style", "<\\/style")


# --- Layers -------------------------------------------------------------------------------------

class _Text:
    """Labels in one language: the UI catalogue first, then this module's few extra labels."""

    def __init__(self, language: str):
        self.language = language if language in ("zh", "en") else "zh"
        vocabularies = load_vocabularies()
        self.status = self._labels(vocabularies["status"])
        self.level = self._labels(vocabularies["level"])
        self.industries_en = industry_labels_en() if self.language == "en" else {}

    def _labels(self, vocabulary) -> dict[str, str]:
        return vocabulary.labels_zh if self.language == "zh" else vocabulary.labels_en

    def __call__(self, key: str) -> str:
        try:
            return t(key, self.language)
        except KeyError:
            return _EXTRA_TEXT[key][self.language]

    def industries(self, raw: object) -> str | None:
        parts = [self.industries_en.get(part, part) for part in split_industries(raw)]
        return ("、" if self.language == "zh" else ", ").join(parts) or None

    def yes_no(self, raw: object) -> str | None:
        if _missing(raw):
            return None
        if isinstance(raw, str):
            raw = raw.strip().lower() in ("是", "true", "yes", "y", "1")
        return self("yes") if bool(raw) else self("no")


def _district_layer(fmap, districts: gpd.GeoDataFrame, text: _Text, legend: list[str]) -> None:
    name_column = "name_zh" if text.language == "zh" else "name_en"
    features = _features(districts, [str(v) for v in districts[name_column]], [[] for _ in range(len(districts))],
                         simplify_metres=DISTRICT_SIMPLIFY_METRES)
    group = folium.FeatureGroup(name=text("layer_districts"), show=True).add_to(fmap)
    # Land in a paper white over the pale blue of the page: without a basemap this is the picture.
    style = {"color": DISTRICT_LINE, "weight": 1.6, "fillColor": LAND_COLOUR, "fillOpacity": 1.0}
    _geojson(features, style, pane="districts",
             on_each_feature="function (feature, layer) {"
                             " layer.bindTooltip(function () { return hmText(feature.properties.t); },"
                             " {sticky: true}); }").add_to(group)
    legend.append(_legend_row(text("layer_districts"), DISTRICT_LINE, None, shape="line"))


def _park_layer(fmap, parks, district_names, text: _Text, legend: list[str]) -> None:
    labels = [text("attr_id"), text("attr_district"), text("attr_level"), text("attr_industries"),
              text("attr_area_mu"), text("attr_wanmu_qianyi"), text("attr_green_park_level"),
              text("attr_established_year")]
    rows = _rows(parks, [
        ("park_id", _plain), ("district_adcode", lambda v: district_names.get(str(v), str(v))), ("level", lambda v: text.level.get(v, _plain(v))),
        ("industries", text.industries), ("area_mu", _area), ("wanmu_qianyi", text.yes_no),
        ("green_park_level", lambda v: text.level.get(v, _plain(v))), ("established_year", _year),
    ])
    name = text("layer_parks")
    group = folium.FeatureGroup(name=f"{name} ({len(parks):,})").add_to(fmap)
    if len(parks):
        features = _features(parks, _titles(parks, "name_zh", "park_id"), rows)
        _geojson(features, _area_style(PARK_FILL, PARK_LINE), pane="parks", labels=labels).add_to(group)
    legend.append(_legend_row(name, _hex(PARK_LINE), _hex(PARK_FILL), count=len(parks)))


def _community_layer(fmap, communities, district_names, park_names, text: _Text, legend: list[str]) -> None:
    labels = [text("attr_id"), text("attr_district"), text("attr_industries"), text("attr_park"),
              text("attr_area_mu"), text("attr_established_year")]
    rows = _rows(communities, [
        ("community_id", _plain), ("district_adcode", lambda v: district_names.get(str(v), str(v))), ("industries", text.industries),
        ("park_id", lambda v: park_names.get(str(v), _plain(v))), ("area_mu", _area), ("established_year", _year),
    ])
    name = text("layer_communities")
    group = folium.FeatureGroup(name=f"{name} ({len(communities):,})").add_to(fmap)
    if len(communities):
        features = _features(communities, _titles(communities, "name_zh", "community_id"), rows)
        # Some communities are known only as a point: a small circle in the same colours.
        marker = folium.CircleMarker(radius=6, pane="communities")
        _geojson(features, _area_style(COMMUNITY_FILL, COMMUNITY_LINE), pane="communities", labels=labels,
                 marker=marker).add_to(group)
    legend.append(_legend_row(name, _hex(COMMUNITY_LINE), _hex(COMMUNITY_FILL), count=len(communities)))


def _plot_layer(fmap, plots, district_names, text: _Text, legend: list[str], *, as_points: bool) -> None:
    column = next((name for name in ("status_as_of", "status") if name in plots.columns), None)
    status = plots[column].astype("string") if column else pd.Series(pd.NA, index=plots.index, dtype="string")
    shown = status.where(status.notna(), "")
    reclaimed_year = plots.get("reclaimed_year", pd.Series(None, index=plots.index)).where(shown == "reclaimed")
    labels = [text("status"), text("attr_reclaimed_year"), text("attr_area_mu"), text("attr_district")]
    rows = _rows(plots.assign(_status=shown, _reclaimed_year=reclaimed_year), [
        ("_status", lambda v: text.status.get(v, _plain(v))), ("_reclaimed_year", _year), ("area_mu", _area),
        ("district_adcode", lambda v: district_names.get(str(v), str(v))),
    ])
    titles = _titles(plots, "name_zh", "plot_id") if "name_zh" in plots.columns else _titles(plots, "plot_id", "plot_id")
    name = text("layer_plots")
    suffix = ("，" if text.language == "zh" else ", ") + text("attr_plots_as_points") if as_points else ""
    group = folium.FeatureGroup(name=f"{name} ({len(plots):,}{suffix})").add_to(fmap)
    legend.append(f'<div class="hm-group">{html.escape(name + suffix)}</div>')
    geometries = plots.geometry
    if as_points:
        geometries = gpd.GeoSeries(shapely.point_on_surface(geometries.to_numpy()), index=plots.index, crs=plots.crs)
    order = list(text.status) + sorted(set(shown) - set(text.status) - {""}) + [""]
    for value in order:
        mask = (shown == value).to_numpy(dtype=bool)
        count = int(mask.sum())
        if value in text.status:
            colour = PLOT_COLOURS.get(value, NO_DATA_COLOUR)
        elif count:
            colour = NO_DATA_COLOUR
        else:
            continue
        label = text.status.get(value, value or "—")
        legend.append(_legend_row(label, _hex(colour), _hex(colour), count=count))
        if not count:
            continue
        features = _features(gpd.GeoDataFrame(geometry=geometries[mask]), [titles[i] for i in np.flatnonzero(mask)],
                             [rows[i] for i in np.flatnonzero(mask)])
        if as_points:
            style = {"color": _hex(colour), "weight": 0, "fillColor": _hex(colour), "fillOpacity": 0.85}
            _geojson(features, style, pane="plots", labels=labels,
                     marker=folium.CircleMarker(radius=3, pane="plots")).add_to(group)
        else:
            style = {"color": _hex(colour), "weight": 1, "opacity": 0.9, "fillColor": _hex(colour),
                     "fillOpacity": round(colour[3] / 255 * 0.75, 2)}
            _geojson(features, style, pane="plots", labels=labels).add_to(group)


def _factory_layer(fmap, factories, district_names, text: _Text, legend: list[str]) -> None:
    labels = [text("attr_id"), text("attr_level"), text("attr_industry"), text("attr_certified_year"),
              text("attr_district")]
    rows = _rows(factories, [
        ("factory_id", _plain), ("level", lambda v: text.level.get(v, _plain(v))), ("industry", text.industries),
        ("certified_year", _year), ("district_adcode", lambda v: district_names.get(str(v), str(v))),
    ])
    titles = _titles(factories, "name_zh", "factory_id")
    name = text("layer_factories")
    group = folium.FeatureGroup(name=f"{name} ({len(factories):,})").add_to(fmap)
    legend.append(f'<div class="hm-group">{html.escape(name)}</div>')
    level = factories["level"].astype("string").fillna("") if "level" in factories else pd.Series("", index=factories.index)
    for value in [*text.level, *sorted(set(level) - set(text.level))]:
        mask = (level == value).to_numpy(dtype=bool)
        count = int(mask.sum())
        colour = FACTORY_COLOURS.get(value, NO_DATA_COLOUR)
        if value not in text.level and not count:
            continue
        legend.append(_legend_row(text.level.get(value, value or "—"), "#ffffff", _hex(colour), count=count,
                                  shape="dot"))
        if not count:
            continue
        features = _features(factories.loc[mask], [titles[i] for i in np.flatnonzero(mask)],
                             [rows[i] for i in np.flatnonzero(mask)])
        style = {"color": "#ffffff", "weight": 0.8, "fillColor": _hex(colour), "fillOpacity": 0.95}
        _geojson(features, style, pane="factories", labels=labels,
                 marker=folium.CircleMarker(radius=4, pane="factories")).add_to(group)


def _geojson(features: dict, style: dict, *, pane: str, labels: list[str] | None = None,
             marker=None, on_each_feature: str | None = None) -> folium.GeoJson:
    """A GeoJson layer with one style for all its features (folium then writes no per-feature switch)."""
    if on_each_feature is None:
        on_each_feature = ("function (feature, layer) { layer.bindPopup(function () {"
                           f" return hmPopup({_js_json(labels or [])}, feature.properties); }}); }}")
    # "fill" and "pane" in the style too: folium's marker options drop the pane and default to no fill.
    style = {"fill": True, **style, "pane": pane}
    return folium.GeoJson(features, style_function=lambda _feature: dict(style), marker=marker,
                          on_each_feature=JsCode(on_each_feature), pane=pane)


# --- Data to GeoJSON ----------------------------------------------------------------------------

def _features(frame: gpd.GeoDataFrame, titles: list[str], rows: list[list[str | None]], *,
              simplify_metres: float = SIMPLIFY_METRES) -> dict:
    """A FeatureCollection with ``{"t": title, "r": [values]}`` properties (title and shown values)."""
    prepared = shapely.simplify(frame.geometry.to_numpy(), simplify_metres / METRES_PER_DEGREE,
                                preserve_topology=True)
    prepared = shapely.transform(prepared, lambda xy: np.round(xy, COORDINATE_DECIMALS))
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": number, "geometry": geometry.__geo_interface__,
             "properties": {"t": title, "r": row}}
            for number, (geometry, title, row) in enumerate(zip(prepared, titles, rows, strict=True))
        ],
    }


def _rows(frame: pd.DataFrame, fields: list[tuple[str, Callable[[object], str | None]]]) -> list[list[str | None]]:
    """Per row, the shown value of each field (None when missing, or when the column is absent)."""
    columns = []
    for column, show in fields:
        if column in frame.columns:
            columns.append([None if _missing(value) else show(value) for value in frame[column].tolist()])
        else:
            columns.append([None] * len(frame))
    return [list(values) for values in zip(*columns, strict=True)] if columns else [[] for _ in range(len(frame))]


def _titles(frame: pd.DataFrame, column: str, fallback: str) -> list[str]:
    names = frame[column] if column in frame.columns else pd.Series(None, index=frame.index)
    ids = frame[fallback] if fallback in frame.columns else pd.Series("", index=frame.index)
    return [_plain(name) if not _missing(name) else _plain(id_) for name, id_ in zip(names, ids, strict=True)]


def _park_names(parks: gpd.GeoDataFrame | None) -> dict[str, str]:
    """park_id -> name, so that a community's popup names its park."""
    if parks is None or not {"park_id", "name_zh"} <= set(parks.columns):
        return {}
    return {str(k): _plain(v) for k, v in zip(parks["park_id"], parks["name_zh"], strict=True) if not _missing(v)}


def _district_names(districts: gpd.GeoDataFrame, language: str) -> dict[str, str]:
    column = "name_zh" if language != "en" else "name_en"
    return dict(zip(districts["adcode"].astype(str), districts[column].astype(str), strict=True))


def _drawable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows with a geometry to draw, so that counts in the legend match what is on the map."""
    geometries = frame.geometry.to_numpy()
    keep = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    return frame if keep.all() else frame.loc[keep]


def _wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        return frame.to_crs(4326)
    return frame


def _missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _plain(value: object) -> str:
    return "" if _missing(value) else str(value)


def _year(value: object) -> str | None:
    try:
        return str(int(float(value)))
    except (TypeError, ValueError):
        return _plain(value) or None


def _area(value: object) -> str | None:
    try:
        return f"{float(value):,.1f}"
    except (TypeError, ValueError):
        return None


# --- Page furniture -----------------------------------------------------------------------------

def _banner(title: str, notice: str | None) -> str:
    warn = " hm-warn" if notice else ""
    notice_html = f'<span class="hm-notice">{html.escape(notice)}</span>' if notice else ""
    return f'<div class="hm-banner{warn}"><span class="hm-title">{html.escape(title)}</span>{notice_html}</div>'


def _legend_row(label: str, line: str, fill: str | None, *, count: int | None = None, shape: str = "box") -> str:
    classes = {"box": "hm-swatch", "dot": "hm-swatch hm-dot", "line": "hm-swatch hm-line"}[shape]
    background = f"background:{fill};" if fill else ""
    counted = f'<span class="hm-count">{count:,}</span>' if count is not None else ""
    return (f'<div class="hm-row"><span class="{classes}" style="border-color:{line};{background}"></span>'
            f"<span>{html.escape(label)}</span>{counted}</div>")


def _area_style(fill: list[int], line: list[int]) -> dict:
    return {"color": _hex(line), "weight": 1.5, "opacity": round(line[3] / 255, 2), "fillColor": _hex(fill),
            "fillOpacity": round(fill[3] / 255, 2)}


def _hex(rgba: list[int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgba[:3])


def _js_json(value: object) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
