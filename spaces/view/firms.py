"""The map's enterprises layer (亩均评价): firms coloured by class, D standing out, sized by their land."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from spaces.planning.mujun_aggregates import aggregate, firm_locations
from spaces.reference.districts import load_districts
from spaces.reference.i18n import t
from spaces.reference.palette import CLASS_COLOURS, CLASS_RIM
from spaces.reference.vocab import load_vocabularies

from .deck import COORDINATE_DECIMALS, _e

MU_M2 = 2000 / 3  # one 亩 in square metres
# Above this many firms to draw, only the D class is drawn firm by firm; the others are summed into cells of
# CELL_DEGREES (about 1 km), as plots are: 100,000 firms one by one would be ~28 MB of map data (the map must
# stay under 10 MB; BENCHMARKS.md).
FIRM_DOT_LIMIT = 20_000
CELL_DEGREES = 0.01
CELL_ALPHA = 150


def chosen_firms(scored: pd.DataFrame | None, *, year: int, districts: tuple[str, ...] = (),
                 classes: tuple[str, ...] = (), groups: tuple[str, ...] = ()) -> pd.DataFrame:
    """The firms of ``year`` the map draws: in ``districts``, ``classes`` (the official class where given) and
    ``groups`` (each: all when empty)."""
    if scored is None or not len(scored):
        return pd.DataFrame()
    keep = scored["year"] == year
    for column, values in (("district_adcode", districts), ("class", classes), ("group", groups)):
        if values:
            keep &= scored[column].isin(values)
    return scored.loc[keep]


def _figure(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:,.1f}"


def firm_records(firms: pd.DataFrame, plots: pd.DataFrame | None, *, language: str,
                 levels: pd.DataFrame | None = None) -> list[dict]:
    """One dot per firm with a location (its own point, else inside the plot it names): colour by class, radius
    the firm's land as a circle (metres), tooltip the 亩均 figures against its district's (``levels``: per
    ``district_adcode``, Σ tax ÷ Σ land of the year, :func:`district_levels`)."""
    if not len(firms):
        return []
    points = firm_locations(firms, plots).to_numpy()
    placed = ~(shapely.is_missing(points) | shapely.is_empty(points))
    firms, points = firms.loc[placed], points[placed]
    xs = np.round(shapely.get_x(points), COORDINATE_DECIMALS)
    ys = np.round(shapely.get_y(points), COORDINATE_DECIMALS)
    radius = np.sqrt(pd.to_numeric(firms["land_mu"], errors="coerce").fillna(0).to_numpy() * MU_M2 / np.pi)
    colours = firms["class"].map(lambda c: CLASS_COLOURS.get(c, CLASS_COLOURS["T"])).tolist()
    ids = (firms["enterprise_id"].astype(str) + "|" + firms["year"].astype(str)).tolist()
    cells: list[dict] = []
    if len(firms) > FIRM_DOT_LIMIT:
        one_by_one = (firms["class"] == "D").to_numpy()
        if one_by_one.sum() > FIRM_DOT_LIMIT:
            one_by_one[:] = False
        cells = firm_cells(firms.loc[~one_by_one], xs[~one_by_one], ys[~one_by_one], language=language)
        firms, xs, ys, radius = firms.loc[one_by_one], xs[one_by_one], ys[one_by_one], radius[one_by_one]
        colours = [c for c, keep in zip(colours, one_by_one, strict=True) if keep]
        ids = [i for i, keep in zip(ids, one_by_one, strict=True) if keep]
    vocab = load_vocabularies()
    groups, grades = vocab["group"].labels(language), vocab["grade"].labels(language)
    district_tax = {} if levels is None else levels.set_index("district_adcode")["tax_per_mu"].to_dict()
    unit = t("mujun_unit", language)
    records = []
    for record, grade, i, x, y, c, r in zip(firms.itertuples(), firms["class"], ids, xs, ys, colours, radius,
                                             strict=True):
        records.append({
            "kind": "enterprise", "id": i, "position": [x, y], "color": c, "radius": round(r, 1),
            "title": _e(record.name_zh),
            "line1": f"{_e(grades.get(grade, '—'))} · {_e(groups.get(record.group, ''))} · "
                     f"{_figure(record.land_mu)} {t('mu', language)}",
            "line2": t("firm_tax_line", language).format(
                firm=_figure(record.tax_per_mu), district=_figure(district_tax.get(record.district_adcode)),
                unit=unit)})
    return cells + records


def firm_cells(firms: pd.DataFrame, xs: np.ndarray, ys: np.ndarray, *, language: str) -> list[dict]:
    """Firms summed into cells of :data:`CELL_DEGREES`: one dot per cell at the firms' mean position, the size of
    their land together, in the colour of the class holding most of it; the tooltip counts them by class."""
    if not len(firms):
        return []
    frame = pd.DataFrame({"cx": np.floor(xs / CELL_DEGREES).astype(int), "cy": np.floor(ys / CELL_DEGREES).astype(int),
                          "x": xs, "y": ys, "grade": firms["class"].fillna("T").to_numpy(),
                          "land": pd.to_numeric(firms["land_mu"], errors="coerce").fillna(0).to_numpy()})
    grouped = frame.groupby(["cx", "cy", "grade"])["land"].agg(["size", "sum"]).unstack("grade", fill_value=0)
    counts, land = grouped["size"], grouped["sum"]
    grades = [grade for grade in CLASS_COLOURS if grade in counts.columns]
    counts, land = counts[grades].to_numpy(), land[grades].to_numpy()
    places = frame.groupby(["cx", "cy"])[["x", "y"]].mean().loc[grouped.index]
    leading = np.asarray(grades)[land.argmax(axis=1)]
    total_land, total_firms = land.sum(axis=1), counts.sum(axis=1)
    radius = np.round(np.sqrt(total_land * MU_M2 / np.pi), 1)
    mu = t("mu", language)
    titles = {n: t("firm_cell_title", language, count=int(n)).format(n=int(n)) for n in np.unique(total_firms)}
    return [{"kind": "firm_cell", "id": f"{cx},{cy}", "position": [round(x, COORDINATE_DECIMALS),
                                                                  round(y, COORDINATE_DECIMALS)],
             "color": [*CLASS_COLOURS[grade][:3], CELL_ALPHA], "radius": float(r), "title": titles[n],
             "line1": " · ".join(f"{g} {int(c)}" for g, c in zip(grades, row, strict=True) if c),
             "line2": f"{area:,.0f} {mu}"}
            for (cx, cy), x, y, grade, r, n, row, area in zip(
                grouped.index, places["x"].to_numpy(), places["y"].to_numpy(), leading, radius, total_firms,
                counts, total_land, strict=True)]


def district_levels(scored: pd.DataFrame | None, *, year: int) -> pd.DataFrame:
    """Per district, Σ tax ÷ Σ land and Σ value added ÷ Σ land of every evaluated firm of ``year`` (万元/亩)."""
    if scored is None or not len(scored):
        return pd.DataFrame(columns=["district_adcode", "tax_per_mu", "value_added_per_mu"])
    return aggregate(scored, by="district", year=year)


def firm_layers(records: list[dict]) -> list[pdk.Layer]:
    """Dots the size of each firm's land (at least 3 px); D-class firms in a layer of their own on top, at least
    6 px with a wider white rim, so that they stand out wherever they are."""
    d_colour = CLASS_COLOURS["D"]
    d_class = [r for r in records if r["color"] == d_colour]
    others = [r for r in records if r["color"] != d_colour]
    common = {"pickable": True, "get_position": "position", "get_fill_color": "color", "get_radius": "radius",
              "radius_max_pixels": 30, "stroked": True, "get_line_color": CLASS_RIM}
    return [pdk.Layer("ScatterplotLayer", data=others, id="enterprises", radius_min_pixels=3,
                      line_width_min_pixels=1, **common),
            pdk.Layer("ScatterplotLayer", data=d_class, id="enterprises_d", radius_min_pixels=6,
                      line_width_min_pixels=2, **common)]


def d_land_map(table: pd.DataFrame, plots: pd.DataFrame | None, *, language: str) -> tuple[list[pdk.Layer], gpd.GeoDataFrame]:
    """From D class to land as a layer: the plots the D-class firms of ``table`` (:func:`d_class_land`) sit on,
    outlined, and the firms as near-black dots the size of their land; with the features to fit the view to."""
    located = table.dropna(subset=["lon", "lat"])
    points = gpd.GeoDataFrame(located, geometry=gpd.points_from_xy(located["lon"], located["lat"]), crs="EPSG:4326")
    records = [{"kind": "enterprise", "id": f"{row.enterprise_id}|{row.year}", "position": [row.lon, row.lat],
                "color": CLASS_COLOURS["D"], "radius": float(np.sqrt(max(row.land_mu, 0) * MU_M2 / np.pi)),
                "title": _e(row.name_zh), "line1": f"{_figure(row.land_mu)} {t('mu', language)}",
                "line2": _e(row.plot_id or "")} for row in located.itertuples()]
    on_plots = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    if plots is not None and len(plots) and table["plot_id"].notna().any():
        on_plots = plots.loc[plots["plot_id"].isin(table["plot_id"].dropna())]
    polygons = [{"polygon": [list(map(list, ring.exterior.coords)) for ring in shapely.get_parts(geometry)][0],
                 "title": _e(plot_id), "line1": "", "line2": ""}
                for plot_id, geometry in zip(on_plots.get("plot_id", []), on_plots.geometry, strict=True)
                if geometry is not None and not geometry.is_empty]
    outlines = json.loads(load_districts()[["adcode", "geometry"]].to_json())  # where the dots are
    layers = [pdk.Layer("GeoJsonLayer", data=outlines, id="d_districts", stroked=True, filled=False, pickable=False,
                        get_line_color=[110, 110, 110, 255], line_width_min_pixels=1),
              pdk.Layer("PolygonLayer", data=polygons, id="d_plots", get_polygon="polygon", filled=True,
                        get_fill_color=[120, 120, 120, 90], stroked=True, get_line_color=[0, 0, 0, 255],
                        line_width_min_pixels=2, pickable=True),
              *firm_layers(records)]
    features = pd.concat([points[["geometry"]], on_plots[["geometry"]]], ignore_index=True)
    return layers, gpd.GeoDataFrame(features, geometry="geometry", crs="EPSG:4326")
