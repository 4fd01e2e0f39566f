"""Scoring and classing enterprise-years (亩均评价): the vectorised engine against a naive per-row ``apply``.

Builds N simulated enterprise-years (10 districts, 2021-2025, the four groups, some firms without emission
data and some without tax), then times ``spaces.planning.mujun.score_enterprises`` and a naive version that
computes each row's indicators, benchmark lookup, score and class with ``DataFrame.apply(axis=1)`` (the way
a first draft would), in the same run. Prints medians over ``--runs`` and the ratio naive / vectorised, and
checks the two agree on every score and class. Nothing is asserted on time.
Usage: python benchmarks/mujun_scoring.py [--rows 100000] [--runs 3] [--naive-rows 100000]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spaces.planning.mujun import score_enterprises  # noqa: E402
from spaces.reference.districts import DISTRICT_ADCODES  # noqa: E402
from spaces.reference.mujun_method import PREVIOUS_YEAR_MEAN, load_method  # noqa: E402

GROUPS = ("above_scale", "below_scale_large", "below_scale_small", "leased")


def simulated(rows: int, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    land = rng.lognormal(3.0, 0.8, rows)
    frame = pd.DataFrame({
        "enterprise_id": [f"E{i:07d}" for i in range(rows)],
        "year": rng.integers(2021, 2026, rows),
        "group": rng.choice(GROUPS, rows, p=[0.4, 0.3, 0.2, 0.1]),
        "district_adcode": rng.choice(DISTRICT_ADCODES, rows),
        "land_mu": land,
        "tax": land * rng.lognormal(3.6, 0.7, rows),
        "value_added": land * rng.lognormal(4.8, 0.6, rows),
        "energy_tce": land * rng.lognormal(2.0, 0.9, rows),
        "emissions": np.where(rng.random(rows) < 0.2, np.nan, land * rng.lognormal(0, 1, rows)),
        "employees": rng.integers(5, 800, rows).astype(float),
        "rd_expense": rng.lognormal(3, 1, rows),
        "revenue": land * rng.lognormal(6, 0.5, rows),
        "electricity_mwh": land * rng.lognormal(4, 0.7, rows),
        "grade": None,
    })
    frame.loc[rng.random(rows) < 0.02, "tax"] = np.nan
    return frame


def naive(frame: pd.DataFrame, method) -> pd.DataFrame:
    """The same method, a row at a time with ``apply``; group levels and ranks from per-row loops."""
    def indicators(row):
        out = {}
        for key, indicator in method.indicators.items():
            num, den = row[indicator.numerator], row[indicator.denominator]
            out[key] = num / den * indicator.scale if pd.notna(num) and pd.notna(den) and den > 0 else np.nan
        return pd.Series(out)

    values = frame.apply(indicators, axis=1)
    table = pd.concat([frame, values], axis=1)

    def is_evaluated(row):
        return all(pd.notna(row[i.indicator]) for i in method.groups[row["group"]] if i.missing == "not_evaluated")

    table["evaluated"] = table.apply(is_evaluated, axis=1)
    sums: dict = {}
    for row in table[table["evaluated"]].itertuples():
        for key, indicator in method.indicators.items():
            num, den = getattr(row, indicator.numerator), getattr(row, indicator.denominator)
            if pd.notna(num) and pd.notna(den) and den > 0:
                entry = sums.setdefault((row.district_adcode, row.year, row.group, key), [0.0, 0.0])
                entry[0] += num
                entry[1] += den

    def level(district, year, group, key):
        entry = sums.get((district, year, group, key))
        return entry[0] / entry[1] * method.indicators[key].scale if entry and entry[1] > 0 else np.nan

    def points(row):
        out = {}
        for item in method.groups[row["group"]]:
            if item.benchmark == PREVIOUS_YEAR_MEAN:
                base = level(row["district_adcode"], row["year"] - 1, row["group"], item.indicator)
                if np.isnan(base):
                    base = level(row["district_adcode"], row["year"], row["group"], item.indicator)
                base *= item.benchmark_factor
            else:
                base = item.benchmark
            ratio = min(row[item.indicator] / base, method.max_ratio) if pd.notna(row[item.indicator]) else np.nan
            out[item.indicator] = item.weight * ratio if np.isfinite(ratio) else np.nan
        return pd.Series(out)

    evaluated = table[table["evaluated"]]
    item_points = evaluated.apply(points, axis=1)
    keys = list(method.rank_within)
    for group, items in method.groups.items():
        for item in items:
            if item.missing == "average":
                mask = evaluated["group"] == group
                means = item_points.loc[mask, item.indicator].groupby([evaluated.loc[mask, k] for k in keys]).mean()
                fill = evaluated.loc[mask].apply(lambda r, m=means: m.get(tuple(r[k] for k in keys), np.nan), axis=1)
                item_points.loc[mask, item.indicator] = item_points.loc[mask, item.indicator].fillna(fill)
    table["score"] = np.nan
    table.loc[evaluated.index, "score"] = item_points.fillna(0.0).sum(axis=1).round(2)
    scores = table.loc[table["evaluated"]].groupby(keys)["score"].apply(np.asarray).to_dict()

    def klass(row):
        if not row["evaluated"]:
            return "T"
        peers = scores[tuple(row[k] for k in keys)]
        better = int((peers > row["score"]).sum())
        for name in ("A", "B", "C"):
            if better * 100 < method.cutoffs[name] * len(peers):
                return name
        return "D"

    table["class_computed"] = table.apply(klass, axis=1)
    return table


def _median_seconds(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--naive-rows", type=int, default=20_000,
                        help="rows for the naive run, which takes minutes at 100,000 (the ratio compares the same rows)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    method = load_method()
    frame = simulated(args.rows)
    naive_frame = frame if args.naive_rows in (None, args.rows) else simulated(args.naive_rows)
    fast = _median_seconds(lambda: score_enterprises(frame, method), args.runs)
    fast_same = _median_seconds(lambda: score_enterprises(naive_frame, method), args.runs) \
        if naive_frame is not frame else fast
    slow = _median_seconds(lambda: naive(naive_frame, method), max(1, min(args.runs, 1)))
    ours, theirs = score_enterprises(naive_frame, method), naive(naive_frame, method)
    same_scores = np.allclose(ours["score"].to_numpy(float), theirs["score"].to_numpy(float), equal_nan=True)
    same_classes = (ours["class_computed"].to_numpy() == theirs["class_computed"].to_numpy()).all()
    print(f"| scoring and classing {args.rows:,} enterprise-years, vectorised (median of {args.runs}) | {fast:.3f} s |")
    print(f"| naive per-row apply, {len(naive_frame):,} rows (1 run) | {slow:.3f} s |")
    print(f"| ratio naive / vectorised (same rows) | {slow / fast_same:.0f}x |")
    print(f"| same scores and classes both ways | {'yes' if same_scores and same_classes else 'NO'} |")
    print(f"| classes of the {len(naive_frame):,} rows compared | {ours['class_computed'].value_counts().sort_index().to_dict()} |")
    print(f"machine: {platform.machine()}, {platform.python_version()}, pandas {pd.__version__}")


if __name__ == "__main__":
    main()
