"""Map layers for pydeck: only the columns the tooltips need, colours in one place, text kept as text.

pydeck has one tooltip template for every layer: ``TOOLTIP`` shows three fields, ``title``,
``line1`` and ``line2``, that every object of every layer carries as plain text. Streamlit's chart
HTML-escapes each value it puts into the template, so names such as ``<img onerror=…>`` stay text.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize

from spaces.geo.grid import aggregate_plots, aligned_cells, grid_records
from spaces.geo.window import ZoomWindow, zoom_window
from spaces.reference.i18n import printable, t
from spaces.reference.palette import (  # noqa: F401  (re-exported: pages and tests take the palette from here)
    COMMUNITY_FILL,
    COMMUNITY_LINE,
    FACTORY_COLOURS,
    FACTORY_RIM,
    NO_DATA_COLOUR,
    PARK_FILL,
    PARK_LINE,
    PLOT_COLOURS,
    STATUS_COLOURS,
    WINDOW_LINE,
)
from spaces.reference.vocab import industries_text, load_vocabularies

from .mapstate import NINGBO_VIEW  # noqa: F401  (re-exported: the page and the tests take it from here)
from .pace_text import share


def legend_swatches(visible: set[str], *, language: str, status_labels: dict[str, str]) -> list[tuple[str, list[int]]]:
    """``(label, RGBA)`` for each colour the map uses on the ``visible`` layers, in legend order."""
    names = {k: getattr(load_vocabularies()[k], f"labels_{language}") for k in ("status", "level")}
    swatches = []
    if "districts" in visible:
        swatches += [(status_labels[s], c) for s, c in STATUS_COLOURS.items()]
        swatches += [(t("export_no_data", language), NO_DATA_COLOUR)]
    if "parks" in visible:
        swatches += [(t("layer_parks", language), PARK_LINE)]
    if "communities" in visible:
        swatches += [(t("layer_communities", language), COMMUNITY_FILL)]  # the orange drawn, not the brown rim
    if "plots" in visible:
        swatches += [(f"{t('layer_plots', language)}·{names['status'][s]}", c) for s, c in PLOT_COLOURS.items()]
    if "factories" in visible:
        swatches += [(f"{t('layer_factories', language)}·{names['level'][s]}", c) for s, c in FACTORY_COLOURS.items()]
    return swatches


# An upload's preview draws at most this many features, spread evenly through the file: each costs about
# 1.3 kB and 0.4 ms to draw on every rerun of the Data page (100,000 plots: 130 MB, 40 s; benchmarks/upload_memory.py).
PREVIEW_FEATURES = 5_000


def preview_positions(count: int, limit: int | None = None) -> np.ndarray:
    """Row positions an upload's preview draws: all ``count`` rows up to ``limit`` (default
    :data:`PREVIEW_FEATURES`), else ``limit`` of them spread evenly, the first and the last among them.

    Examples
    --------
    >>> preview_positions(4, 10).tolist(), preview_positions(10, 4).tolist()
    ([0, 1, 2, 3], [0, 3, 6, 9])
    """
    limit = PREVIEW_FEATURES if limit is None else limit
    if count <= limit:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, limit).round().astype(int))


TOOLTIP = {"html": "<b>{title}</b><div>{line1}</div><div>{line2}</div>",  # an empty line takes no room
           "style": {"fontSize": "13px", "maxWidth": "340px", "whiteSpace": "normal"}}
COORDINATE_DECIMALS = 5  # about 1 m: finer than anything a planner sees on screen
# Above this many plots the map gets 1 km grid cells instead: CompactDeck sends ~235 bytes a plot, so
# 20,000 plots stay well under the 10 MB goal (100k polygons would send ~24 MB); filters that narrow
# the plots below it (one district, one status) or a click on a cell (spaces/geo/window.py) bring the plots back.
# The HTML export (spaces/exports/html_map.py) uses the same number, so what is seen is what is downloaded.
PLOT_POLYGON_LIMIT = 20_000
# The outline sublayer of a GeoJsonLayer (deck.gl's PathLayer "polygons-stroke") is drawn but not picked: the
# fill picks the same feature. With the district outline pickable, the synchronous pick deck.gl runs on
# pointerdown took ~320 ms in software WebGL, past mjolnir's 250 ms tap limit, and the click was lost
# (issue 12; the README's "Why clicks were lost" has the measurements).
OUTLINE_NOT_PICKED = {"polygons-stroke": {"pickable": False}}
DIMMED_ALPHA = 35  # the districts left out by the district filter: their colour barely shows
# 1 km cells lie under the parks and communities and let the district colours through (issue 12): a cell is
# drawn at this alpha, fainter still (FAINT_CELL_ALPHA) around a zoom window of plots drawn in full.
CELL_ALPHA, FAINT_CELL_ALPHA = 105, 70


class CompactDeck(pdk.Deck):
    """A ``pydeck.Deck`` whose JSON (what ``st.pydeck_chart`` sends) has no indentation and keeps Chinese as
    UTF-8: pydeck indents by 2 and escapes every CJK character as ``\\uXXXX``, which more than doubles a
    city-scale map (7.96 MB of 1 km cells at 1M plots -> 3.3 MB). Same content, same keys, same order."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"),
                          ensure_ascii=False)


def _e(value) -> str:
    """Plain text for a tooltip field; empty for missing values (the chart escapes it)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


# Streamlit's markdown (GFM) makes a live link of text that looks like an address after parsing, so that no
# backslash stops it (tried in Chromium: "http\\://x", "li&#64;x.org", "www\\.x" all became links). A WORD JOINER
# (U+2060: no width, no break) where the pattern needs two characters side by side does: before the "@" of an
# e-mail, between a scheme and its ":", after "www".
_AUTOLINK = re.compile(r"@|(?<![\w.+-])(?:https?|mailto|xmpp|ftp)(?=:)|(?<![\w.+-])www(?=\.)", re.IGNORECASE)


def markdown_text(value) -> str:
    r"""``value`` safe to put in Streamlit markdown: :func:`printable`, HTML escaped, markdown punctuation
    backslashed, including ``$`` (maths) and ``:`` (``:red[…]``), and never a live link (``_AUTOLINK``).

    Examples
    --------
    >>> markdown_text("li@example.org") == "li\u2060@example\\.org"
    True
    """
    unlinked = _AUTOLINK.sub(lambda m: "\u2060@" if m.group(0) == "@" else m.group(0) + "\u2060", printable(value))
    escaped = html.escape(unlinked, quote=False)  # quotes need no escape; "&#x27;" would lose its "#"
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|~>$:" else ch for ch in escaped)


def code_text(value) -> str:
    """``value`` as a markdown code span: shown verbatim, never a link (not even ``li@example.org``, which markdown
    makes a mail link whatever is escaped).

    Examples
    --------
    >>> code_text("li@example.org"), code_text("a`b")
    ('`li@example.org`', '`` a`b ``')
    """
    text = printable(value)
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}" if longest else f"{fence}{text}{fence}"


def _labels(vocabulary: str, language: str) -> dict[str, str]:
    vocab = load_vocabularies()[vocabulary]
    return vocab.labels(language)


def _area(value) -> str:
    return "" if value is None or pd.isna(value) else f"{value:,.1f} 亩"


def _rounded(geometries: np.ndarray) -> np.ndarray:
    return shapely.set_precision(geometries, 10 ** -COORDINATE_DECIMALS, mode="pointwise")


def district_choropleth(districts: gpd.GeoDataFrame, long: pd.DataFrame, *, key: str,
                        status_labels: dict[str, str], language: str = "zh", chosen: tuple[str, ...] = ()) -> dict:
    """GeoJSON of the districts coloured by the status of target ``key``, with tooltip fields: the status,
    then progress from the 2021 baseline against the pace (as the detail panel says it).

    With districts ``chosen`` (the sidebar's district filter), the others are dimmed (``DIMMED_ALPHA``)."""
    rows = long.loc[long["key"] == key].set_index("adcode")
    features = []
    for record in districts.itertuples():
        status = rows["status"].get(record.adcode)
        label = status_labels.get(status, "—") if isinstance(status, str) else "—"
        progress = rows["progress"].get(record.adcode) if "progress" in rows.columns else None
        expected = rows["expected"].get(record.adcode) if "expected" in rows.columns else None
        pace = ("" if progress is None or pd.isna(progress) else
                t("progress_line", language).format(progress=share(progress), expected=share(expected)))
        features.append({
            "type": "Feature",
            "geometry": record.geometry.__geo_interface__,
            "properties": {
                "kind": "district",
                "id": record.adcode,
                "fill": _dimmed(STATUS_COLOURS.get(status, NO_DATA_COLOUR), chosen, record.adcode),
                "title": f"{_e(record.name_zh)} {_e(record.name_en)}",
                "line1": label,
                "line2": pace,
            },
        })
    return {"type": "FeatureCollection", "features": features}


def district_shapes(choropleth: dict) -> dict:
    """The districts of ``choropleth`` with what never changes with the target, the year or the filters: the
    outline, the kind, the adcode and the name (the status lines empty: :func:`map_tooltip` brings them)."""
    static = ("kind", "id", "title")
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": feature["geometry"],
         "properties": {**{k: feature["properties"][k] for k in static}, "line1": "", "line2": ""}}
        for feature in choropleth["features"]]}


def district_fill(choropleth: dict) -> str:
    """A deck.gl accessor expression giving each district of ``choropleth`` its colour, by adcode.

    Examples
    --------
    >>> district_fill({"features": [{"properties": {"id": "330203", "fill": [1, 2, 3, 4]}}]})
    'properties.id == "330203" ? [1,2,3,4] : [189,189,189,120]'
    """
    expression = json.dumps(NO_DATA_COLOUR, separators=(",", ":"))
    for feature in reversed(choropleth["features"]):
        properties = feature["properties"]
        colour = json.dumps([int(c) for c in properties["fill"]], separators=(",", ":"))
        expression = f"properties.id == {json.dumps(str(properties['id']))} ? {colour} : {expression}"
    return expression


def district_layer(choropleth: dict) -> pdk.Layer:
    """The district choropleth as a layer whose data is the same for every target, year and district filter.

    Its outlines (~190 kB) travel as a file the browser fetches once (:mod:`spaces.view.layer_files`); the colours
    come in the chart message, as an expression over the ten districts' RGBA (:func:`district_fill`), which is also
    its ``updateTriggers`` entry (deck.gl's documented way to say that an accessor changed). With the colours in the
    file, a target switch gave a new file and the browser drew the map twice: once when the chart message came
    (deck.gl redraws on every new list of layers), once when the file had loaded, ~0.24 s each in software WebGL
    (issue 12, BENCHMARKS.md). The tooltip's status lines come with the template (:func:`map_tooltip`)."""
    fill = district_fill(choropleth)
    return pdk.Layer("GeoJsonLayer", data=district_shapes(choropleth), id="districts", pickable=True, stroked=True,
                     filled=True, get_fill_color=fill, update_triggers={"getFillColor": fill},
                     get_line_color=[70, 70, 70, 255], line_width_min_pixels=1, _sub_layer_props=OUTLINE_NOT_PICKED)


_PLAIN_ID = re.compile(r"[0-9A-Za-z_-]+")


def map_tooltip(choropleth: dict | None) -> dict:
    """:data:`TOOLTIP` with, for each district of ``choropleth``, its status lines for the chosen target.

    The districts' data (:func:`district_shapes`) holds no status, so that it stays the same file whatever the
    target; the template holds them instead, one hidden block per district, and a style rule shows the block of
    the district under the pointer (``data-pick`` is filled in from the picked object's ``kind`` and ``id``; on any
    other object no rule matches). Streamlit escapes each value it puts into the template; the lines here are
    escaped by us.
    """
    if not choropleth:
        return TOOLTIP
    blocks, rules = [], []
    for feature in choropleth["features"]:
        properties = feature["properties"]
        adcode = str(properties["id"])
        if not _PLAIN_ID.fullmatch(adcode):
            continue
        lines = "<br/>".join(html.escape(properties[k]) for k in ("line1", "line2") if properties[k])
        blocks.append(f'<div class="spaces-status" data-of="{adcode}">{lines}</div>')
        rules.append(f'.spaces-tip[data-pick="district:{adcode}"]>.spaces-status[data-of="{adcode}"]{{display:block}}')
    return {**TOOLTIP, "html": (
        '<div class="spaces-tip" data-pick="{kind}:{id}">' + TOOLTIP["html"] + "".join(blocks)
        + "</div><style>.spaces-tip>.spaces-status{display:none}" + "".join(rules) + "</style>")}


# District names on the map: CJK glyphs drawn by deck.gl from a font on the planner's own machine (no web font,
# offline): the first of these the browser has (Windows: 微软雅黑; Debian: Noto Sans CJK; macOS: 苹方).
LABEL_FONT = "'Microsoft YaHei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'SimHei', sans-serif"
LABEL_COLOUR, LABEL_HALO = [33, 33, 33, 255], [255, 255, 255, 230]


def district_labels(districts: gpd.GeoDataFrame, *, language: str) -> list[dict]:
    """One label per district, in the UI language, at the centre of the largest circle inside its largest part
    (an island district's label stays on its main land, and a crescent's inside it)."""
    records = []
    for record in districts.itertuples():
        parts = getattr(record.geometry, "geoms", [record.geometry])
        centre = shapely.maximum_inscribed_circle(max(parts, key=lambda part: part.area), 0.001)
        x, y = np.round(shapely.get_coordinates(centre)[0], COORDINATE_DECIMALS).tolist()
        records.append({"position": [x, y], "text": str(record.name_en if language == "en" else record.name_zh)})
    return records


def district_label_layer(districts: gpd.GeoDataFrame, *, language: str) -> pdk.Layer:
    """The districts' names, dark on a white halo, never picked (a click goes to what lies under the name)."""
    return pdk.Layer("TextLayer", data=district_labels(districts, language=language), id="district_names",
                     pickable=False, get_position="position", get_text="text", get_size=15, size_units="'pixels'",
                     # pydeck sends a string as an expression unless quoted: these two are plain values.
                     get_color=LABEL_COLOUR, font_family=f'"{LABEL_FONT}"', font_weight=600, character_set="'auto'",
                     font_settings={"sdf": True}, outline_width=4, outline_color=LABEL_HALO,
                     get_text_anchor="'middle'", get_alignment_baseline="'center'")


def _dimmed(colour: list[int], chosen: tuple[str, ...], adcode: str) -> list[int]:
    return [*colour[:3], DIMMED_ALPHA] if chosen and adcode not in chosen else list(colour)


def park_features(parks: gpd.GeoDataFrame, *, language: str) -> dict:
    """GeoJSON of parks with their name, industries, level and area in the tooltip."""
    levels = _labels("level", language)
    features = []
    for record, geometry in zip(parks.itertuples(), _rounded(parks.geometry.to_numpy()), strict=True):
        flags = " · 万亩千亿" if bool(getattr(record, "wanmu_qianyi", False)) else ""
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(geometry),
                         "properties": {"kind": "park", "id": record.park_id,
                                        "title": f"{_e(record.name_zh)}{flags}",
                                        "line1": f"{_e(levels.get(record.level, ''))} · {_area(record.area_mu)}",
                                        "line2": _e(industries_text(record.industries, language))}})
    return {"type": "FeatureCollection", "features": features}


def community_features(communities: gpd.GeoDataFrame, *, language: str = "zh") -> dict:
    """GeoJSON of communities (polygons, or points drawn as circles), industries in ``language``."""
    features = []
    for record, geometry in zip(communities.itertuples(), _rounded(communities.geometry.to_numpy()), strict=True):
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(geometry),
                         "properties": {"kind": "community", "id": record.community_id,
                                        "title": _e(record.name_zh),
                                        "line1": _e(industries_text(record.industries, language)),
                                        "line2": _area(record.area_mu)}})
    return {"type": "FeatureCollection", "features": features}


def plot_records(plots: gpd.GeoDataFrame, *, language: str) -> list[dict]:
    """One record per plot for a PolygonLayer: exterior ring, colour by status as of the year, tooltip."""
    statuses = _labels("status", language)
    status = plots["status_as_of"] if "status_as_of" in plots.columns else plots["status"]
    shapes = _rounded(shapely.get_exterior_ring(shapely.get_geometry(plots.geometry.to_numpy(), 0)))
    records = []
    names = plots["name_zh"] if "name_zh" in plots.columns else pd.Series(None, index=plots.index)
    for plot_id, name, state, year, area, ring in zip(plots["plot_id"], names, status, plots["reclaimed_year"],
                                                      plots["area_mu"], shapes, strict=True):
        year_text = "" if year is None or pd.isna(year) else f" ({int(year)})"
        records.append({
            "kind": "plot", "id": plot_id,
            "polygon": shapely.get_coordinates(ring).tolist(),
            "color": PLOT_COLOURS.get(state, PLOT_COLOURS["pending"]),
            "title": f"{_e(name)} · {_e(plot_id)}" if _e(name) else _e(plot_id),  # the name a planner knows first
            "line1": f"{_e(statuses.get(state, state))}{year_text}",
            "line2": _area(area),
        })
    return records


@dataclass(frozen=True)
class PlotDrawing:
    """What the plots layer draws: ``records`` for a PolygonLayer, and how.

    ``aggregated`` says some plots are drawn as 1 km cells; ``window`` is the block drawn plot by
    plot among cells (None when every plot or no plot is drawn in full).
    """

    records: list[dict]
    aggregated: bool
    window: ZoomWindow | None = None

    @property
    def plot_polygons(self) -> int:
        """How many plots are drawn in full, as polygons."""
        return sum(1 for r in self.records if r["kind"] == "plot")

    @cached_property
    def cells(self) -> list[dict]:
        """The 1 km cells: drawn under the parks and communities (the same list on every call: a layer file is
        found again by it, spaces/view/layer_files.py)."""
        return [r for r in self.records if r["kind"] == "plot_cell"]

    @cached_property
    def plots(self) -> list[dict]:
        """The plots drawn in full: drawn above the parks and communities (the same list on every call)."""
        return [r for r in self.records if r["kind"] != "plot_cell"]



def plot_drawing(plots: gpd.GeoDataFrame, *, language: str, focus: tuple[float, float] | None = None,
                 cells: pd.DataFrame | None = None, polygon_limit: int | None = None) -> PlotDrawing:
    """Every plot (``plot_records``) up to ``polygon_limit`` plots; above it, 1 km grid cells
    (``aggregate_plots``), except around ``focus`` (lon, lat as drawn), where a zoom window of up to
    ``polygon_limit`` plots is drawn in full (:func:`spaces.geo.window.zoom_window`).

    ``cells`` are :func:`spaces.geo.grid.plot_cells` of these plots (or a superset), computed when missing.
    """
    polygon_limit = PLOT_POLYGON_LIMIT if polygon_limit is None else polygon_limit
    if len(plots) <= polygon_limit:
        return PlotDrawing(plot_records(plots, language=language), aggregated=False)
    cells = aligned_cells(plots, cells)
    statuses = _labels("status", language)
    if focus is None:
        grid = aggregate_plots(plots, cells=cells)
        translucent = {status: [*colour[:3], CELL_ALPHA] for status, colour in PLOT_COLOURS.items()}
        return PlotDrawing(grid_records(grid, status_labels=statuses, colours=translucent, language=language),
                           aggregated=True)
    window = zoom_window(plots, lon=focus[0], lat=focus[1], limit=polygon_limit, cells=cells)
    inside = window.holds(cells)
    grid = aggregate_plots(plots.loc[~inside], cells=cells)
    # Fainter cells around the window, so the plots drawn in full stand out.
    faint = {status: [*colour[:3], FAINT_CELL_ALPHA] for status, colour in PLOT_COLOURS.items()}
    records = grid_records(grid, status_labels=statuses, colours=faint, language=language)
    return PlotDrawing(records + plot_records(plots.loc[inside], language=language), aggregated=True,
                       window=window)


def factory_records(factories: gpd.GeoDataFrame, *, language: str) -> list[dict]:
    """One record per green factory for a ScatterplotLayer, coloured by level."""
    levels = _labels("level", language)
    xs = np.round(shapely.get_x(factories.geometry.to_numpy()), COORDINATE_DECIMALS)
    ys = np.round(shapely.get_y(factories.geometry.to_numpy()), COORDINATE_DECIMALS)
    return [
        {"kind": "factory", "id": record.factory_id, "position": [x, y],
         "color": FACTORY_COLOURS.get(record.level, FACTORY_COLOURS["municipal"]),
         "title": _e(record.name_zh),
         "line1": f"{_e(levels.get(record.level, ''))} · {_e(record.industry)}",
         "line2": _e(record.certified_year)}
        for record, x, y in zip(factories.itertuples(), xs, ys, strict=True)
    ]


def build_layers(layers: dict[str, pd.DataFrame], *, visible: list[str], choropleth: dict | None,
                 language: str, plots: PlotDrawing | None = None,
                 firms: list[pdk.Layer] | None = None, labels: gpd.GeoDataFrame | None = None) -> list[pdk.Layer]:
    """The pydeck layers to draw, bottom to top; each has an ``id`` so selections name their layer.

    ``plots`` is the plots layer as :func:`plot_drawing` made it (made here, without a focus, when missing);
    ``firms`` the enterprises' layers (:func:`spaces.view.firms.firm_layers`), drawn on top; ``labels`` the
    districts whose names are written on the map (with the districts layer).
    Its 1 km cells (``plot_cells``) lie right above the districts, under the parks and communities, so that
    at city scale a park's outline and a district's colour still show and a park is clicked, not the cell
    under it; the plots drawn in full (``plots``) lie above the parks, as a planner zoomed in looks for them.
    """
    built = []
    if "plots" in visible:
        plots = plots or plot_drawing(layers["plots"], language=language)
    if "districts" in visible and choropleth is not None:
        built.append(district_layer(choropleth))
    if "plots" in visible and plots.cells:
        built.append(pdk.Layer("PolygonLayer", data=plots.cells, id="plot_cells", pickable=True, stroked=False,
                               filled=True, get_polygon="polygon", get_fill_color="color"))
    if "parks" in visible:
        built.append(pdk.Layer("GeoJsonLayer", data=park_features(layers["parks"], language=language), id="parks",
                               pickable=True, stroked=True, filled=True, get_fill_color=PARK_FILL,
                               get_line_color=PARK_LINE, line_width_min_pixels=2,
                               _sub_layer_props=OUTLINE_NOT_PICKED))
    if "communities" in visible:
        built.append(pdk.Layer("GeoJsonLayer", data=community_features(layers["communities"], language=language),
                               id="communities",
                               pickable=True, stroked=True, filled=True, get_fill_color=COMMUNITY_FILL,
                               get_line_color=COMMUNITY_LINE, line_width_min_pixels=1,
                               get_point_radius=250, point_radius_min_pixels=4, _sub_layer_props=OUTLINE_NOT_PICKED))
    if "plots" in visible:
        built.append(pdk.Layer("PolygonLayer", data=plots.plots, id="plots", pickable=True, stroked=False,
                               filled=True, get_polygon="polygon", get_fill_color="color"))
        if plots.window is not None:
            built.append(pdk.Layer("PathLayer", data=[{"path": plots.window.outline()}], id="zoom_window",
                                   pickable=False, get_path="path", get_color=WINDOW_LINE, width_min_pixels=3,
                                   get_width=20))
    if "factories" in visible:
        built.append(pdk.Layer("ScatterplotLayer", data=factory_records(layers["factories"], language=language),
                               id="factories", pickable=True, get_position="position", get_fill_color="color",
                               stroked=True, get_line_color=FACTORY_RIM, line_width_min_pixels=1, get_radius=90, radius_min_pixels=2.5, radius_max_pixels=8))
    if "enterprises" in visible and firms:
        built += firms
    if "districts" in visible and labels is not None:  # the names above everything, never in the way of a click
        built.append(district_label_layer(labels, language=language))
    return built


def view_for(geometry) -> dict:
    """A view centred on ``geometry`` at a zoom that shows all of it (for "fly to")."""
    minx, miny, maxx, maxy = shapely.bounds(geometry)
    span = max(maxx - minx, (maxy - miny) * 1.2, 0.005)
    zoom = float(np.clip(np.log2(360 / span) - 1.2, 7, 16))
    return {"longitude": (minx + maxx) / 2, "latitude": (miny + maxy) / 2, "zoom": round(zoom, 2)}


def preview_layers(frame: gpd.GeoDataFrame) -> list[pdk.Layer]:
    """The district outlines and an upload's features in a loud colour, to see at once where they fall
    (at most :data:`PREVIEW_FEATURES` of them, see :func:`preview_positions`)."""
    from spaces.reference.districts import load_districts

    frame = frame.iloc[preview_positions(len(frame))]
    outlines = load_districts()
    districts = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": shapely.geometry.mapping(g),
         "properties": {"title": f"{a} {n}", "line1": "", "line2": ""}}
        for a, n, g in zip(outlines["adcode"], outlines["name_zh"], outlines.geometry, strict=True)]}
    id_column = next((c for c in frame.columns if c.endswith("_id")), None)
    features = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": shapely.geometry.mapping(g),
         "properties": {"title": _e(frame[id_column].iloc[i]) if id_column else str(i + 1),
                        "line1": _e(frame["name_zh"].iloc[i]) if "name_zh" in frame.columns else "",
                        "line2": _e(frame["district_adcode"].iloc[i]) if "district_adcode" in frame.columns else ""}}
        for i, g in enumerate(_rounded(frame.geometry.to_numpy())) if g is not None]}
    return [
        pdk.Layer("GeoJsonLayer", data=districts, id="preview_districts", filled=True, stroked=True,
                  get_fill_color=[240, 240, 240, 120], get_line_color=[60, 60, 60, 255], line_width_min_pixels=1,
                  pickable=True, _sub_layer_props=OUTLINE_NOT_PICKED),
        pdk.Layer("GeoJsonLayer", data=features, id="preview_upload", filled=True, stroked=True, pickable=True,
                  get_fill_color=[230, 0, 126, 160], get_line_color=[230, 0, 126, 255], line_width_min_pixels=2,
                  get_point_radius=150, point_radius_min_pixels=4, _sub_layer_props=OUTLINE_NOT_PICKED),
    ]

