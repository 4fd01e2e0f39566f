"""亩均 figures of groups of enterprises (district, park, community, industry, year): Σ over Σ, never a mean of ratios."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spaces.reference.districts import CITY_ADCODE, DISTRICT_ADCODES
from spaces.reference.mujun_method import CLASSES

# What a group of firms can be summed by: a column of the scored firms, or a place found by location.
PLACES = {"district": "district_adcode", "park": "park_id", "community": "community_id", "industry": "industry",
          "year": "year"}
# The per-mu figures and their sums: tax_per_mu = Σ tax / Σ land of the firms that report tax.
RATIOS = {"tax_per_mu": "tax", "value_added_per_mu": "value_added"}


def firm_locations(enterprises: pd.DataFrame, plots: pd.DataFrame | None) -> gpd.GeoSeries:
    """Each firm's point: its own, else a point inside the plot its ``plot_id`` names (None when neither)."""
    own = np.asarray(enterprises.geometry if isinstance(enterprises, gpd.GeoDataFrame)
                     else [None] * len(enterprises), dtype=object)
    if plots is not None and len(plots) and "plot_id" in enterprises.columns:
        by_id = pd.Series(shapely.point_on_surface(plots.geometry.to_numpy()), index=plots["plot_id"].astype(str))
        by_id = by_id[~by_id.index.duplicated()]
        linked = enterprises["plot_id"].astype(object).map(lambda v: None if v is None or pd.isna(v) else str(v))
        from_plot = by_id.reindex(linked.to_numpy()).to_numpy(dtype=object)
        missing = shapely.is_missing(own) | shapely.is_empty(own)
        own = np.where(missing, from_plot, own)
    return gpd.GeoSeries(own, index=enterprises.index, crs="EPSG:4326")


def with_places(scored: pd.DataFrame, layers: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``scored`` with ``park_id`` (as given, else the park the firm lies in) and ``community_id`` (the
    community polygon it lies in); firms without a location keep what they were given."""
    out = pd.DataFrame(scored).copy()
    points = firm_locations(scored, layers.get("plots"))
    for layer, column in (("parks", "park_id"), ("communities", "community_id")):
        areas = layers.get(layer)
        found = _containing(points, areas, column) if areas is not None and len(areas) else \
            pd.Series(None, index=out.index, dtype=object)
        given = out[column] if column in out.columns else pd.Series(None, index=out.index, dtype=object)
        placed = given.astype(object).where(given.notna(), found)
        out[column] = placed.astype(object).where(placed.notna(), None)
    return out


def _containing(points: gpd.GeoSeries, areas: pd.DataFrame, column: str) -> pd.Series:
    polygons = areas.loc[areas.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    found = pd.Series(None, index=points.index, dtype=object)
    present = ~(points.isna() | points.is_empty)
    if not present.any() or not len(polygons):
        return found
    tree = shapely.STRtree(polygons.geometry.to_numpy())
    point_at, polygon_at = tree.query(points[present].to_numpy(), predicate="within")
    first = pd.Series(polygon_at).groupby(point_at).first()  # overlapping parks: the first listed
    ids = polygons[column].astype(object).to_numpy()
    positions = np.flatnonzero(present.to_numpy())[first.index.to_numpy()]
    found.iloc[positions] = ids[first.to_numpy()]
    return found


def aggregate(scored: pd.DataFrame, *, by: str | list[str], year: int | None = None,
              groups: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Enterprises, land and 亩均 figures per value of ``by`` (``district``, ``park``, ``community``,
    ``industry``, ``year`` or a list of them), for ``year`` (all years when None) and ``groups`` (all when None).

    Columns: the keys, ``enterprises``, ``land_mu``, ``tax``, ``value_added``, ``tax_per_mu`` = Σ tax ÷ Σ land and
    ``value_added_per_mu`` = Σ value added ÷ Σ land (万元/亩; each over the firms that report it), then
    ``count_<class>`` and ``land_mu_<class>`` for A, B, C, D, T (``class``: the official where given).
    ``community`` and a ``park`` found by location need :func:`with_places` first.

    Examples
    --------
    >>> firms = pd.DataFrame({"district_adcode": ["330206"] * 2, "year": [2024] * 2, "group": ["above_scale"] * 2,
    ...                       "land_mu": [1.0, 99.0], "tax": [100.0, 990.0], "value_added": [None, 1980.0],
    ...                       "class": ["A", "D"]})
    >>> row = aggregate(firms, by="district").iloc[0]
    >>> float(row["tax_per_mu"]), float(row["value_added_per_mu"]), int(row["count_D"])
    (10.9, 20.0, 1)
    """
    keys = [PLACES.get(b, b) for b in ([by] if isinstance(by, str) else by)]
    firms = pd.DataFrame(scored)
    if year is not None:
        firms = firms.loc[pd.to_numeric(firms["year"]) == year]
    if groups is not None:
        firms = firms.loc[firms["group"].isin(groups)]
    land = pd.to_numeric(firms["land_mu"], errors="coerce")
    sums = pd.DataFrame({k: firms[k].astype(object) for k in keys})
    sums["enterprises"] = 1
    sums["land_mu"] = land
    for ratio, column in RATIOS.items():
        value = pd.to_numeric(firms[column], errors="coerce") if column in firms else pd.Series(np.nan, index=firms.index)
        sums[column] = value
        sums[f"_{ratio}_land"] = land.where(value.notna(), 0.0)
    klass = firms["class"] if "class" in firms else pd.Series(None, index=firms.index, dtype=object)
    for name in CLASSES:
        sums[f"count_{name}"] = (klass == name).astype(int)
        sums[f"land_mu_{name}"] = land.where(klass == name, 0.0)
    grouped = sums.groupby(keys, dropna=False, sort=True).sum(min_count=0)
    for ratio, column in RATIOS.items():
        reported = sums[column].notna().groupby([sums[k] for k in keys], dropna=False, sort=True).sum()
        divisor = grouped.pop(f"_{ratio}_land")
        grouped[ratio] = (grouped[column] / divisor.where(divisor > 0)).where(reported > 0)
        grouped[column] = grouped[column].where(reported > 0)
    ordered = ["enterprises", "land_mu", "tax", "value_added", *RATIOS,
               *(f"count_{c}" for c in CLASSES), *(f"land_mu_{c}" for c in CLASSES)]
    return grouped[ordered].reset_index()


def per_mu_by_year(enterprises: pd.DataFrame, *, column: str, groups: tuple[str, ...] | None) -> pd.DataFrame:
    """Years × adcodes (the ten districts, then the city) of Σ ``column`` ÷ Σ land of ``groups``' firms; NaN where a
    district has no such firm that year. The city sums every district's firms (missing where any district
    has none: the city's figure is from firms only where all ten have them)."""
    columns = [*DISTRICT_ADCODES, CITY_ADCODE]
    if enterprises is None or not len(enterprises) or column not in enterprises:
        return pd.DataFrame(columns=columns, dtype=float)
    firms = enterprises if groups is None else enterprises.loc[enterprises["group"].isin(groups)]
    value = pd.to_numeric(firms[column], errors="coerce")
    land = pd.to_numeric(firms["land_mu"], errors="coerce").where(value.notna())
    frame = pd.DataFrame({"year": pd.to_numeric(firms["year"]).astype(int), "adcode": firms["district_adcode"],
                          "v": value, "land": land}).dropna(subset=["v", "land"])
    sums = frame.groupby(["year", "adcode"])[["v", "land"]].sum()
    matrix = (sums["v"] / sums["land"].where(sums["land"] > 0)).unstack("adcode")
    matrix = matrix.reindex(columns=list(DISTRICT_ADCODES))
    city = frame.groupby("year")[["v", "land"]].sum()
    matrix[CITY_ADCODE] = (city["v"] / city["land"].where(city["land"] > 0)).where(matrix.notna().all(axis=1))
    return matrix[columns]


def mujun_blocks(enterprises: pd.DataFrame | None, *, year: int, method=None) -> dict[str, dict] | None:
    """Per adcode (districts and the city ``330200``), the summary's ``mujun`` record for ``year``: ``year,
    enterprises, land_mu, tax_per_mu, value_added_per_mu`` (all groups), ``above_scale_tax_per_mu`` and
    ``above_scale_value_added_per_mu`` (规上 only, as the targets), ``classes`` (counts of A, B, C, D, T) and
    ``classes_land_mu``. None when the store holds no enterprises at all (the layer is not in use)."""
    from .mujun import score_enterprises  # scoring pulls in the method file only when there are firms

    if enterprises is None or not len(enterprises):
        return None
    scored = score_enterprises(enterprises, method)
    everyone = aggregate(scored, by="district", year=year).set_index("district_adcode")
    above = aggregate(scored, by="district", year=year, groups=("above_scale",)).set_index("district_adcode")
    city_all = aggregate(scored.assign(district_adcode=CITY_ADCODE), by="district", year=year)
    city_above = aggregate(scored.assign(district_adcode=CITY_ADCODE), by="district", year=year,
                           groups=("above_scale",))
    everyone = pd.concat([everyone, city_all.set_index("district_adcode")])
    above = pd.concat([above, city_above.set_index("district_adcode")])
    blocks = {}
    for adcode in [*DISTRICT_ADCODES, CITY_ADCODE]:
        row = everyone.loc[adcode] if adcode in everyone.index else None
        top = above.loc[adcode] if adcode in above.index else None
        blocks[adcode] = {
            "year": year,
            "enterprises": 0 if row is None else int(row["enterprises"]),
            "land_mu": _figure(None if row is None else row["land_mu"]),
            "tax_per_mu": _figure(None if row is None else row["tax_per_mu"]),
            "value_added_per_mu": _figure(None if row is None else row["value_added_per_mu"]),
            "above_scale_tax_per_mu": _figure(None if top is None else top["tax_per_mu"]),
            "above_scale_value_added_per_mu": _figure(None if top is None else top["value_added_per_mu"]),
            "classes": {c: 0 if row is None else int(row[f"count_{c}"]) for c in CLASSES},
            "classes_land_mu": {c: _figure(0.0 if row is None else row[f"land_mu_{c}"]) for c in CLASSES},
        }
    return blocks


def _figure(value) -> float | None:
    """亩 and 万元/亩 as exports print them: 2 decimals, None (never NaN) when unknown."""
    return None if value is None or pd.isna(value) else round(float(value), 2)
