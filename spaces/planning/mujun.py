"""亩均效益综合评价: each enterprise-year's indicators, score and class (A/B/C/D/T), vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spaces.reference.mujun_method import PREVIOUS_YEAR_MEAN, RANKED_CLASSES, Item, Method, load_method

# Scores are compared as printed (2 decimals): firms shown with the same score share a rank and a class.
SCORE_DECIMALS = 2
NOT_EVALUATED = "T"


def indicator_values(enterprises: pd.DataFrame, method: Method) -> pd.DataFrame:
    """Every indicator of ``method`` per row: numerator / denominator x scale; NaN where either is missing
    or the denominator is not above 0.

    Examples
    --------
    >>> firms = pd.DataFrame({"tax": [86.4, 10.0], "land_mu": [2.0, 0.0]})
    >>> indicator_values(firms, load_method())["tax_per_mu"].tolist()
    [43.2, nan]
    """
    values = {}
    for key, indicator in method.indicators.items():
        numerator = _numbers(enterprises, indicator.numerator)
        denominator = _numbers(enterprises, indicator.denominator)
        values[key] = (numerator / denominator.where(denominator > 0)) * indicator.scale
    return pd.DataFrame(values, index=enterprises.index)


def _numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def peer_codes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One integer per distinct combination of ``columns`` (-1 where any is missing): string keys are
    factorised once here instead of in every groupby."""
    codes = np.zeros(len(frame), dtype=np.int64)
    missing = np.zeros(len(frame), dtype=bool)
    for column in columns:
        part, uniques = pd.factorize(frame[column])
        missing |= part < 0
        codes = codes * (len(uniques) + 1) + part
    _, inverse = np.unique(codes, return_inverse=True)
    return np.where(missing, -1, inverse)


class _Levels:
    """Each indicator's level per (district, year, group): Σ numerator / Σ denominator × scale over the firms
    evaluated that have both (a mean of ratios would let a 1-亩 firm weigh as much as a 500-亩 one)."""

    def __init__(self, frame: pd.DataFrame, evaluated: np.ndarray, method: Method):
        district, self.districts = pd.factorize(frame["district_adcode"])
        group, self.groups = pd.factorize(frame["group"])
        year = pd.to_numeric(frame["year"]).to_numpy(dtype=np.int64)
        self.first = int(year.min()) if len(year) else 0
        self.span = (int(year.max()) - self.first + 1) if len(year) else 1
        self.shape = (len(self.districts) + 1, self.span, len(self.groups) + 1)
        self.district, self.year, self.group = district, year - self.first, group
        cells = self.cell(self.year)
        self.same, self.before = cells, self.cell(self.year - 1)
        size = int(np.prod(self.shape))
        self.levels = {}
        for key, indicator in method.indicators.items():
            numerator = _numbers(frame, indicator.numerator).to_numpy()
            denominator = _numbers(frame, indicator.denominator).to_numpy()
            both = evaluated & ~np.isnan(numerator) & (denominator > 0)
            summed_n = np.bincount(cells[both], weights=numerator[both], minlength=size)
            summed_d = np.bincount(cells[both], weights=denominator[both], minlength=size)
            with np.errstate(invalid="ignore", divide="ignore"):
                self.levels[key] = np.where(summed_d > 0, summed_n / summed_d, np.nan) * indicator.scale

    def cell(self, year_offset: np.ndarray) -> np.ndarray:
        inside = (year_offset >= 0) & (year_offset < self.span) & (self.district >= 0) & (self.group >= 0)
        flat = (self.district * self.span + np.clip(year_offset, 0, self.span - 1)) * self.shape[2] + self.group
        return np.where(inside, flat, -1)

    def benchmark(self, indicator: str, rows: np.ndarray) -> np.ndarray:
        """The level of the year before for ``rows`` (a mask), else of the same year."""
        level = self.levels[indicator]
        before, same = self.before[rows], self.same[rows]
        before_level = np.where(before >= 0, level[np.maximum(before, 0)], np.nan)
        same_level = np.where(same >= 0, level[np.maximum(same, 0)], np.nan)
        return np.where(np.isnan(before_level), same_level, before_level)


def benchmarks(item: Item, levels: _Levels, rows: np.ndarray) -> np.ndarray:
    """The benchmark of ``item`` for ``rows``: a fixed value, or ``benchmark_factor`` × the firm's district and
    group level of the year before (the same year's where the year before has none, as in a first evaluation)."""
    if item.benchmark != PREVIOUS_YEAR_MEAN:
        return np.full(int(rows.sum()), float(item.benchmark))
    return levels.benchmark(item.indicator, rows) * item.benchmark_factor


def score_enterprises(enterprises: pd.DataFrame, method: Method | None = None) -> pd.DataFrame:
    """``enterprises`` with their indicators, score and classes, per the method (default: :func:`load_method`).

    Added columns: one per indicator (``tax_per_mu``, ``value_added_per_mu`` … in the method's units),
    ``score`` (computed, 2 decimals; NaN when not evaluated), ``score_official`` (as supplied),
    ``rank`` and ``ranked`` (the firm's place among the ``ranked`` firms evaluated with it),
    ``class_computed`` (A/B/C/D, T when not evaluated), ``class_official`` (the supplied ``grade``)
    and ``class`` (the official one where given, else the computed one). ``enterprises`` is not changed.

    Each item scores ``weight × min(indicator ÷ benchmark, max_ratio)``; a missing item scores 0, the mean
    of the item among the firms ranked together, or makes the firm not evaluated (T), as the method says.
    Firms are ranked within ``rank_within`` (district, year and group) by score, equal scores sharing the
    better rank; with ``s`` the share of those firms ranked strictly better, a firm is A while s < A %, B
    while s < B %, C while s < C %, and D otherwise. With 20 firms: ranks 1-4 A, 5-12 B, 13-19 C, 20 D.
    """
    method = method or load_method()
    index = enterprises.index
    out = enterprises.reset_index(drop=True)  # positions, whatever labels the caller's frame has
    values = indicator_values(out, method)
    within = list(method.rank_within)
    group_codes, group_names = pd.factorize(out["group"])
    in_group = {group: group_codes == (list(group_names).index(group) if group in group_names else -2)
                for group in method.groups}
    evaluated = np.zeros(len(out), dtype=bool)
    for group, items in method.groups.items():
        required = [values[i.indicator].notna() for i in items if i.missing == "not_evaluated"]
        rows = in_group[group]
        evaluated |= rows & np.logical_and.reduce([r.to_numpy(dtype=bool) for r in required] or [np.ones(len(out), bool)])
    # Benchmarks come from the firms evaluated: a firm left out (T) does not move its district's level.
    levels = _Levels(out, evaluated, method)
    peers = peer_codes(out, within)
    score = np.full(len(out), np.nan)
    for group, items in method.groups.items():
        rows = in_group[group] & evaluated
        if not rows.any():
            continue
        total = np.zeros(int(rows.sum()))
        for item in items:
            value = values[item.indicator].to_numpy()[rows]
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.minimum(value / benchmarks(item, levels, rows), method.max_ratio)
            points = pd.Series(np.where(np.isfinite(ratio), item.weight * ratio, np.nan))
            if item.missing == "average":
                points = points.fillna(points.groupby(peers[rows]).transform("mean"))
            total += points.fillna(0.0).to_numpy()
        score[rows] = np.round(total, SCORE_DECIMALS)
    for key in method.indicators:
        out[key] = values[key]
    out["score_official"] = _numbers(out, "score")
    out["score"] = score
    out["class_computed"], out["rank"], out["ranked"] = classes(out["score"], np.where(evaluated, peers, -1), method)
    official = out["grade"] if "grade" in out.columns else pd.Series(None, index=out.index, dtype=object)
    out["class_official"] = official.astype(object).where(official.notna(), None)
    out["class"] = out["class_official"].where(out["class_official"].notna(), out["class_computed"])
    out.index = index
    return out


def classes(score: pd.Series, peers: np.ndarray, method: Method) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Class, rank (1 = best, ties share the better) and number ranked, per row, among the rows of the same
    ``peers`` code; T and missing where the code is -1 (not evaluated)."""
    evaluated = peers >= 0
    ranked_scores = score.where(evaluated)
    by_peers = ranked_scores.groupby(np.where(evaluated, peers, -1))
    rank = by_peers.rank(method="min", ascending=False).where(evaluated)
    ranked = by_peers.transform("count").where(evaluated)
    # The share ranked strictly better, compared in whole hundredths of firms: (rank - 1) / n < A % exactly.
    better = ((rank - 1) * 100).to_numpy()
    label = np.full(len(score), "D", dtype=object)
    for name in reversed(RANKED_CLASSES):
        label = np.where(better < method.cutoffs[name] * ranked.to_numpy(), name, label)
    label = np.where(evaluated, label, NOT_EVALUATED)
    return (pd.Series(label, index=score.index, dtype=object), rank.astype("Int64"), ranked.astype("Int64"))
