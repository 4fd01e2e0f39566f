"""The attainment engine: each target's actual value, target, attainment and status, per district and city."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from spaces.errors import YearError
from spaces.reference.districts import CITY_ADCODE, DISTRICT_ADCODES, district_names
from spaces.reference.targets import BASELINE_YEAR, PLAN_END_YEAR, PLAN_START_YEAR, Target, load_targets

STATUSES = ("met", "on_track", "behind")
ETDZ_ADCODE = "330206"  # 宁波经开区 covers all of 北仑区: its rank may be filed under either code
ALL_ADCODES = (*DISTRICT_ADCODES, CITY_ADCODE)


def elapsed_share(year: int) -> float:
    """Share of the 2022–2026 plan period elapsed by the end of ``year`` (时间过半任务过半).

    Examples
    --------
    >>> elapsed_share(2024)
    0.6
    """
    check_year(year)
    return (year - PLAN_START_YEAR + 1) / (PLAN_END_YEAR - PLAN_START_YEAR + 1)


def check_year(year: int) -> None:
    if not PLAN_START_YEAR <= year <= PLAN_END_YEAR:
        raise YearError(f"year must be between {PLAN_START_YEAR} and {PLAN_END_YEAR}, got {year}")


def _matches(frame: pd.DataFrame, where: dict) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, wanted in where.items():
        values = frame[column] if column in frame.columns else pd.Series(None, index=frame.index, dtype=object)
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


def _count_stock(target: Target, layers: dict[str, pd.DataFrame], year: int) -> pd.Series:
    frame = layers[target.layer]
    years = pd.to_numeric(frame[target.year_column], errors="coerce")
    counted = _matches(frame, target.where) & (years.isna() | (years <= year))
    return _per_district(counted.astype(float), frame["district_adcode"])


def _area_flow(target: Target, layers: dict[str, pd.DataFrame], year: int) -> pd.Series:
    frame = layers[target.layer]
    years = pd.to_numeric(frame[target.year_column], errors="coerce")
    counted = _matches(frame, target.where) & years.between(PLAN_START_YEAR, year)
    return _per_district(frame["area_mu"].where(counted, 0.0).fillna(0.0), frame["district_adcode"])


def _indicator_matrix(layers: dict[str, pd.DataFrame], column: str) -> pd.DataFrame:
    """Years × adcodes of one indicator column (NaN where nothing was reported)."""
    table = layers["indicators"]
    values = pd.to_numeric(table[column], errors="coerce") if column in table.columns else pd.Series(dtype=float)
    frame = pd.DataFrame({"adcode": table["district_adcode"], "year": pd.to_numeric(table["year"]), "v": values})
    frame = frame.dropna(subset=["v"])
    matrix = frame.pivot_table(index="year", columns="adcode", values="v", aggfunc="last")
    return matrix.reindex(columns=list(ALL_ADCODES))


def _indicator_flow(target: Target, layers: dict[str, pd.DataFrame], year: int) -> pd.Series:
    matrix = _indicator_matrix(layers, target.column)
    window = matrix.loc[(matrix.index >= PLAN_START_YEAR) & (matrix.index <= year)]
    districts = window[list(DISTRICT_ADCODES)]
    result = districts.sum(min_count=1)
    # A city row for a year overrides the sum of that year's district rows (a city-wide count
    # may include enterprises no district reported); years without one use the district sum.
    per_year_city = window[CITY_ADCODE].where(window[CITY_ADCODE].notna(), districts.sum(axis=1, min_count=1))
    result[CITY_ADCODE] = per_year_city.sum(min_count=1)
    return result


def _latest(series: pd.Series, year: int, *, after: int) -> float:
    known = series.dropna()
    known = known[(known.index > after) & (known.index <= year)]
    return float(known.iloc[-1]) if len(known) else np.nan


def _indicator_growth(target: Target, layers: dict[str, pd.DataFrame], year: int) -> pd.Series:
    # Ratios cannot be summed: the city value comes from city rows (330200) only.
    matrix = _indicator_matrix(layers, target.column)
    result = {}
    for adcode in ALL_ADCODES:
        series = matrix[adcode]
        base = series.get(BASELINE_YEAR, np.nan)
        latest = _latest(series, year, after=BASELINE_YEAR)
        result[adcode] = (latest / base - 1.0) * 100.0 if base and np.isfinite(base) and base > 0 else np.nan
    return pd.Series(result, dtype=float)


def _indicator_latest(target: Target, layers: dict[str, pd.DataFrame], year: int) -> pd.Series:
    matrix = _indicator_matrix(layers, target.column)
    city = matrix[CITY_ADCODE].combine_first(matrix[ETDZ_ADCODE])
    result = pd.Series(np.nan, index=list(ALL_ADCODES), dtype=float)
    result[CITY_ADCODE] = _latest(city, year, after=0)
    return result


MEASURES: dict[str, Callable[[Target, dict[str, pd.DataFrame], int], pd.Series]] = {
    "count_stock": _count_stock,
    "area_flow": _area_flow,
    "indicator_flow": _indicator_flow,
    "indicator_growth": _indicator_growth,
    "indicator_latest": _indicator_latest,
}


def _status(actual: pd.Series, target: pd.Series, attainment: pd.Series, share: float,
            lower_is_better: bool) -> pd.Series:
    status = pd.Series(None, index=actual.index, dtype=object)
    known = actual.notna() & target.notna()
    met = actual >= target if not lower_is_better else actual <= target
    status[known & (attainment >= share)] = "on_track"
    status[known & met] = "met"
    status[known & status.isna()] = "behind"
    return status


def compute_attainment(layers: dict[str, pd.DataFrame], allocations: pd.DataFrame, *, year: int) -> pd.DataFrame:
    """Actual, target, attainment and status of every target for every district and the city.

    Parameters
    ----------
    layers
        The store's layers (``parks``, ``communities``, ``plots``, ``factories``, ``indicators``).
    allocations
        District targets: ``district_adcode, target_key, target``. City targets come from the plan.
    year
        The year the figures are for, 2022–2026.

    Returns
    -------
    DataFrame
        One row per (adcode, key): ``adcode, district, district_en, key, actual, target, attainment,
        status``; districts in adcode order, then the city (330200). ``actual`` is NaN where the data
        say nothing; ``attainment`` is actual / target (target / actual when lower is better) and NaN
        when either is missing or the target is 0.
    """
    share = elapsed_share(year)
    names = district_names().set_index("adcode")
    allocation = allocations.set_index(["district_adcode", "target_key"])["target"].astype(float)
    frames = []
    for target in load_targets().values():
        actual = MEASURES[target.measure](target, layers, year).reindex(list(ALL_ADCODES))
        goal = pd.Series(np.nan, index=list(ALL_ADCODES), dtype=float)
        goal[CITY_ADCODE] = float(target.target)
        if target.scope == "district":
            for adcode in DISTRICT_ADCODES:
                goal[adcode] = allocation.get((adcode, target.key), np.nan)
        else:
            actual[list(DISTRICT_ADCODES)] = np.nan
        safe_goal = goal.where(goal != 0)
        if target.lower_is_better:
            attainment = safe_goal / actual.where(actual > 0)
        else:
            attainment = actual / safe_goal
        status = _status(actual, goal, attainment, share, target.lower_is_better)
        frames.append(pd.DataFrame({
            "adcode": list(ALL_ADCODES),
            "district": names.loc[list(ALL_ADCODES), "name_zh"].to_numpy(),
            "district_en": names.loc[list(ALL_ADCODES), "name_en"].to_numpy(),
            "key": target.key,
            "actual": actual.to_numpy(),
            "target": goal.to_numpy(),
            "attainment": attainment.to_numpy(),
            "status": status.to_numpy(),
        }))
    result = pd.concat(frames, ignore_index=True)
    result["status"] = result["status"].astype(object).where(result["status"].notna(), None)
    return result


def ranking(long: pd.DataFrame) -> pd.DataFrame:
    """Districts ranked by targets met, then on track, then mean attainment (each capped at 100%).

    Returns ``adcode, district, met, on_track, behind, mean_attainment, rank``; the city row is left out.
    """
    districts = long.loc[long["adcode"] != CITY_ADCODE]
    counts = districts.pivot_table(index=["adcode", "district"], columns="status", values="key",
                                   aggfunc="count", fill_value=0).reindex(columns=list(STATUSES), fill_value=0)
    mean = districts.assign(capped=districts["attainment"].clip(upper=1.0)).groupby(["adcode", "district"])["capped"].mean()
    table = counts.join(mean.rename("mean_attainment")).reset_index()
    table = table.sort_values(["met", "on_track", "mean_attainment"], ascending=False, kind="stable")
    table["rank"] = range(1, len(table) + 1)
    return table.reset_index(drop=True)


def actual_by_year(layers: dict[str, pd.DataFrame], *, adcode: str, years: range) -> pd.DataFrame:
    """The actual value of every target for one district (or the city) in each of ``years``.

    Years before 2022 are allowed here (a 2021 value shows the starting point of stocks).
    Returns ``year, key, actual``.
    """
    rows = []
    for target in load_targets().values():
        for year in years:
            value = MEASURES[target.measure](target, layers, year).get(adcode, np.nan)
            rows.append({"year": year, "key": target.key, "actual": value})
    return pd.DataFrame(rows)
