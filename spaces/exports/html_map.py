"""The current view as one standalone HTML file: a folium map with Leaflet inlined, so it opens offline."""

from __future__ import annotations

import base64
import html
import itertools
import json
import re
from collections.abc import Collection
from functools import cache
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from folium.template import Template
from folium.utilities import JsCode

from spaces.errors import LeafletMissingError
from spaces.geo.grid import PLOT_STATUSES, aggregate_plots, plot_cells
from spaces.geo.window import ZoomWindow, zoom_window
from spaces.paths import PROJECT_DIR
from spaces.planning.summary import Summary
from spaces.reference.i18n import by_language, localised, t
from spaces.reference.palette import (
    COMMUNITY_FILL,
    COMMUNITY_LINE,
    FACTORY_COLOURS,
    NO_DATA_COLOUR,
    PARK_FILL,
    PARK_LINE,
    PLOT_COLOURS,
    STATUS_COLOURS,
    WINDOW_LINE,
    hex_colour,
)
from spaces.reference.targets import load_targets
from spaces.reference.vocab import industry_labels_en, load_vocabularies, split_industries
from spaces.view.deck import PLOT_POLYGON_LIMIT, district_labels
from spaces.view.urlstate import LAYER_CHOICES

from .map_features import (
    area_text,
    drawable,
    feature_collection,
    in_wgs84,
    is_missing,
    park_name_lookup,
    pick,
    plain_text,
    popup_rows,
    popup_titles,
    year_text,
)

LEAFLET_DIR = PROJECT_DIR / "static" / "vendor" / "leaflet"
VENDOR_COMMAND = "python scripts/vendor_leaflet.py"
MAP_LAYERS = ("parks", "communities", "plots", "factories")
# Above this many plots the browser would choke on polygons: plots are summed to 1 km grid cells, as
# on the app's map (the same limit), except inside a detail window around a focus (at most this many again).
MAX_PLOT_POLYGONS = PLOT_POLYGON_LIMIT
DISTRICT_SIMPLIFY_METRES = 10.0  # outlines only; invisible at city zoom, keeps the coast small
DISTRICT_LINE = "#3d3d3d"
LAND_COLOUR, SEA_COLOUR = "#fbfaf6", "#dce8f0"
# Leaflet's own panes: overlays 400, markers 600, tooltips 650, popups 700. One pane per layer keeps
# the stacking fixed (points over plots over areas over districts over land) however layers are toggled.
PANES = {"land": 340, "districts": 350, "parks": 410, "communities": 420, "plots": 430, "factories": 440}
# The page's own CSS and JS (popups and tooltips are built as DOM nodes with textContent: data never
# reaches innerHTML), read at each render.
STATIC_DIR = Path(__file__).parent / "static"


class _Raw(Element):
    """Text put into the page exactly as given (Leaflet's code is not a Jinja template)."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class _MapControls(MacroElement):
    """A metric scale bar (Leaflet's default adds miles), and no attribution prefix: Leaflet's is a
    link and a national flag, out of place on a government planner's map. Attributions that layers
    bring (none today: there are no tiles) still show."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({"imperial": false, "metric": true}).addTo({{ this._parent.get_name() }});
        {{ this._parent.get_name() }}.attributionControl.setPrefix(false);
        {% endmacro %}
    """)


def html_map(layers: dict[str, gpd.GeoDataFrame], *, districts: gpd.GeoDataFrame, title: str,
             notice: str | None, language: str = "zh", focus: tuple[float, float] | None = None,
             visible: Collection[str] = LAYER_CHOICES, summary: Summary | None = None,
             target: str | None = None) -> bytes:
    """One self-contained HTML page (UTF-8) showing ``layers`` on a Leaflet map that needs no network.

    Leaflet's JS and CSS (``static/vendor/leaflet/``, fetched by ``make``) are inlined, its images as
    data URIs; folium's CDN defaults (jQuery, Bootstrap, Font Awesome, awesome-markers) are left out and
    there is no tile basemap: ``districts`` are always drawn underneath, as paper-white land with
    outlines on a pale blue sea, not clickable. The scale bar is metric only and the attribution has no
    prefix (Leaflet's own link and flag). Every colour is the app's (:mod:`spaces.reference.palette`);
    every text from the data is inserted as text, never as HTML. To keep the file small, polygons are
    simplified by ~2 m and coordinates rounded to 6 decimals (~0.1 m); sizes and times are in
    BENCHMARKS.md. The same view always gives the same bytes.

    Parameters
    ----------
    layers
        Parks, communities, plots (coloured by status, ``status_as_of`` when present) and factories
        (coloured by level), each drawn when present; other keys are ignored.
    districts
        The district outlines: the land underneath every layer, and the districts layer.
    title, notice
        Shown in a banner above the map (``notice``: e.g. the sample warning, the year and the filters).
    language
        ``zh`` or ``en``: layer names, popups and the legend.
    focus
        WGS-84 (longitude, latitude), e.g. the cell the planner clicked. Plots follow the app's map: up
        to ``MAX_PLOT_POLYGONS`` (20,000) every plot is a polygon with its popup; above it they are summed
        to 1 km grid cells (:func:`spaces.geo.grid.aggregate_plots`) coloured by the status with most 亩,
        whose popups give the plots and 亩 per status. With ``focus`` the plots of the detail window
        around it (:func:`spaces.geo.window.zoom_window`, at most ``MAX_PLOT_POLYGONS`` plots) are drawn
        in full inside a dark outline, cells only for the plots outside, and the page opens on the
        window instead of the whole city. Each plot is drawn once, in full or in a cell. Ignored at or
        below the limit, where every plot is drawn anyway, and when plots are not shown.
    visible
        The layers drawn (:data:`spaces.view.urlstate.LAYER_CHOICES`, the app's layer choice; all by
        default), as on the app's map: each a layer that a layer control toggles, with a popup of the
        fields that matter and a legend with counts. Layers left out are not in the file.
    summary, target
        The districts layer fills each district by its status for ``target`` in ``summary.long`` (the
        rows and colours of :func:`spaces.view.deck.district_choropleth` on the app's map: met, on track,
        behind, grey for no data); its legend names the target and ``summary.year``, its popups the
        district, the status and the attainment. Without either it is only outlines with names.

    Returns
    -------
    bytes
        The page as UTF-8.

    Raises
    ------
    LeafletMissingError
        When the vendored Leaflet files are missing; the message names the command to run.

    Examples
    --------
    >>> from spaces.reference.districts import load_districts
    >>> page = html_map({}, districts=load_districts(), title="宁波", notice=None)
    >>> page.startswith(b"<!DOCTYPE html>") and b"cdn." not in page
    True
    """
    leaflet_js, leaflet_css = _leaflet_assets()
    frames = {name: drawable(in_wgs84(layers[name])) for name in MAP_LAYERS
              if name in visible and name in layers and layers[name] is not None}
    districts = drawable(in_wgs84(districts))
    labels = _Labels(language, districts)

    west, south, east, north = districts.total_bounds
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=9, tiles=None,
                      control_scale=False, zoom_snap=0.25)
    # Instance attributes: the class-level lists (CDN links) stay as they are for other maps.
    fmap.default_js = []
    fmap.default_css = []
    fmap.add_child(_MapControls(), name="hm_controls")
    figure = fmap.get_root()
    figure.title = html.escape(title)
    page_css, page_js = ((STATIC_DIR / name).read_text(encoding="utf-8") for name in ("map.css", "map.js"))
    # The empty icon link stops the browser from asking a server for /favicon.ico.
    figure.header.add_child(_Raw(f'<link rel="icon" href="data:,">\n<style>{leaflet_css}</style>\n'
                                 f"<style>\n{page_css}.leaflet-container {{ background: {SEA_COLOUR}; }}</style>\n"
                                 f"<script>{leaflet_js}</script>\n"
                                 f"<script>\n{page_js}</script>\n"),
                            name="hm_inline_assets")
    figure.html.add_child(_Raw(_banner(title, notice)), name="hm_banner")
    for pane, z_index in PANES.items():
        folium.map.CustomPane(pane, z_index=z_index, pointer_events=True).add_to(fmap)

    legend: list[str] = []
    window = None
    district_features = feature_collection(districts, [labels.district_of(adcode) for adcode in districts["adcode"]],
                                           [[] for _ in range(len(districts))],
                                           simplify_metres=DISTRICT_SIMPLIFY_METRES)
    for feature, label in zip(district_features["features"], district_labels(districts, language=language),
                              strict=True):
        feature["properties"]["c"] = label["position"][::-1]  # where its name is written, [lat, lon] for Leaflet
    _land_layer(fmap, district_features)
    if "districts" in visible:
        statuses = None if summary is None or target is None else _DistrictStatuses(districts, summary, target)
        _district_layer(fmap, district_features, statuses, labels, legend)
    if "parks" in frames:
        _park_layer(fmap, frames["parks"], labels, legend)
    if "communities" in frames:
        _community_layer(fmap, frames["communities"], park_name_lookup(frames.get("parks")), labels, legend)
    if "plots" in frames:
        window = _plot_layer(fmap, frames["plots"], labels, legend, focus=focus)
    if "factories" in frames:
        _factory_layer(fmap, frames["factories"], labels, legend)

    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    figure.html.add_child(_Raw(f'<div class="hm-legend"><h4>{html.escape(labels("legend"))}</h4>{"".join(legend)}</div>'),
                          name="hm_legend")
    if window is not None:
        lons, lats = zip(*window.outline(), strict=True)
        west, south, east, north = min(lons), min(lats), max(lons), max(lats)
    # Without animation, so the page opens on Ningbo (or the window) instead of zooming there from a guess.
    fit = folium.map.FitBounds([[south, west], [north, east]])
    fit.options["animate"] = False
    fmap.add_child(fit)
    _number_elements(figure)
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

class _Labels:
    """What the page shows for codes and columns, in one language: the UI catalogue; vocabulary labels
    for status and level; district names."""

    def __init__(self, language: str, districts: gpd.GeoDataFrame):
        self.language = language if language in ("zh", "en") else "zh"
        vocabularies = load_vocabularies()
        self.status = vocabularies["status"].labels(self.language)
        self.level = vocabularies["level"].labels(self.language)
        self.industries_en = industry_labels_en() if self.language == "en" else {}
        names = districts[localised("name", self.language)].astype(str)
        self.districts = dict(zip(districts["adcode"].astype(str), names, strict=True))

    def __call__(self, key: str) -> str:
        return t(key, self.language)

    def status_of(self, value: object) -> str:
        return self.status.get(value, plain_text(value))

    def level_of(self, value: object) -> str:
        return self.level.get(value, plain_text(value))

    def district_of(self, adcode: object) -> str:
        return self.districts.get(str(adcode), plain_text(adcode))

    def industries(self, raw: object) -> str | None:
        parts = [self.industries_en.get(part, part) for part in split_industries(raw)]
        return by_language("、", ", ", self.language).join(parts) or None

    def yes_no(self, raw: object) -> str:
        if isinstance(raw, str):
            raw = raw.strip().lower() in ("是", "true", "yes", "y", "1")
        return self("yes") if bool(raw) else self("no")


def _land_layer(fmap, features: dict) -> None:
    """The districts as land in a paper white over the pale blue of the page, under everything and
    not clickable, each named where the app's map names it: without a basemap this is the picture, whatever
    layers are shown. The names are Leaflet tooltips that stay open, their text set as text (``hmText``)."""
    style = {"color": DISTRICT_LINE, "weight": 1.6, "fillColor": LAND_COLOUR, "fillOpacity": 1.0}
    name = ("function (feature, layer) { layer.on('add', function () {"
            " L.tooltip({permanent: true, direction: 'center', className: 'hm-district-name'})"
            ".setLatLng(feature.properties.c).setContent(hmText(feature.properties.t)).addTo(layer._map); }); }")
    _geojson(features, style, pane="land", on_each_feature=name, interactive=False, control=False).add_to(fmap)


class _DistrictStatuses:
    """Status and attainment of one target per district, looked up in ``summary.long`` as the app's
    :func:`spaces.view.deck.district_choropleth` does: the row of the district and the target, its
    ``status`` (met, on_track, behind; anything else is no data) and its ``attainment``."""

    def __init__(self, districts: gpd.GeoDataFrame, summary: Summary, target: str):
        rows = summary.long.loc[summary.long["key"] == target].set_index("adcode")
        self.status = [rows["status"].get(adcode) for adcode in districts["adcode"]]
        self.attainment = [rows["attainment"].get(adcode) for adcode in districts["adcode"]]
        self.year = summary.year
        self.target = load_targets()[target]

    def categories(self):
        """(status, colour, row mask) per status in STATUS_COLOURS order, even when empty, then
        (None, NO_DATA_COLOUR, mask) for the districts without one."""
        known = [value if value in STATUS_COLOURS else None for value in self.status]
        for value, colour in STATUS_COLOURS.items():
            yield value, colour, np.array([state == value for state in known], dtype=bool)
        yield None, NO_DATA_COLOUR, np.array([state is None for state in known], dtype=bool)


def _district_layer(fmap, features: dict, statuses: _DistrictStatuses | None, labels: _Labels,
                    legend: list[str]) -> None:
    """The districts layer: each district filled by the status of the target, with its popup, or only
    outlines and names without a target."""
    group = folium.FeatureGroup(name=labels("layer_districts")).add_to(fmap)
    if statuses is None:
        style = {"color": DISTRICT_LINE, "weight": 1.6, "fillOpacity": 0.0}
        tooltip = ("function (feature, layer) { layer.bindTooltip("
                   "function () { return hmText(feature.properties.t); }, {sticky: true}); }")
        _geojson(features, style, pane="districts", on_each_feature=tooltip).add_to(group)
        legend.append(_legend_row(labels("layer_districts"), DISTRICT_LINE, None, shape="line"))
        return

    target = getattr(statuses.target, f"label_{labels.language}")
    rows = [[target, labels(f"status_{status}") if status in STATUS_COLOURS else "—",
             "—" if is_missing(attainment) else f"{attainment:.0%}"]
            for status, attainment in zip(statuses.status, statuses.attainment, strict=True)]
    popup = _js_json([labels("target"), labels("status"), labels("attainment")])
    on_each_feature = ("function (feature, layer) {"
                       " layer.bindTooltip(function () { return hmText(feature.properties.t); }, {sticky: true});"
                       f" layer.bindPopup(function () {{ return hmPopup({popup}, feature.properties); }}); }}")
    heading = labels("legend_choropleth").format(target=target, year=statuses.year)
    block = [f'<div class="hm-group">{html.escape(heading)}</div>']
    for status, colour, mask in statuses.categories():
        count = int(mask.sum())
        if status is None and not count:
            continue
        label = labels(f"status_{status}" if status else "status_no_data")
        block.append(_legend_row(label, DISTRICT_LINE, hex_colour(colour), count=count))
        if not count:
            continue
        chosen = [{**feature, "properties": {**feature["properties"], "r": rows[number]}}
                  for number, feature in enumerate(features["features"]) if mask[number]]
        style = {"color": DISTRICT_LINE, "weight": 1.6, "fillColor": hex_colour(colour),
                 "fillOpacity": round(colour[3] / 255, 2)}
        _geojson({"type": "FeatureCollection", "features": chosen}, style, pane="districts",
                 on_each_feature=on_each_feature).add_to(group)
    # One block, so that the layers listed after it are not read as statuses.
    legend.append(f'<div class="hm-block">{"".join(block)}</div>')


def _park_layer(fmap, parks: gpd.GeoDataFrame, labels: _Labels, legend: list[str]) -> None:
    fields = [("attr_id", "park_id", plain_text), ("attr_district", "district_adcode", labels.district_of),
              ("attr_level", "level", labels.level_of), ("attr_industries", "industries", labels.industries),
              ("attr_area_mu", "area_mu", area_text), ("attr_wanmu_qianyi", "wanmu_qianyi", labels.yes_no),
              ("attr_green_park_level", "green_park_level", labels.level_of),
              ("attr_established_year", "established_year", year_text)]
    name = labels("layer_parks")
    group = folium.FeatureGroup(name=f"{name} ({len(parks):,})").add_to(fmap)
    if len(parks):
        _geojson(feature_collection(parks, popup_titles(parks, "park_id"), popup_rows(parks, fields)),
                 _area_style(PARK_FILL, PARK_LINE), pane="parks", popup=[labels(key) for key, *_ in fields]
                 ).add_to(group)
    legend.append(_legend_row(name, hex_colour(PARK_LINE), hex_colour(PARK_FILL), count=len(parks)))


def _community_layer(fmap, communities: gpd.GeoDataFrame, park_names: dict[str, str], labels: _Labels,
                     legend: list[str]) -> None:
    fields = [("attr_id", "community_id", plain_text), ("attr_district", "district_adcode", labels.district_of),
              ("attr_industries", "industries", labels.industries),
              ("attr_park", "park_id", lambda park_id: park_names.get(str(park_id), plain_text(park_id))),
              ("attr_area_mu", "area_mu", area_text), ("attr_established_year", "established_year", year_text)]
    name = labels("layer_communities")
    group = folium.FeatureGroup(name=f"{name} ({len(communities):,})").add_to(fmap)
    if len(communities):
        # Some communities are known only as a point: a small circle in the same colours.
        shown = feature_collection(communities, popup_titles(communities, "community_id"),
                                   popup_rows(communities, fields))
        _geojson(shown, _area_style(COMMUNITY_FILL, COMMUNITY_LINE), pane="communities",
                 popup=[labels(key) for key, *_ in fields],
                 marker=folium.CircleMarker(radius=6)).add_to(group)
    legend.append(_legend_row(name, hex_colour(COMMUNITY_LINE), hex_colour(COMMUNITY_FILL), count=len(communities)))


def _plot_layer(fmap, plots: gpd.GeoDataFrame, labels: _Labels, legend: list[str], *,
                focus: tuple[float, float] | None) -> ZoomWindow | None:
    """Every plot as a polygon up to ``MAX_PLOT_POLYGONS``; above it 1 km grid cells, except the plots of
    the detail window around ``focus``, drawn in full inside a dark outline. Returns that window."""
    column = next((name for name in ("status_as_of", "status") if name in plots.columns), None)
    status = plots[column] if column else pd.Series(None, index=plots.index, dtype=object)
    name = labels("layer_plots")
    if len(plots) <= MAX_PLOT_POLYGONS:
        group = folium.FeatureGroup(name=f"{name} ({len(plots):,})").add_to(fmap)
        _plot_legend(legend, name, status, labels)
        _plot_polygons(group, plots, status, labels)
        return None

    # Positional index: the frame may come with any index, the cells and masks below go by position.
    cells = plot_cells(plots).reset_index(drop=True)
    area = (pd.to_numeric(plots["area_mu"], errors="coerce").to_numpy(dtype=float) if "area_mu" in plots.columns
            else np.full(len(plots), np.nan))
    basis = pd.DataFrame({"status_as_of": status.to_numpy(dtype=object), "area_mu": area})
    window = None if focus is None else zoom_window(basis, lon=focus[0], lat=focus[1],
                                                      limit=MAX_PLOT_POLYGONS, cells=cells)
    inside = window.holds(cells) if window is not None else np.zeros(len(plots), dtype=bool)
    # A cell sums only the known statuses; the odd plot with another (imports refuse them) is drawn alone.
    alone = inside | ~basis["status_as_of"].isin(PLOT_STATUSES).to_numpy(dtype=bool)
    grid = aggregate_plots(basis.loc[~alone], cells=cells)

    how = labels("plots_as_grid" if window is None else "plots_as_window_and_grid")
    name += by_language("，", ", ", labels.language) + how
    group = folium.FeatureGroup(name=f"{name} ({len(plots):,})").add_to(fmap)
    _plot_legend(legend, name, status, labels)
    legend.append(_legend_row(labels("legend_grid_cells"), hex_colour(PLOT_COLOURS["pending"]), None, count=len(grid)))
    _cell_polygons(group, grid, labels)
    if alone.any():
        _plot_polygons(group, plots.loc[alone], status.loc[alone], labels)
    if window is not None:
        size = f"{window.size_km:g}"
        legend.append(_legend_row(labels("legend_window").format(size=size), hex_colour(WINDOW_LINE), None,
                                  count=int(inside.sum()), shape="line"))
        outline = folium.PolyLine([[lat, lon] for lon, lat in window.outline()], color=hex_colour(WINDOW_LINE),
                                  weight=2.5, opacity=round(WINDOW_LINE[3] / 255, 2))
        # folium keeps neither option; the outline sits over the plots and lets clicks through to them.
        outline.options.update(pane="plots", interactive=False)
        outline.add_to(group)
    return window


def _cell_polygons(group, grid: pd.DataFrame, labels: _Labels) -> None:
    """Each cell of ``aggregate_plots`` as a square coloured by its majority status; its popup gives the
    plots and 亩 of each status and the total 亩."""
    plots_word = labels("cell_plots")
    titles = [f"{count:,} {plots_word}" for count in grid["plots"]]
    per_status = [[f"{count:,} {plots_word} · {mu:,.1f} 亩" if count else None
                   for count, mu in zip(grid[f"{s}_plots"], grid[f"{s}_mu"], strict=True)] for s in PLOT_STATUSES]
    totals = [f"{mu:,.1f} 亩" for mu in grid["area_mu"]]
    rows = [list(row) for row in zip(*per_status, totals, strict=True)]
    popup = [labels.status_of(s) for s in PLOT_STATUSES] + [labels("attr_cell_total")]
    majority = grid["majority"].to_numpy()
    for state in PLOT_STATUSES:
        mask = majority == state
        if not mask.any():
            continue
        colour = PLOT_COLOURS[state]
        features = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": number, "geometry": {"type": "Polygon", "coordinates": [[*corners, corners[0]]]},
             "properties": {"t": title, "r": row}}
            for number, (corners, title, row) in enumerate(zip(grid["polygon"][mask], pick(titles, mask),
                                                               pick(rows, mask), strict=True))]}
        # A thin white edge keeps neighbouring cells of one colour apart.
        style = {"color": "#ffffff", "weight": 0.6, "opacity": 0.8, "fillColor": hex_colour(colour),
                 "fillOpacity": round(colour[3] / 255 * 0.7, 2)}
        _geojson(features, style, pane="plots", popup=popup).add_to(group)


def _plot_legend(legend: list[str], name: str, status: pd.Series, labels: _Labels) -> None:
    legend.append(f'<div class="hm-group">{html.escape(name)}</div>')
    for label, colour, mask in _categories(status, labels.status, PLOT_COLOURS):
        legend.append(_legend_row(label, hex_colour(colour), hex_colour(colour), count=int(mask.sum())))


def _plot_polygons(group, plots: gpd.GeoDataFrame, status: pd.Series, labels: _Labels) -> None:
    """Each plot as a polygon coloured by ``status``, with its popup."""
    reclaimed = status.isin(("reclaimed", "reclaimed_before_plan")).fillna(False).to_numpy(dtype=bool)
    year = plots["reclaimed_year"] if "reclaimed_year" in plots.columns else pd.Series(None, index=plots.index)
    shown = plots.assign(_status=status, _reclaimed_year=year.where(reclaimed))  # a year only once reclaimed
    fields = [("status", "_status", labels.status_of), ("attr_reclaimed_year", "_reclaimed_year", year_text),
              ("attr_area_mu", "area_mu", area_text), ("attr_district", "district_adcode", labels.district_of)]
    rows, titles = popup_rows(shown, fields), popup_titles(plots, "plot_id")
    geometries = plots.geometry.to_numpy()
    for _label, colour, mask in _categories(status, labels.status, PLOT_COLOURS):
        if not mask.any():
            continue
        style = {"color": hex_colour(colour), "weight": 1, "opacity": 0.9, "fillColor": hex_colour(colour),
                 "fillOpacity": round(colour[3] / 255 * 0.75, 2)}
        features = feature_collection(gpd.GeoDataFrame(geometry=geometries[mask]), pick(titles, mask),
                                      pick(rows, mask))
        _geojson(features, style, pane="plots", popup=[labels(key) for key, *_ in fields]).add_to(group)


def _factory_layer(fmap, factories: gpd.GeoDataFrame, labels: _Labels, legend: list[str]) -> None:
    fields = [("attr_id", "factory_id", plain_text), ("attr_level", "level", labels.level_of),
              ("attr_industry", "industry", labels.industries), ("attr_certified_year", "certified_year", year_text),
              ("attr_district", "district_adcode", labels.district_of)]
    rows, titles = popup_rows(factories, fields), popup_titles(factories, "factory_id")
    level = factories["level"] if "level" in factories.columns else pd.Series(None, index=factories.index)
    name = labels("layer_factories")
    group = folium.FeatureGroup(name=f"{name} ({len(factories):,})").add_to(fmap)
    legend.append(f'<div class="hm-group">{html.escape(name)}</div>')
    for label, colour, mask in _categories(level, labels.level, FACTORY_COLOURS):
        legend.append(_legend_row(label, "#ffffff", hex_colour(colour), count=int(mask.sum()), shape="dot"))
        if not mask.any():
            continue
        style = {"color": "#ffffff", "weight": 0.8, "fillColor": hex_colour(colour), "fillOpacity": 0.95}
        shown = feature_collection(factories.loc[mask], pick(titles, mask), pick(rows, mask))
        _geojson(shown, style, pane="factories", popup=[labels(key) for key, *_ in fields],
                 marker=folium.CircleMarker(radius=4)).add_to(group)


def _categories(values: pd.Series, vocabulary: dict[str, str], colours: dict[str, list[int]]):
    """(label, colour, row mask) per vocabulary value, in vocabulary order and even when empty, then
    one grey category for any other or missing value."""
    for value, label in vocabulary.items():
        yield label, colours.get(value, NO_DATA_COLOUR), values.eq(value).fillna(False).to_numpy(dtype=bool)
    other = (~values.isin(list(vocabulary))).to_numpy(dtype=bool)
    if other.any():
        yield "—", NO_DATA_COLOUR, other


def _geojson(features: dict, style: dict, *, pane: str, popup: list[str] | None = None, marker=None,
             on_each_feature: str | None = None, **options) -> folium.GeoJson:
    """A GeoJson layer in ``pane`` with one style for all its features (so folium writes no per-feature
    switch) and a popup table whose row labels are ``popup``; ``options`` go to folium.GeoJson."""
    if on_each_feature is None:
        on_each_feature = ("function (feature, layer) { layer.bindPopup(function () {"
                           f" return hmPopup({_js_json(popup or [])}, feature.properties); }}); }}")
    # "fill" and "pane" in the style too: folium's marker options drop the pane and default to no fill.
    style = {"fill": True, **style, "pane": pane}
    return folium.GeoJson(features, style_function=lambda _feature: dict(style), marker=marker,
                          on_each_feature=JsCode(on_each_feature), pane=pane, **options)


def _number_elements(root: Element) -> None:
    """Name every element by its place in the page instead of by folium's random id, so that the same
    view always gives the same bytes (a file can be compared with an earlier download)."""
    counter = itertools.count()

    def visit(element: Element) -> None:
        element._id = f"{next(counter):04d}"
        for child in element._children.values():
            visit(child)

    visit(root)


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
    return {"color": hex_colour(line), "weight": 1.5, "opacity": round(line[3] / 255, 2), "fillColor": hex_colour(fill),
            "fillOpacity": round(fill[3] / 255, 2)}


def _js_json(value: object) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
