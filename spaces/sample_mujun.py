"""Simulated enterprises of the sample (亩均评价, 2021-2025): in parks and on low-efficiency plots, all invented.

The only anchor is a published figure: 规上工业亩均税收 of 43.2 万元/亩 citywide in 2018 (ningbo-facts.md §3a).
Each district's 规上 firms are scaled so that their Σ tax ÷ Σ land (and Σ value added ÷ Σ land) equals the sample's
simulated ``indicators`` of that district and year, so the two sources of the 亩均 targets tell the same story.
Firm names say 模拟 (simulated); credit codes are well-formed (GB 32100-2015) but invented.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spaces.geo.crs import STORAGE_CRS
from spaces.reference.credit_code import CHARACTERS, check_character

FIRMS = 2000
YEARS = range(2021, 2026)
GROUPS = ("above_scale", "below_scale_large", "below_scale_small", "leased")
GROUP_SHARES = (0.45, 0.30, 0.15, 0.10)
# Share of firms on the sample's pending / in-progress plots (weaker firms: the 整治 candidates).
ON_PLOTS = 0.35
SAMPLE_NOTE = "simulated (亩均评价 sample; not an official evaluation)"


def sample_enterprises(rng, *, parks: gpd.GeoDataFrame, plots: gpd.GeoDataFrame, plot_areas: np.ndarray,
                       indicators: pd.DataFrame, firms: int = FIRMS) -> gpd.GeoDataFrame:
    """``firms`` simulated firms × 2021-2025, in ``parks`` (a point each) or on ``plots`` (by ``plot_id``, no point)."""
    on_plot = rng.random(firms) < ON_PLOTS
    group = rng.choice(GROUPS, firms, p=GROUP_SHARES)
    occupied = np.flatnonzero((plots["status"] != "reclaimed").to_numpy())
    plot_at = rng.choice(occupied, firms, replace=False) if len(occupied) >= firms else rng.choice(occupied, firms)
    park_at = rng.integers(0, len(parks), firms)
    points = _points_in(rng, parks.geometry.to_numpy(), park_at)
    district = np.where(on_plot, plots["district_adcode"].to_numpy(dtype=object)[plot_at],
                        parks["district_adcode"].to_numpy(dtype=object)[park_at])
    land = {
        "above_scale": rng.lognormal(np.log(45), 0.7, firms),
        "below_scale_large": rng.uniform(3, 30, firms),
        "below_scale_small": rng.uniform(0.5, 2.99, firms),
        "leased": rng.uniform(1, 10, firms),
    }
    land_mu = np.select([group == g for g in GROUPS], [land[g] for g in GROUPS])
    land_mu = np.where(on_plot & (group != "below_scale_small"), np.clip(plot_areas[plot_at], 3, None), land_mu)
    # A firm's strength stays from year to year; firms on low-efficiency plots are weaker.
    strength = rng.lognormal(0, 0.75, firms) * np.where(on_plot, 0.45, 1.0)
    industries = parks["industries"].astype(str).str.split(";").str[0].to_numpy(dtype=object)[park_at]
    ids = [_credit_code(rng, d) for d in district]
    rows = []
    for year in YEARS:
        noise = rng.lognormal(0, 0.15, firms)
        tax = land_mu * 40 * strength * noise
        value_added = tax * rng.lognormal(np.log(3.2), 0.25, firms)
        energy = value_added / rng.lognormal(np.log(1.6), 0.5, firms)
        revenue = value_added * rng.uniform(3, 6, firms)
        rows.append(pd.DataFrame({
            "enterprise_id": ids, "name_zh": [f"模拟企业{n:04d}" for n in range(1, firms + 1)], "year": year,
            "group": group, "industry": industries, "district_adcode": district,
            "park_id": np.where(on_plot, None, parks["park_id"].to_numpy(dtype=object)[park_at]),
            "plot_id": np.where(on_plot, plots["plot_id"].to_numpy(dtype=object)[plot_at], None),
            "land_mu": np.round(land_mu, 2), "tax": tax, "value_added": value_added, "energy_tce": energy,
            "emissions": np.where((group == "above_scale") & (rng.random(firms) < 0.85),
                                  energy * rng.lognormal(np.log(0.02), 0.5, firms), np.nan),
            "employees": np.round(np.clip(land_mu * rng.lognormal(np.log(2.5), 0.5, firms), 3, None)),
            "rd_expense": np.where(group == "above_scale", revenue * rng.uniform(0, 0.05, firms), np.nan),
            "revenue": revenue,
            "electricity_mwh": tax / rng.lognormal(np.log(1.2), 0.4, firms),
            "geometry": np.where(on_plot, None, points),
        }))
    frame = pd.concat(rows, ignore_index=True)
    frame.loc[rng.random(len(frame)) < 0.01, "tax"] = np.nan  # a few firms not evaluated (T)
    frame = _match_indicators(frame, indicators)
    for column in ("tax", "value_added", "energy_tce", "emissions", "rd_expense", "revenue", "electricity_mwh"):
        frame[column] = frame[column].round(1)
    frame["year"] = pd.array(frame["year"], dtype="Int64")
    frame["grade"] = None
    frame["score"] = np.nan
    frame["note"] = SAMPLE_NOTE
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_CRS)


def _match_indicators(frame: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Scale every firm of a district and year so its 规上 Σ tax ÷ Σ land and Σ value added ÷ Σ land are the
    sample indicators' (the other groups move with them)."""
    targets = indicators.set_index(["district_adcode", "year"])
    above = frame["group"] == "above_scale"
    for column, target_column in (("tax", "tax_per_mu"), ("value_added", "value_added_per_mu")):
        reported = above & frame[column].notna()
        land = frame["land_mu"].where(reported, 0.0)
        sums = pd.DataFrame({"v": frame[column].where(reported, 0.0), "land": land}).groupby(
            [frame["district_adcode"], frame["year"]]).sum()
        wanted = targets[target_column].reindex(sums.index).to_numpy(dtype=float)
        factor = pd.Series(wanted * sums["land"].to_numpy() / sums["v"].to_numpy(), index=sums.index)
        keys = pd.MultiIndex.from_arrays([frame["district_adcode"], frame["year"]])
        frame[column] = frame[column] * factor.reindex(keys).fillna(1.0).to_numpy()
    return frame


def _points_in(rng, shapes: np.ndarray, which: np.ndarray) -> np.ndarray:
    """A random point inside ``shapes[i]`` for each ``i`` of ``which``."""
    out = np.empty(len(which), dtype=object)
    for index in np.unique(which):
        rows = np.flatnonzero(which == index)
        shape = shapes[index]
        x0, y0, x1, y1 = shape.bounds
        found: list = []
        while len(found) < len(rows):
            xs, ys = rng.uniform(x0, x1, 4 * len(rows)), rng.uniform(y0, y1, 4 * len(rows))
            inside = shapely.contains_xy(shape, xs, ys)
            found.extend(shapely.points(xs[inside], ys[inside]))
        out[rows] = found[:len(rows)]
    return out


def _credit_code(rng, adcode: str) -> str:
    """An invented but well-formed 统一社会信用代码: 91 (企业), the district's code, 9 random characters, check."""
    body = "91" + adcode + "".join(rng.choice(list(CHARACTERS), 9))
    return body + check_character(body)
