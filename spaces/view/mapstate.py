"""What the map page shows and where it opens, as pure functions (issue 12): the counts of what is drawn, the
view a district filter, a focus or a shared link opens on, and which filter hides the selected item."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spaces.planning.filters import MAP_LAYERS, Filters, apply_filters
from spaces.reference.i18n import t
from spaces.reference.targets import PLAN_END_YEAR, PLAN_START_YEAR

NINGBO_VIEW = {"longitude": 121.52, "latitude": 29.72, "zoom": 8.0}
# What a link may carry as its view: around Ningbo, from the whole province to a street.
VIEW_BOUNDS = {"longitude": (118.0, 125.0), "latitude": (27.0, 32.5), "zoom": (5.0, 20.0)}
FOCUS_ZOOM = 12.3  # a 7 × 7 km square fills the map (as spaces.geo.window.ZoomWindow.view)
MAP_HEIGHT_PX = 640
MAP_WIDTH_PX = 560  # the narrowest the map column is (1280 px window, sidebar open)
COUNTED = {"parks": "count_parks", "communities": "count_communities", "plots": "count_plots",
           "factories": "count_factories"}
WITH_AREA = ("parks", "communities", "plots")


def counted(key: str, n: int, language: str) -> str:
    """``n`` things in words: ``key``'s text, or ``<key>_one``'s when ``n`` is 1 ("1 park", "2 parks").

    Examples
    --------
    >>> counted("count_parks", 1, "en"), counted("count_parks", 1_234, "en"), counted("count_parks", 8, "zh")
    ('1 park', '1,234 parks', '8 个园区')
    """
    return t(f"{key}_one" if n == 1 else key, language).format(n=f"{n:,}")


def counts_line(shown: Mapping[str, pd.DataFrame], *, visible: list[str] | tuple[str, ...], language: str) -> str:
    """One line of what the map draws of each visible layer after the filters: how many, and their 亩
    ("8 个园区（1,234.5 亩）· 12 个社区（…）"); "" when no counted layer is shown.

    Plots drawn as 1 km cells are counted one by one all the same (a cell sums them).
    """
    parts = []
    for layer, key in COUNTED.items():
        if layer not in visible:
            continue
        frame = shown[layer]
        text = counted(key, len(frame), language)
        if layer in WITH_AREA and len(frame):
            area = float(pd.to_numeric(frame["area_mu"], errors="coerce").sum())
            text = t("count_with_area", language).format(items=text, area=f"{area:,.1f}")
        parts.append(text)
    return t("counts_shown", language).format(items=" · ".join(parts)) if parts else ""


def view_of_bounds(minx: float, miny: float, maxx: float, maxy: float, *, width_px: int = MAP_WIDTH_PX,
                   height_px: int = MAP_HEIGHT_PX, margin: float = 1.1) -> dict:
    """The Web Mercator view (centre, zoom) that fits the box (WGS-84 degrees) in a ``width_px`` ×
    ``height_px`` map with ``margin`` around it, as deck.gl's ``fitBounds`` does (zoom 7 to 16).

    Examples
    --------
    >>> view_of_bounds(121.0, 29.0, 122.0, 30.0)
    {'longitude': 121.5, 'latitude': 29.50123, 'zoom': 8.48}
    """
    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    world_x = (maxx - minx) / 360  # share of the world's width
    world_y = (mercator_y(maxy) - mercator_y(miny)) / (2 * math.pi)
    zoom_x = math.log2(width_px / (512 * max(world_x * margin, 1e-9)))
    zoom_y = math.log2(height_px / (512 * max(world_y * margin, 1e-9)))
    centre_y = (mercator_y(miny) + mercator_y(maxy)) / 2
    latitude = math.degrees(2 * math.atan(math.exp(centre_y)) - math.pi / 2)
    zoom = float(np.clip(min(zoom_x, zoom_y), 7, 16))
    return {"longitude": round(float(minx + maxx) / 2, 5), "latitude": round(latitude, 5), "zoom": round(zoom, 2)}


def districts_view(districts: gpd.GeoDataFrame, adcodes: tuple[str, ...] | list[str]) -> dict:
    """The view fitted to the chosen districts (all of Ningbo's view when none is chosen)."""
    chosen = districts.loc[districts["adcode"].isin(list(adcodes))]
    if not len(chosen):
        return dict(NINGBO_VIEW)
    return view_of_bounds(*shapely.total_bounds(chosen.geometry.to_numpy()))


def features_view(frame: gpd.GeoDataFrame, *, height_px: int = MAP_HEIGHT_PX) -> dict:
    """The view fitted to ``frame``'s features (an upload's preview flies to them: three plots are not one
    dot at city scale); the whole city when it has none. A single point opens at street scale (zoom 15)."""
    bounds = shapely.total_bounds(frame.geometry.to_numpy()) if len(frame) else np.full(4, np.nan)
    if not np.isfinite(bounds).all():
        return dict(NINGBO_VIEW)
    view = view_of_bounds(*bounds, height_px=height_px, margin=1.3)
    return {**view, "zoom": min(view["zoom"], 15.0)}


def focus_view(focus: tuple[float, float]) -> dict:
    """The view around a focus (lon, lat): the 7 × 7 km zoom window's scale, at any plot count."""
    return {"longitude": round(focus[0], 5), "latitude": round(focus[1], 5), "zoom": FOCUS_ZOOM}


def format_view(view: Mapping[str, float] | None) -> str | None:
    """The view for the URL, ``lon,lat,zoom`` (None for the whole city, the default).

    Examples
    --------
    >>> format_view({"longitude": 121.849998, "latitude": 29.9, "zoom": 11.234}), format_view(NINGBO_VIEW)
    ('121.85000,29.90000,11.23', None)
    """
    if not view or all(math.isclose(view[k], NINGBO_VIEW[k]) for k in NINGBO_VIEW):
        return None
    return f"{view['longitude']:.5f},{view['latitude']:.5f},{view['zoom']:.2f}"


def parse_view(text: str | None) -> dict | None:
    """``lon,lat,zoom`` from a link as a view, None when missing, malformed or outside ``VIEW_BOUNDS``.

    Examples
    --------
    >>> parse_view("121.85,29.9,11.2"), parse_view("121.85,29.9"), parse_view("0,0,3"), parse_view("nan,29,9")
    ({'longitude': 121.85, 'latitude': 29.9, 'zoom': 11.2}, None, None, None)
    """
    parts = (text or "").split(",")
    if len(parts) != 3:
        return None
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    view = dict(zip(("longitude", "latitude", "zoom"), values, strict=True))
    if not all(math.isfinite(v) and VIEW_BOUNDS[k][0] <= v <= VIEW_BOUNDS[k][1] for k, v in view.items()):
        return None
    return view


def opening_view(*, view: Mapping | None, focus: tuple[float, float] | None, districts: tuple[str, ...],
                 district_shapes: gpd.GeoDataFrame) -> dict:
    """Where a new session (a shared link) opens: its view, else around its focus, else fitted to its
    districts, else the whole city."""
    if view:
        return dict(view)
    if focus is not None:
        return focus_view(focus)
    return districts_view(district_shapes, districts) if districts else dict(NINGBO_VIEW)


def find_plot(plots: pd.DataFrame, text: str) -> str | None:
    """The id of the plot whose id is ``text`` (any case), else of the first whose name contains it."""
    wanted = text.strip().casefold()
    if not wanted:
        return None
    ids = plots["plot_id"].astype(str)
    exact = plots.loc[ids.str.casefold() == wanted]
    if not len(exact) and "name_zh" in plots.columns:
        exact = plots.loc[plots["name_zh"].fillna("").astype(str).str.casefold().str.contains(wanted, regex=False)]
    return None if not len(exact) else str(exact["plot_id"].iloc[0])



SELECTION_LAYERS = {"park": ("parks", "park_id"), "community": ("communities", "community_id")}
HIDING_FIELDS = ("year", "districts", "industries", "levels", "inside_parks")


def hiding_filters(everything: Mapping[str, pd.DataFrame], filters: Filters, selected: str | None,
                   shown: Mapping[str, pd.DataFrame] | None = None) -> tuple[str, ...]:
    """The filters that keep the ``selected`` park or community ("park:P004") off the map, each alone
    enough to hide it; () when it is drawn, is a district (always drawn) or does not exist.

    ``shown`` is ``apply_filters(everything, filters)`` when the caller has it (the page's cached layers:
    filtering a million plots again on every run would cost seconds); each filter is then tried on the
    one row alone. ``inside_parks`` hides a community outside the parks the other filters select.
    """
    kind, _, ident = (selected or "").partition(":")
    if kind not in SELECTION_LAYERS:
        return ()
    layer, column = SELECTION_LAYERS[kind]
    row = everything[layer].loc[everything[layer][column] == ident]
    if not len(row):
        return ()
    one = {name: (row if name == layer else everything[name].iloc[:0]) for name in MAP_LAYERS}
    if not filters.inside_parks:  # the row alone decides: no need to filter every layer
        shown = apply_filters(one, filters)
    elif shown is None:
        shown = apply_filters(everything, filters)
    if (shown[layer][column] == ident).any():
        return ()
    loose = Filters(year=PLAN_END_YEAR)
    hiding = []
    for field in HIDING_FIELDS:
        if field == "inside_parks":
            continue
        alone = replace(loose, **{field: getattr(filters, field)})
        if not len(apply_filters(one, alone)[layer]):
            hiding.append(field)
    if not hiding and filters.inside_parks:
        hiding.append("inside_parks")
    return tuple(hiding)


def revealing(everything: Mapping[str, pd.DataFrame], selected: str, hiding: tuple[str, ...]) -> dict:
    """Widget values that show the ``selected`` item again: each hiding filter cleared ("all"); the year
    moved to the year the item was established (a later year shows it too, an earlier one never does)."""
    kind, _, ident = selected.partition(":")
    layer, column = SELECTION_LAYERS[kind]
    values: dict = {}
    for field in hiding:
        if field == "year":
            row = everything[layer].loc[everything[layer][column] == ident]
            year = pd.to_numeric(row["established_year"], errors="coerce").iloc[0]
            values["year"] = int(np.clip(year, PLAN_START_YEAR, PLAN_END_YEAR))
        elif field == "inside_parks":
            values["inside_parks"] = False
        else:
            values[field] = []
    return values


def district_at(lon: float, lat: float, *, within_degrees: float = 0.02) -> str | None:
    """The adcode of the district holding the point (WGS-84), else of the nearest one within ``within_degrees``
    (a 1 km cell's centre may lie in the sea beside the island its plots are on); None farther out.

    Examples
    --------
    >>> district_at(121.84, 29.90), district_at(123.5, 29.0)
    ('330206', None)
    """
    from spaces.reference.districts import load_districts

    districts = load_districts()
    shapes = districts.geometry.to_numpy()
    inside = shapely.contains_xy(shapes, lon, lat)
    if inside.any():
        return str(districts["adcode"].to_numpy()[inside][0])
    distances = shapely.distance(shapes, shapely.Point(lon, lat))
    nearest = int(np.argmin(distances))
    return str(districts["adcode"].to_numpy()[nearest]) if distances[nearest] <= within_degrees else None
