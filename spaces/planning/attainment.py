"""The attainment engine: each target's actual value, baseline, progress, pace and status, per district and city."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from spaces.reference.districts import CITY_ADCODE, DISTRICT_ADCODES, district_names
from spaces.reference.schema import load_schemas
from spaces.reference.targets import BASELINE_YEAR, PLAN_START_YEAR, Target, load_targets

from .calendar import check_year, elapsed_share, is_provisional
from .mujun_aggregates import per_mu_by_year
from .pace import judge

# The enterprises column summed over land for each 亩均 indicator column.
RATIOS_BY_TARGET = {"tax_per_mu": "tax", "value_added_per_mu": "value_added"}

__all__ = ["ALL_ADCODES", "ATTAINMENT_STATUSES", "actual_by_year", "check_year", "compute_attainment", "elapsed_share"]

ATTAINMENT_STATUSES = ("met", "on_track", "behind")
ETDZ_ADCODE = "330206"  # 宁波经开区 covers all of 北仑区: its rank may be filed under either code
ALL_ADCODES = (*DISTRICT_ADCODES, CITY_ADCODE)


@dataclass(frozen=True)
class Measured:
    """One target measured for every adcode: the value at Y, its 2021 baseline and the data year used."""

    actual: pd.Series
    baseline: pd.Series
    as_of: pd.Series  # the latest year the actual value rests on (NaN where there is no value)
    source: pd.Series | None = None  # per adcode, the layer a 亩均 figure comes from (enterprises / indicators)


def _matches(frame: pd.DataFrame, where: dict, layer: str) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    columns = load_schemas()[layer].columns
    for column, wanted in where.items():
        values = frame[column] if column in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        empty_means = columns[column].empty_means if column in columns else None
        if empty_means is not None:
            values = values.astype(object).where(values.notna(), empty_means)
        if isinstance(wanted, list):
            mask &= values.isin(wanted)
        elif isinstance(wanted, bool):
            mask &= values.fillna(False).astype(bool) == wanted
        else:
            mask &= values == wanted
    return mask.fillna(False).astype(bool)


def _per_district(values: pd.Series, adcodes: pd.Series) -> pd.Series:
    """Sum ``values`` by district: every district appears, with 0 where it has no rows."""
    summed = values.groupby(adcodes.to_numpy()).sum()
    per_district = summed.reindex(list(DISTRICT_ADCODES), fill_value=0).astype(float)
    return pd.concat([per_district, pd.Series({CITY_ADCODE: float(values.sum())})])


def _nothing() -> pd.Series:
    return pd.Series(np.nan, index=list(ALL_ADCODES), dtype=float)


def _everywhere(value: float) -> pd.Series:
    return pd.Series(value, index=list(ALL_ADCODES), dtype=float)


def _stock(frame: pd.DataFrame, held: pd.Series, years: pd.Series, year: int) -> Measured:
    # A layer with no rows at all says nothing (null); one with rows but none in a district says 0.
    if not len(frame):
        return Measured(_nothing(), _nothing(), _nothing())
    # An unknown year cannot be placed in the plan period: it counts as held before the plan.
    actual = _per_district((held & (years.isna() | (years <= year))).astype(float), frame["district_adcode"])
    baseline = _per_district((held & (years.isna() | (years <= BASELINE_YEAR))).astype(float),
                             frame["district_adcode"])
    return Measured(actual, baseline, _everywhere(year))


def _years(frame: pd.DataFrame, column: str) -> pd.Series:
    """A year column as floats (NaN where unknown, or everywhere when the layer has no such column)."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def _count_stock(target: Target, layers: dict[str, pd.DataFrame], year: int) -> Measured:
    frame = layers[target.layer]
    return _stock(frame, _matches(frame, target.where, target.layer), _years(frame, target.year_column), year)


def _level_stock(target: Target, layers: dict[str, pd.DataFrame], year: int) -> Measured:
    """Factories holding a level: a factory promoted from municipal to national still holds municipal."""
    frame = layers[target.layer]
    level = target.held_level
    years = _years(frame, f"{level}_year")
    current = frame["level"] if "level" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    held = years.notna() | (current == level).fillna(False)
    return _stock(frame, held.astype(bool), years, year)


def _area_flow(target: Target, layers: dict[str, pd.DataFrame], year: int) -> Measured:
    frame = layers[target.layer]
    if not len(frame):
        return Measured(_nothing(), _nothing(), _nothing())
    years = _years(frame, target.year_column)
    counted = _matches(frame, target.where, target.layer) & years.between(PLAN_START_YEAR, year)
    actual = _per_district(frame["area_mu"].where(counted, 0.0).fillna(0.0), frame["district_adcode"])
    return Measured(actual, _everywhere(0.0), _everywhere(year))


def _indicator_matrix(layers: dict[str, pd.DataFrame], column: str) -> pd.DataFrame:
    """Years × adcodes of one indicator column (NaN where nothing was reported)."""
    table = layers["indicators"]
    values = pd.to_numeric(table[column], errors="coerce") if column in table.columns else pd.Series(dtype=float)
    frame = pd.DataFrame({"adcode": table["district_adcode"], "year": pd.to_numeric(table["year"]), "v": values})
    frame = frame.dropna(subset=["v"])
    matrix = frame.pivot_table(index="year", columns="adcode", values="v", aggfunc="last")
    return matrix.reindex(columns=list(ALL_ADCODES))


def _complete_run(series: pd.Series, year: int) -> int | None:
    """The last year Z of 2022..``year`` such that every year 2022..Z is reported (None when 2022 is not)."""
    last = None
    for candidate in range(PLAN_START_YEAR, year + 1):
        if pd.isna(series.get(candidate, np.nan)):
            break
        last = candidate
    return last


def _indicator_flow(target: Target, layers: dict[str, pd.DataFrame], year: int) -> Measured:
    matrix = _indicator_matrix(layers, target.column)
    districts = matrix[list(DISTRICT_ADCODES)]
    # A city row for a year overrides the sum of that year's district rows (a city-wide count
    # may include enterprises no district reported); years without one use the district sum.
    by_year = districts.copy()
    by_year[CITY_ADCODE] = matrix[CITY_ADCODE].where(matrix[CITY_ADCODE].notna(),
                                                     districts.sum(axis=1, min_count=1))
    actual, as_of = _nothing(), _nothing()
    for adcode in ALL_ADCODES:
        series = by_year[adcode]
        # A missing year is never read as 0: the flow is judged at the last year of an unbroken run.
        last = _complete_run(series, year)
        if last is not None:
            actual[adcode] = float(series.loc[PLAN_START_YEAR:last].sum())
            as_of[adcode] = last
    return Measured(actual, _everywhere(0.0), as_of)


def _latest(series: pd.Series, year: int, *, after: int) -> tuple[float, float]:
    known = series.dropna()
    known = known[(known.index > after) & (known.index <= year)]
    return (float(known.iloc[-1]), float(known.index[-1])) if len(known) else (np.nan, np.nan)


def _indicator_growth(target: Target, layers: dict[str, pd.DataFrame], year: int) -> Measured:
    """Growth from 2021 to ``year`` (or the latest year before it). A 亩均 target comes from the enterprises
    layer (Σ tax ÷ Σ land of its group's firms) for a district whose firms cover 2021 and a year in 2022..``year``,
    from ``indicators`` otherwise; the city from firms only where all ten districts do (ratios are not summed:
    otherwise the city rows, 330200)."""
    matrix = _indicator_matrix(layers, target.column)
    firms = None
    if target.enterprise_group is not None:
        firms = per_mu_by_year(layers.get("enterprises"), column=RATIOS_BY_TARGET[target.column],
                               groups=(target.enterprise_group,))
    actual, as_of = _nothing(), _nothing()
    source = pd.Series(None, index=list(ALL_ADCODES), dtype=object)
    for adcode in ALL_ADCODES:
        found = {name: _growth(table[adcode], year) for name, table in (("enterprises", firms), ("indicators", matrix))
                 if table is not None and adcode in table.columns}
        found = {name: value for name, value in found.items() if value is not None}
        # Firms stand where they reach as recent a year as the indicators do (a stale firm figure does not
        # replace a newer typed one).
        if "enterprises" in found and found.get("indicators", (0, -1))[1] <= found["enterprises"][1]:
            name = "enterprises"
        else:
            name = "indicators" if "indicators" in found else None
        if name is not None:
            actual[adcode], as_of[adcode] = found[name]
            source[adcode] = name
    return Measured(actual, _everywhere(0.0), as_of, source)


def _growth(series: pd.Series, year: int) -> tuple[float, float] | None:
    """% change from the 2021 value to the latest one in 2022..``year``, and that year; None without both."""
    base = series.get(BASELINE_YEAR, np.nan)
    latest, latest_year = _latest(series, year, after=BASELINE_YEAR)
    if np.isfinite(base) and base > 0 and np.isfinite(latest):
        return (latest / base - 1.0) * 100.0, latest_year
    return None


def _indicator_latest(target: Target, layers: dict[str, pd.DataFrame], year: int) -> Measured:
    matrix = _indicator_matrix(layers, target.column)
    city = matrix[CITY_ADCODE].combine_first(matrix[ETDZ_ADCODE])
    actual, baseline, as_of = _nothing(), _nothing(), _nothing()
    # A rank stands until the next assessment: the 2021 rank is the value of 2022 until one is filed.
    actual[CITY_ADCODE], as_of[CITY_ADCODE] = _latest(city, year, after=0)
    baseline[CITY_ADCODE] = city.get(BASELINE_YEAR, np.nan)
    return Measured(actual, baseline, as_of)


MEASURES: dict[str, Callable[[Target, dict[str, pd.DataFrame], int], Measured]] = {
    "count_stock": _count_stock,
    "level_stock": _level_stock,
    "area_flow": _area_flow,
    "indicator_flow": _indicator_flow,
    "indicator_growth": _indicator_growth,
    "indicator_latest": _indicator_latest,
}


def _goals(target: Target, allocation: pd.Series) -> pd.Series:
    goal = _nothing()
    goal[CITY_ADCODE] = float(target.target)
    if target.scope == "district":
        for adcode in DISTRICT_ADCODES:
            goal[adcode] = allocation.get((adcode, target.key), np.nan)
    return goal


def _annual_tasks(target: Target, allocations: pd.DataFrame, year: int) -> pd.Series:
    """Each district's annual task (分年度目标) of ``target`` for ``year``: column ``task_<year>`` of its
    allocation row; NaN where it has none (and for the city, whose plan sets only 2026)."""
    tasks = _nothing()
    column = f"task_{year}"
    if target.scope != "district" or column not in allocations.columns:
        return tasks
    rows = allocations.loc[allocations["target_key"] == target.key]
    values = pd.to_numeric(rows[column], errors="coerce").astype(float)
    for adcode, value in zip(rows["district_adcode"], values, strict=True):
        if adcode in tasks.index:
            tasks[adcode] = value
    return tasks


def compute_attainment(layers: dict[str, pd.DataFrame], allocations: pd.DataFrame, *, year: int,
                       today: date | None = None) -> pd.DataFrame:
    """Actual, baseline, progress, pace, status and projection of every target, per district and the city.

    Parameters
    ----------
    layers
        The store's layers (``parks``, ``communities``, ``plots``, ``factories``, ``indicators``).
    allocations
        District targets: ``district_adcode, target_key, target``, and optional annual tasks (分年度目标)
        ``task_2022`` … ``task_2025``. City targets come from the plan.
    year
        The year the figures are for, 2022–2026.
    today
        The date the figures are read on: a year still running is paced by the part of it gone by, and a
        year whose statistics are not final is marked provisional. None: every year is taken as over.

    Returns
    -------
    DataFrame
        One row per (adcode, key), districts in adcode order then the city (330200): ``adcode, district,
        district_en, key, actual, target, attainment, status`` (as before: ``attainment`` is actual / target,
        target / actual for a rank, NaN when either is missing or the target is 0), then ``baseline``
        (2021), ``progress`` (share of the way from baseline to target), ``expected`` (share of the plan
        elapsed at ``as_of``), ``as_of`` (the data year used), ``stale`` (``as_of`` before ``year``),
        ``projected_2026`` and ``projected_progress`` (where the pace so far lands in 2026),
        ``provisional`` (``year``'s statistics are not final), ``annual_task`` (the district's task for
        ``year`` where it has one: its status is judged against it). ``actual`` is NaN where the data say
        nothing.
    """
    check_year(year)
    names = district_names().set_index("adcode")
    allocation = allocations.set_index(["district_adcode", "target_key"])["target"].astype(float)
    provisional = today is not None and is_provisional(year, today=today)
    frames = []
    for target in load_targets().values():
        measured = MEASURES[target.measure](target, layers, year)
        goal = _goals(target, allocation)
        actual, baseline, as_of = (s.reindex(list(ALL_ADCODES)) for s in
                                   (measured.actual, measured.baseline, measured.as_of))
        if target.scope == "city":
            actual[list(DISTRICT_ADCODES)] = np.nan
        # An annual task judges the year it is set for; a figure carried from an older year is paced by time.
        annual_task = _annual_tasks(target, allocations, year).where(as_of == year)
        judged = judge(target, actual=actual, baseline=baseline, goal=goal, as_of=as_of, year=year, today=today,
                       annual_task=annual_task)
        safe_goal = goal.where(goal != 0)
        attainment = safe_goal / actual.where(actual > 0) if target.lower_is_better else actual / safe_goal
        frames.append(pd.DataFrame({
            "adcode": list(ALL_ADCODES),
            "district": names.loc[list(ALL_ADCODES), "name_zh"].to_numpy(),
            "district_en": names.loc[list(ALL_ADCODES), "name_en"].to_numpy(),
            "key": target.key,
            "actual": actual.to_numpy(),
            "target": goal.to_numpy(),
            "attainment": attainment.to_numpy(),
            "status": judged["status"].to_numpy(),
            "baseline": baseline.where(actual.notna()).to_numpy(),
            "progress": judged["progress"].to_numpy(),
            "expected": judged["expected"].to_numpy(),
            "as_of": as_of.to_numpy(),
            "stale": (as_of < year).to_numpy(),
            "projected_2026": judged["projected_2026"].to_numpy(),
            "projected_progress": judged["projected_progress"].to_numpy(),
            "provisional": provisional,
            "annual_task": annual_task.to_numpy(),
            "source": (measured.source.reindex(list(ALL_ADCODES)).to_numpy() if measured.source is not None
                       else None),
        }))
    result = pd.concat(frames, ignore_index=True)
    for column in ("status", "source"):
        result[column] = result[column].astype(object).where(result[column].notna(), None)
    return result


def actual_by_year(layers: dict[str, pd.DataFrame], *, adcode: str, years: range) -> pd.DataFrame:
    """The actual value of every target for one district (or the city) in each of ``years``.

    Years before 2022 are allowed here (a 2021 value shows the starting point of stocks).
    Returns ``year, key, actual, as_of`` (the data year the value rests on: earlier than ``year`` where an
    indicator was not reported for it and its last value stands).
    """
    rows = []
    for target in load_targets().values():
        for year in years:
            measured = MEASURES[target.measure](target, layers, year)
            rows.append({"year": year, "key": target.key, "actual": measured.actual.get(adcode, np.nan),
                         "as_of": measured.as_of.get(adcode, np.nan)})
    return pd.DataFrame(rows)
