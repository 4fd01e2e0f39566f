"""Static maps and charts for printed exports, drawn offline with matplotlib (Agg, no pyplot) in a CJK font."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from spaces.planning.pace import pace_value, plan_share
from spaces.reference import palette
from spaces.reference.districts import CITY_ADCODE, load_city_outline, load_districts
from spaces.reference.i18n import colon, label, localised, t
from spaces.reference.palette import hex_colour
from spaces.reference.schema import load_schemas
from spaces.reference.targets import BASELINE_YEAR, PLAN_END_YEAR, PLAN_START_YEAR, load_targets
from spaces.reference.vocab import load_vocabularies

from .fonts import cjk_family, find_cjk_font

# The app's colours (spaces/reference/palette.py); shapes tell factory levels apart in black-and-white prints too.
PLOT_COLOURS = {status: hex_colour(rgba) for status, rgba in palette.PLOT_COLOURS.items()}
FACTORY_MARKERS = {"national": ("*", hex_colour(palette.FACTORY_COLOURS["national"]), 70),
                   "provincial": ("^", hex_colour(palette.FACTORY_COLOURS["provincial"]), 26),
                   "municipal": ("o", hex_colour(palette.FACTORY_COLOURS["municipal"]), 9)}
PARK_FILL = tuple(value / 255 for value in palette.PARK_FILL)  # RGBA: the app's translucent fill
PARK_EDGE = hex_colour(palette.PARK_LINE)
COMMUNITY_EDGE = hex_colour(palette.COMMUNITY_LINE)
OTHER_DISTRICT_FILL, FOCUS_EDGE = "#F0F0F0", "#252525"
LAND_BAR, LAND_LINE, TARGET_LINE, PACE_LINE = "#9ECAE1", "#08519C", "#D7301F", "#737373"
INDEX_COLOURS = ("#1B9E77", "#7570B3")
HALO = patheffects.withStroke(linewidth=2.2, foreground="white")  # keeps labels legible over markers
FALLBACK_FAMILY = "DejaVu Sans"
POLYGON_TYPE_ID = 3  # shapely.get_type_id of a Polygon
# rc_context changes matplotlib's global settings: two app sessions printing at once take turns.
_PRINT_LOCK = threading.Lock()
# Outlines are simplified to about this fraction of the map's width (finer than print resolution).
SIMPLIFY_SHARE = 1 / 3000


@contextmanager
def print_style() -> Iterator[None]:
    """matplotlib settings for every printed figure: the CJK font, embedded as Type 3 with a ToUnicode map.

    Type 3 keeps the text extractable and searchable in the PDF; TrueType (42) embedding of the OpenType
    CJK collections makes poppler warn about a font-type mismatch.
    """
    family = cjk_family(find_cjk_font())
    settings = {
        "font.family": [family, FALLBACK_FAMILY],
        "font.size": 8,
        "pdf.fonttype": 3,
        "text.parse_math": False,  # planners' names may contain "$"
        "axes.unicode_minus": False,
        "svg.fonttype": "none",
    }
    with _PRINT_LOCK, matplotlib.rc_context(settings):
        yield


def _label(vocabulary: str, value: str, language: str) -> str:
    vocab = load_vocabularies()[vocabulary]
    return (vocab.labels(language)).get(value, value)


def _layer_label(layer: str, language: str) -> str:
    schema = load_schemas()[layer]
    return label(schema, language)


def compound_path(geometries, *, tolerance: float = 0.0) -> MplPath | None:
    """One matplotlib path of every polygon in ``geometries`` (holes kept); None when there is none.

    One path per style rather than one per feature keeps a page with thousands of plots fast to
    draw and small in the PDF. Exteriors are oriented counter-clockwise and holes clockwise, so the
    nonzero fill rule leaves the holes empty. ``tolerance`` (degrees) simplifies below print resolution.
    """
    shapes = np.asarray(geometries, dtype=object) if not isinstance(geometries, np.ndarray) else geometries
    shapes = shapes[~shapely.is_missing(shapes)]
    parts = shapely.get_parts(shapes)
    parts = parts[shapely.get_type_id(parts) == POLYGON_TYPE_ID]
    if tolerance:
        parts = shapely.simplify(parts, tolerance, preserve_topology=True)
    parts = parts[~shapely.is_empty(parts)]
    if not len(parts):
        return None
    rings = shapely.get_rings(shapely.orient_polygons(parts))
    vertices, ring_index = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(vertices), MplPath.LINETO, dtype=np.uint8)
    starts = np.flatnonzero(np.r_[True, ring_index[1:] != ring_index[:-1]])
    codes[starts] = MplPath.MOVETO
    codes[np.r_[starts[1:], len(vertices)] - 1] = MplPath.CLOSEPOLY
    return MplPath(vertices, codes)


def _draw_polygons(ax, geometries, *, facecolor, edgecolor="none", linewidth=0.0, zorder=2.0,
                   tolerance: float = 0.0, **style) -> None:
    path = compound_path(geometries, tolerance=tolerance)
    if path is not None:
        # add_artist, not add_patch: the limits are set from the area, and updating them would walk
        # every segment of the path.
        ax.add_artist(PathPatch(path, facecolor=facecolor, edgecolor=edgecolor, linewidth=linewidth,
                                zorder=zorder, **style))


def _points(frame: pd.DataFrame) -> pd.DataFrame:
    geometries = frame.geometry
    return frame.loc[(geometries.geom_type == "Point").to_numpy()]


@dataclass(frozen=True)
class MapArea:
    """What a map page shows: one district (adcode) or the whole city (330200)."""

    adcode: str

    @property
    def is_city(self) -> bool:
        return self.adcode == CITY_ADCODE

    def outline(self):
        if self.is_city:
            return load_city_outline().geometry.iloc[0]
        districts = load_districts()
        return districts.loc[districts["adcode"] == self.adcode].geometry.iloc[0]

    def select(self, frame: pd.DataFrame) -> pd.DataFrame:
        if self.is_city or "district_adcode" not in frame.columns:
            return frame
        return frame.loc[(frame["district_adcode"] == self.adcode).to_numpy()]


def draw_map(ax, area: MapArea, map_layers: dict[str, pd.DataFrame], *, language: str = "zh") -> list:
    """Draw the district (or city) with parks, communities, plots by status and factories by level.

    Features are picked by their ``district_adcode``. Plots are coloured by ``status_as_of`` (their
    status at the end of the filtered year) when present, else ``status``. Returns legend handles.
    """
    outline = area.outline()
    minx, miny, maxx, maxy = outline.bounds
    pad = max(maxx - minx, maxy - miny) * 0.04
    tolerance = max(maxx - minx, maxy - miny) * SIMPLIFY_SHARE
    districts = load_districts()
    others = districts if area.is_city else districts.loc[districts["adcode"] != area.adcode]
    _draw_polygons(ax, others.geometry.to_numpy(), facecolor=OTHER_DISTRICT_FILL, edgecolor="#BDBDBD",
                   linewidth=0.5, zorder=0, tolerance=tolerance)
    _draw_polygons(ax, np.array([outline]), facecolor="white" if not area.is_city else "none",
                   edgecolor=FOCUS_EDGE, linewidth=1.1, zorder=1, tolerance=tolerance)
    if area.is_city:
        name_column = localised("name", language)
        for record in districts.itertuples():
            spot = record.geometry.representative_point()
            ax.text(spot.x, spot.y, getattr(record, name_column), fontsize=7, color="#252525", ha="center",
                    va="center", zorder=6, clip_on=True, path_effects=[HALO])

    parks = area.select(map_layers["parks"])
    _draw_polygons(ax, parks.geometry.to_numpy(), facecolor=PARK_FILL, edgecolor=PARK_EDGE, linewidth=0.7,
                   zorder=2)
    plots = area.select(map_layers["plots"])
    status_column = "status_as_of" if "status_as_of" in plots.columns else "status"
    for status, colour in PLOT_COLOURS.items():
        chosen = (plots[status_column] == status).fillna(False).to_numpy(dtype=bool)
        # A hairline edge in the fill colour keeps plots of a few 亩 visible on a district-wide map.
        _draw_polygons(ax, plots.geometry.to_numpy()[chosen], facecolor=colour, edgecolor=colour, linewidth=0.35,
                       zorder=3)
    communities = area.select(map_layers["communities"])
    _draw_polygons(ax, communities.geometry.to_numpy(), facecolor="none", edgecolor=COMMUNITY_EDGE,
                   linewidth=0.8, linestyle="--", zorder=4)
    community_points = _points(communities)
    if len(community_points):
        ax.scatter(community_points.geometry.x, community_points.geometry.y, marker="D", s=14,
                   facecolor="none", edgecolor=COMMUNITY_EDGE, linewidth=0.8, zorder=4)
    factories = _points(area.select(map_layers["factories"]))
    for level, (marker, colour, size) in reversed(FACTORY_MARKERS.items()):
        chosen = factories.loc[(factories["level"] == level).to_numpy()]
        if len(chosen):
            ax.scatter(chosen.geometry.x, chosen.geometry.y, marker=marker, s=size, color=colour,
                       edgecolor="white", linewidth=0.3, zorder=5)

    x0, x1, y0, y1 = _fill_box(ax, minx - pad, maxx + pad, miny - pad, maxy + pad)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(_y_stretch(miny, maxy))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#BDBDBD")
    _scale_bar(ax, x0, x1, y0, y1)
    return legend_handles(language)


def legend_handles(language: str) -> list:
    """Legend entries for :func:`draw_map`, labelled from the layer schemas and vocabularies."""
    handles = [
        Patch(facecolor=PARK_FILL, edgecolor=PARK_EDGE, label=_layer_label("parks", language)),
        Patch(facecolor="none", edgecolor=COMMUNITY_EDGE, linestyle="--", label=_layer_label("communities", language)),
    ]
    plot_word = t("export_map_plots", language)
    handles += [Patch(facecolor=colour, label=f"{plot_word}{colon(language)}{_label('status', status, language)}")
                for status, colour in PLOT_COLOURS.items()]
    factory_word = t("export_map_factories", language)
    handles += [Line2D([], [], linestyle="none", marker=marker, color=colour, markersize=np.sqrt(size) * 0.9,
                       label=f"{factory_word}{colon(language)}{_label('level', level, language)}")
                for level, (marker, colour, size) in FACTORY_MARKERS.items()]
    return handles


def _y_stretch(miny: float, maxy: float) -> float:
    """Display units per degree of latitude per degree of longitude: 1 / cos(latitude)."""
    return float(1.0 / np.cos(np.radians((miny + maxy) / 2)))


def _fill_box(ax, x0: float, x1: float, y0: float, y1: float) -> tuple[float, float, float, float]:
    """Widen the bounds on one axis so that the map fills the axes box at the right aspect.

    Shows more of the surroundings instead of shrinking the map and leaving blank paper.
    """
    box = ax.get_position()
    width_in, height_in = ax.figure.get_size_inches()
    box_ratio = (box.height * height_in) / (box.width * width_in)
    data_ratio = (y1 - y0) * _y_stretch(y0, y1) / (x1 - x0)
    if data_ratio < box_ratio:
        grow = ((x1 - x0) * box_ratio / _y_stretch(y0, y1) - (y1 - y0)) / 2
        return x0, x1, y0 - grow, y1 + grow
    grow = ((y1 - y0) * _y_stretch(y0, y1) / box_ratio - (x1 - x0)) / 2
    return x0 - grow, x1 + grow, y0, y1


def _scale_bar(ax, x0: float, x1: float, y0: float, y1: float) -> None:
    km_per_degree = 111.32 * np.cos(np.radians((y0 + y1) / 2))
    width_km = (x1 - x0) * km_per_degree
    length_km = next(n for n in (50, 20, 10, 5, 2, 1, 0.5) if n <= width_km / 4)
    left, bottom = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    right = left + length_km / km_per_degree
    ax.plot([left, right], [bottom, bottom], color="#252525", linewidth=2, solid_capstyle="butt", zorder=7)
    ax.text((left + right) / 2, bottom + (y1 - y0) * 0.015, f"{length_km:g} km", ha="center", va="bottom",
            fontsize=6.5, zorder=7)
    ax.annotate("N", xy=(x1 - (x1 - x0) * 0.04, y1 - (y1 - y0) * 0.04),
                xytext=(x1 - (x1 - x0) * 0.04, y1 - (y1 - y0) * 0.13), ha="center", va="center", fontsize=7,
                arrowprops={"arrowstyle": "-|>", "color": "#252525", "linewidth": 0.8}, zorder=7)


@dataclass(frozen=True)
class Trend:
    """Year-by-year context of one district (or the city) for the brief's small charts."""

    years: list[int]  # 2021..year
    reclaimed_mu: list[float | None]  # reclaimed in that year (None for 2021, before the plan)
    reclaimed_target_mu: float | None
    tax_index: list[float | None]  # 2021 = 100
    value_added_index: list[float | None]
    index_target: float | None  # 100 + the growth target
    running_year: int | None = None  # a year whose figures are not complete yet, marked on the axis


def _pace_years() -> list[int]:
    return list(range(BASELINE_YEAR, PLAN_END_YEAR + 1))


def _year_labels(years: list[int], running_year: int | None, language: str) -> list[str]:
    """Tick labels: the year, and under a year still in progress "进行中" / "running"."""
    return [f"{year}\n{t('export_trend_running', language)}" if year == running_year else str(year)
            for year in years]


def draw_trend(ax_land, ax_index, trend: Trend, *, language: str = "zh") -> None:
    """Land reclaimed per year with its running total against the target, and 亩均 indices (2021 = 100), each
    with the 2026 target and the pace line (时间过半、任务过半: straight for land, compound for growth) to 2026."""
    plan_years = [y for y, v in zip(trend.years, trend.reclaimed_mu, strict=True) if v is not None]
    per_year = [v for v in trend.reclaimed_mu if v is not None]
    ax_land.bar(plan_years, per_year, color=LAND_BAR, width=0.6, label=t("export_trend_per_year", language))
    ax_land.plot(plan_years, np.cumsum(per_year), color=LAND_LINE, marker="o", markersize=3, linewidth=1.2,
                 label=t("export_trend_cumulative", language))
    pace_years = _pace_years()
    if trend.reclaimed_target_mu:
        ax_land.axhline(trend.reclaimed_target_mu, color=TARGET_LINE, linestyle="--", linewidth=0.9,
                        label=t("export_trend_target_2026", language))
        land = load_targets()["reclaimed_land_mu"]
        ax_land.plot(pace_years, [pace_value(land, baseline=0.0, goal=trend.reclaimed_target_mu, share=plan_share(year))
                                  for year in pace_years], color=PACE_LINE,
                     linestyle=":", linewidth=1.0, label=t("export_trend_pace", language))
    ax_land.set_title(t("export_trend_land", language), fontsize=8, loc="left")
    land_ticks = list(range(PLAN_START_YEAR, PLAN_END_YEAR + 1))
    ax_land.set_xticks(land_ticks, _year_labels(land_ticks, trend.running_year, language))
    ax_land.set_xlim(PLAN_START_YEAR - 0.6, PLAN_END_YEAR + 0.6)

    for values, colour, key in ((trend.tax_index, INDEX_COLOURS[0], "export_trend_tax"),
                                (trend.value_added_index, INDEX_COLOURS[1], "export_trend_value_added")):
        known = [(y, v) for y, v in zip(trend.years, values, strict=True) if v is not None]
        if known:
            ax_index.plot(*zip(*known, strict=True), color=colour, marker="o", markersize=3, linewidth=1.2,
                          label=t(key, language))
    if trend.index_target:
        ax_index.axhline(trend.index_target, color=TARGET_LINE, linestyle="--", linewidth=0.9,
                         label=t("export_trend_target_2026", language))
        growth = load_targets()["tax_per_mu_growth_pct"]  # 2021 = 100: the index is 100 + the growth on pace
        ax_index.plot(pace_years, [100.0 + pace_value(growth, baseline=0.0, goal=trend.index_target - 100.0,
                                                      share=plan_share(year))
                                   for year in pace_years], color=PACE_LINE, linestyle=":", linewidth=1.0,
                      label=t("export_trend_pace", language))
    ax_index.set_title(t("export_trend_index", language), fontsize=8, loc="left")
    ax_index.set_xticks(pace_years, _year_labels(pace_years, trend.running_year, language))
    ax_index.set_xlim(BASELINE_YEAR - 0.3, PLAN_END_YEAR + 0.3)
    for ax in (ax_land, ax_index):
        # Headroom above the data and the target line for a one-row legend.
        low, high = ax.get_ylim()
        ax.set_ylim(low, high + (high - low) * 0.45)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6, frameon=False, loc="upper left", ncol=3, handlelength=1.5, columnspacing=1.0)
        else:
            ax.text(0.5, 0.5, t("export_no_data", language), transform=ax.transAxes, ha="center", va="center",
                    color="#737373")
        ax.tick_params(labelsize=6.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
