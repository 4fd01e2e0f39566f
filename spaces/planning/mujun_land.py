"""From D class to land: the D-class firms of a district or park, their 亩, and the plots they sit on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .mujun import score_enterprises
from .mujun_aggregates import firm_locations

D_CLASS = "D"
D_LAND_COLUMNS = ("enterprise_id", "name_zh", "year", "district_adcode", "park_id", "group", "industry", "land_mu",
                  "tax_per_mu", "value_added_per_mu", "score", "class_computed", "class_official", "class",
                  "plot_id", "plot_found_by", "plot_status", "plot_area_mu", "lon", "lat")


def d_class_land(layers: dict[str, pd.DataFrame], *, year: int, district: str | None = None,
                 park_id: str | None = None, scored: pd.DataFrame | None = None, method=None) -> pd.DataFrame:
    """The D-class firms (``class``: the official class where given) of ``year`` in ``district`` and/or
    ``park_id`` (all when None), largest land first, each with the plot it sits on: the one its ``plot_id``
    names (``plot_found_by`` = ``plot_id``), else the plot its point lies in (``location``), else none; with the
    plot's status and area. ``scored``: the firms already scored (else scored here with ``method``)."""
    enterprises = layers.get("enterprises")
    if enterprises is None or not len(enterprises):
        return pd.DataFrame(columns=list(D_LAND_COLUMNS))
    scored = score_enterprises(enterprises, method) if scored is None else scored
    keep = (pd.to_numeric(scored["year"]) == year) & (scored["class"] == D_CLASS)
    if district is not None:
        keep &= scored["district_adcode"] == district
    if park_id is not None:
        keep &= scored["park_id"] == park_id
    firms = scored.loc[keep.fillna(False).to_numpy(dtype=bool)].copy()
    plots = layers.get("plots")
    points = firm_locations(firms, plots)
    firms["lon"], firms["lat"] = points.x.round(6), points.y.round(6)
    given = firms["plot_id"].astype(object).where(firms["plot_id"].notna(), None) if "plot_id" in firms else \
        pd.Series(None, index=firms.index, dtype=object)
    known = set(plots["plot_id"].astype(str)) if plots is not None and len(plots) else set()
    by_id = given.map(lambda v: v if v is not None and str(v) in known else None)
    by_location = _plot_at(points, plots)
    found_by = np.where(by_id.notna(), "plot_id", np.where(by_location.notna(), "location", ""))
    firms["plot_found_by"] = pd.Series(found_by, index=firms.index, dtype=object).replace("", None)
    firms["plot_id"] = by_id.where(by_id.notna(), by_location)
    firms["plot_id"] = firms["plot_id"].astype(object).where(firms["plot_id"].notna(), None)
    if plots is not None and len(plots):
        facts = plots.drop_duplicates("plot_id").set_index(plots["plot_id"].drop_duplicates().astype(str))
        firms["plot_status"] = firms["plot_id"].map(lambda v: None if v is None else facts["status"].get(str(v)))
        firms["plot_area_mu"] = firms["plot_id"].map(lambda v: np.nan if v is None else facts["area_mu"].get(str(v)))
    else:
        firms["plot_status"], firms["plot_area_mu"] = None, np.nan
    for column in D_LAND_COLUMNS:
        if column not in firms.columns:
            firms[column] = None
    table = pd.DataFrame(firms[list(D_LAND_COLUMNS)]).sort_values(["land_mu", "enterprise_id"], ascending=[False, True])
    return table.reset_index(drop=True)


def d_land_totals(table: pd.DataFrame) -> dict:
    """What 整治 of the listed D-class firms would touch: firms, their 亩, the plots they sit on and the 亩 of
    those plots (a plot counted once), and the firms on no known plot."""
    plots = table.dropna(subset=["plot_id"]).drop_duplicates("plot_id")
    return {"firms": int(len(table)), "land_mu": round(float(table["land_mu"].sum()), 2),
            "plots": int(len(plots)), "plots_area_mu": round(float(plots["plot_area_mu"].sum()), 2),
            "firms_without_plot": int(table["plot_id"].isna().sum())}


def _plot_at(points, plots: pd.DataFrame | None) -> pd.Series:
    found = pd.Series(None, index=points.index, dtype=object)
    present = ~(points.isna() | points.is_empty)
    if plots is None or not len(plots) or not present.any():
        return found
    tree = shapely.STRtree(plots.geometry.to_numpy())
    point_at, plot_at = tree.query(points[present].to_numpy(), predicate="within")
    first = pd.Series(plot_at).groupby(point_at).first()
    positions = np.flatnonzero(present.to_numpy())[first.index.to_numpy()]
    found.iloc[positions] = plots["plot_id"].astype(object).to_numpy()[first.to_numpy()]
    return found
