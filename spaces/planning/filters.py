"""The explorer's filters (industry, district, level, plot status, year, inside selected parks) as pure functions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import geopandas as gpd
import pandas as pd

from spaces.geo.spatial import lies_within
from spaces.reference.targets import PLAN_END_YEAR, PLAN_START_YEAR
from spaces.reference.vocab import split_industries

MAP_LAYERS = ("parks", "communities", "plots", "factories")
YEAR_COLUMNS = {"parks": "established_year", "communities": "established_year", "factories": "certified_year"}
RECLAIMED_BEFORE_PLAN = "reclaimed_before_plan"


@dataclass(frozen=True)
class Filters:
    """What a planner has chosen; empty tuples mean "all"."""

    year: int = PLAN_END_YEAR
    industries: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    inside_parks: bool = False
    park_ids: tuple[str, ...] = field(default=())

    def describe(self) -> dict[str, str]:
        """Human-readable filter values, for export metadata."""
        return {key: (", ".join(value) if isinstance(value, tuple) else str(value)) or "all"
                for key, value in asdict(self).items()}

    def summary_line(self) -> str:
        """One line naming the year and every filter that is set, e.g. ``year 2025; industries 新材料``."""
        chosen = {k: v for k, v in self.describe().items() if v not in ("all", "False") and k != "year"}
        return "; ".join([f"year {self.year}", *(f"{k} {v}" for k, v in chosen.items())])


def industries_in(layers: dict[str, pd.DataFrame]) -> list[str]:
    """Every industry named by parks, communities or factories, sorted."""
    names: set[str] = set()
    for layer, column in (("parks", "industries"), ("communities", "industries"), ("factories", "industry")):
        frame = layers.get(layer)
        if frame is not None and column in frame.columns:
            for cell in frame[column].dropna():
                names.update(split_industries(cell))
    return sorted(names)


def _industry_mask(values: pd.Series, wanted: set[str]) -> pd.Series:
    return values.map(lambda cell: bool(wanted.intersection(split_industries(cell)))).astype(bool)


def status_as_of(plots: pd.DataFrame, year: int) -> pd.Series:
    """Plot status as it stood at the end of ``year``: a plot reclaimed later was still in progress.

    A plot reclaimed before the plan's first year (2022) is ``reclaimed_before_plan`` (计划前已盘活):
    the plan's totals count only 2022 to ``year``, so maps and exports must not draw it as reclaimed.

    Examples
    --------
    >>> plots = pd.DataFrame({"status": ["reclaimed"] * 3, "reclaimed_year": [2021, 2023, 2025]})
    >>> status_as_of(plots, 2024).tolist()
    ['reclaimed_before_plan', 'reclaimed', 'in_progress']
    """
    years = pd.to_numeric(plots["reclaimed_year"], errors="coerce")
    reclaimed = plots["status"] == "reclaimed"
    state = plots["status"].where(~(reclaimed & (years > year)), "in_progress")
    return state.where(~(reclaimed & (years < PLAN_START_YEAR)), RECLAIMED_BEFORE_PLAN)


def apply_filters(layers: dict[str, pd.DataFrame], filters: Filters) -> dict[str, pd.DataFrame]:
    """The map layers reduced to what ``filters`` select; other layers are passed through.

    Parks are filtered by industry, district, level and year, and optionally to ``park_ids``.
    Communities and factories by industry, district, (factories) level and year; plots by district
    and their status as of the year (column ``status_as_of``). With ``inside_parks``, communities,
    plots and factories are kept only where they lie in (or, for communities, belong to) the
    selected parks. Inputs are not changed.
    """
    out = dict(layers)
    wanted_industries = set(filters.industries)
    for name in MAP_LAYERS:
        frame = layers[name]
        mask = pd.Series(True, index=frame.index)
        if filters.districts:
            mask &= frame["district_adcode"].isin(filters.districts)
        if name in YEAR_COLUMNS:
            years = pd.to_numeric(frame[YEAR_COLUMNS[name]], errors="coerce")
            mask &= years.isna() | (years <= filters.year)
        if wanted_industries and name in ("parks", "communities"):
            mask &= _industry_mask(frame["industries"], wanted_industries)
        if wanted_industries and name == "factories":
            mask &= frame["industry"].isin(wanted_industries)
        if filters.levels and name in ("parks", "factories"):
            mask &= frame["level"].isin(filters.levels)
        if name == "parks" and filters.park_ids:
            mask &= frame["park_id"].isin(filters.park_ids)
        selected = frame.loc[mask.to_numpy()].copy()
        if name == "plots":
            selected["status_as_of"] = status_as_of(selected, filters.year)
            if filters.statuses:
                selected = selected.loc[selected["status_as_of"].isin(filters.statuses).to_numpy()]
        out[name] = selected
    if filters.inside_parks:
        out = _inside_parks(out)
    return out


def _inside_parks(layers: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    parks = layers["parks"]
    out = dict(layers)
    for name in ("communities", "plots", "factories"):
        frame = layers[name]
        if not len(frame):
            continue
        inside = lies_within(frame.geometry, parks.geometry.to_numpy())
        if name == "communities" and "park_id" in frame.columns:
            inside |= frame["park_id"].isin(parks["park_id"]).to_numpy()
        kept = frame.loc[inside]
        out[name] = gpd.GeoDataFrame(kept, geometry=kept.geometry.name, crs=frame.crs) if isinstance(
            frame, gpd.GeoDataFrame) else kept
    return out
