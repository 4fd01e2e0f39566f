"""Progress against the pace of the plan: status, expected share, projection to 2026 and the district score."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from spaces.reference.districts import CITY_ADCODE
from spaces.reference.targets import BASELINE_YEAR, PLAN_END_YEAR, Target, load_schedule

from .calendar import elapsed_share

SCORE_CAP = 1.5  # a target far ahead of pace cannot make up for more than half a target behind
PRECISION = 3  # progress and pace are compared as shown: to a tenth of a percent


def displayed(values: pd.Series, target: Target) -> pd.Series:
    """Values rounded as they are printed (one decimal for 亩 and %, whole numbers otherwise), so that a
    figure shown as 40.0% is judged as 40.0%, not as 39.99999999999999%.

    Examples
    --------
    >>> from spaces.reference.targets import load_targets
    >>> displayed(pd.Series([39.99999999999999]), load_targets()["tax_per_mu_growth_pct"]).tolist()
    [40.0]
    """
    decimals = 1 if target.unit_en in ("mu", "%") else 0
    return values.astype(float).round(decimals)


def share_at(as_of: pd.Series, *, today: date | None) -> pd.Series:
    """The share of the plan elapsed at the end of each data year (0 for 2021, NaN where unknown)."""
    def one(year: float) -> float:
        if not np.isfinite(year):
            return np.nan
        year = int(year)
        if year <= BASELINE_YEAR:
            return 0.0
        return elapsed_share(min(year, PLAN_END_YEAR), today=today)
    return as_of.astype(float).map(one)


def progress_of(target: Target, value: pd.Series, baseline: pd.Series, goal: pd.Series) -> pd.Series:
    """The share of the way from the 2021 baseline to the goal that ``value`` has covered.

    Stocks and flows: ``(value − baseline) / (goal − baseline)``. Growth: compound, ``ln(1 + g) / ln(1 + G)``,
    so a steady yearly rate that reaches the goal in 2026 is exactly on pace. A rank: from the 2021 rank
    towards the goal (NaN without a 2021 rank). NaN where the baseline is already at the goal.

    Examples
    --------
    >>> from spaces.reference.targets import load_targets
    >>> growth = load_targets()["tax_per_mu_growth_pct"]
    >>> steady = (1.4 ** (3 / 5) - 1) * 100  # three years of a steady path to +40% in 2026
    >>> progress_of(growth, pd.Series([steady]), pd.Series([0.0]), pd.Series([40.0])).round(6).tolist()
    [0.6]
    """
    value, baseline, goal = (s.astype(float) for s in (value, baseline, goal))
    if target.kind == "growth":
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.log1p(value / 100.0) / np.log1p(goal / 100.0)
        ratio = ratio.where(value > -100.0, -np.inf)
        return ratio.where(goal > 0)
    span = baseline - goal if target.lower_is_better else goal - baseline
    covered = baseline - value if target.lower_is_better else value - baseline
    return (covered / span).where(span > 0)


def plan_share(year: int) -> float:
    """The share of the plan (2021 baseline to 2026) a year's end stands for: 0 for 2021, 1 for 2026.

    Examples
    --------
    >>> plan_share(2021), plan_share(2024), plan_share(2026)
    (0.0, 0.6, 1.0)
    """
    return (year - BASELINE_YEAR) / (PLAN_END_YEAR - BASELINE_YEAR)


def pace_value(target: Target, *, baseline: float, goal: float, share: float) -> float:
    """The value on the pace line at ``share`` of the plan: what :func:`progress_of` reads as exactly on pace.

    Straight from the baseline to the goal for stocks, flows and ranks; compound for growth (a steady yearly
    rate that reaches the goal in 2026), which starts from 0.

    Examples
    --------
    >>> from spaces.reference.targets import load_targets
    >>> targets = load_targets()
    >>> pace_value(targets["reclaimed_land_mu"], baseline=0.0, goal=50_000.0, share=0.6)
    30000.0
    >>> round(pace_value(targets["tax_per_mu_growth_pct"], baseline=0.0, goal=40.0, share=0.6), 2)
    22.37
    """
    if target.kind == "growth":
        return ((1 + goal / 100.0) ** share - 1) * 100.0
    return baseline + (goal - baseline) * share


def _met(target: Target, actual: pd.Series, baseline: pd.Series, goal: pd.Series) -> pd.Series:
    if target.lower_is_better:
        return actual <= goal
    threshold = goal * (1 - load_schedule().about_band) if target.about else goal
    reached = actual >= threshold
    if target.kind != "growth":
        reached |= baseline >= goal  # a baseline already at the target is met
    return reached | (goal == 0)


def judge(target: Target, *, actual: pd.Series, baseline: pd.Series, goal: pd.Series, as_of: pd.Series,
          year: int, today: date | None, annual_task: pd.Series | None = None) -> pd.DataFrame:
    """Status, progress, expected share and the projection to 2026 of one target for every adcode.

    ``met`` when the target is reached (an "about" target inside its band), ``on_track`` when progress is at
    least the expected share, else ``behind``; None where actual or goal is unknown. The expected share is
    the share of the plan elapsed at the data year, or, where a district has an annual task (分年度目标) for
    that year, the share of the way from its baseline to its goal that the task stands for. Figures are
    compared as printed.
    """
    shown_actual, shown_baseline = displayed(actual, target), displayed(baseline, target)
    known = actual.notna() & goal.notna()
    progress = progress_of(target, shown_actual, shown_baseline, goal)
    time_share = share_at(as_of, today=today)
    expected = time_share
    if annual_task is not None:
        tasked = progress_of(target, annual_task, shown_baseline, goal)
        expected = tasked.where(annual_task.notna() & tasked.notna(), time_share)
    met = _met(target, shown_actual, shown_baseline, goal)
    on_pace = progress.round(PRECISION) >= expected.round(PRECISION)
    status = pd.Series(None, index=actual.index, dtype=object)
    status[known] = "behind"
    status[known & on_pace.fillna(False)] = "on_track"
    status[known & met.fillna(False)] = "met"
    projected = project(target, actual=actual, baseline=baseline, share=time_share)
    return pd.DataFrame({
        "status": status,
        "progress": progress.where(known),
        "expected": expected.where(known),
        "projected_2026": projected.where(known),
        "projected_progress": progress_of(target, projected, baseline, goal).where(known),
    })


def project(target: Target, *, actual: pd.Series, baseline: pd.Series, share: pd.Series) -> pd.Series:
    """Where 2026 lands at the pace so far: linear from the baseline for counts, flows and ranks,
    compound for growth. NaN before any year of the plan has data.

    Examples
    --------
    >>> from spaces.reference.targets import load_targets
    >>> land = load_targets()["reclaimed_land_mu"]
    >>> project(land, actual=pd.Series([24_000.0]), baseline=pd.Series([0.0]), share=pd.Series([0.6])).tolist()
    [40000.0]
    """
    share = share.where(share > 0)
    if target.kind == "growth":
        with np.errstate(invalid="ignore"):
            return ((1 + actual / 100.0) ** (1 / share) - 1) * 100.0
    projected = baseline + (actual - baseline) / share
    if target.lower_is_better:
        projected = projected.clip(lower=1)
    return projected


def district_scores(long: pd.DataFrame) -> pd.DataFrame:
    """Each district's score: the mean of min(progress / expected, 1.5) over the targets it was allotted.

    Targets with a district goal of 0, or with no data, are left out; a target met counts 1.5; a district
    with no scored target has no score and no rank. Equal scores (to 3 decimals) share a rank (1, 2, 2, 4).
    Returns ``adcode, district, met, on_track, behind, scored, score, rank``; the city row is left out.
    """
    districts = long.loc[long["adcode"] != CITY_ADCODE].copy()
    scored = districts["target"].gt(0) & districts["status"].notna()
    ratio = (districts["progress"] / districts["expected"]).where(districts["expected"] > 0)
    ratio = ratio.where(districts["status"] != "met", SCORE_CAP)
    # Behind before any pace is due (expected 0) cannot happen; an unknown ratio of a known status is 0.
    districts["ratio"] = ratio.fillna(0.0).clip(upper=SCORE_CAP).where(scored)
    counts = pd.crosstab([districts["adcode"], districts["district"]], districts["status"])
    counts = counts.reindex(columns=["met", "on_track", "behind"], fill_value=0)
    summary = districts.groupby(["adcode", "district"], sort=False).agg(
        scored=("ratio", "count"), score=("ratio", "mean"))
    table = summary.join(counts).fillna({"met": 0, "on_track": 0, "behind": 0}).reset_index()
    for column in ("met", "on_track", "behind"):
        table[column] = table[column].astype(int)
    rounded = table["score"].round(PRECISION)
    table["rank"] = rounded.rank(method="min", ascending=False).astype("Int64")
    table = table.sort_values(["rank", "adcode"], na_position="last", kind="stable").reset_index(drop=True)
    return table[["adcode", "district", "met", "on_track", "behind", "scored", "score", "rank"]]
