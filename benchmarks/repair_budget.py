"""Repair of self-crossing rings: make_valid in this process (the naive way) against spaces.intake.repair.repaired
(a child process stopped at the budget), for rings of random vertices; medians of --runs runs, in seconds.

    python benchmarks/repair_budget.py [--sizes 30 60 100 150] [--budget 5] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from spaces.intake.repair import repaired  # noqa: E402


def _ring(count: int, seed: int) -> np.ndarray:
    return np.array([shapely.Polygon(np.random.default_rng(seed).random((count, 2)))])


def _timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 60, 100, 150])
    parser.add_argument("--budget", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'vertices':>8} {'in process (naive)':>19} {'repaired()':>11} {'outcome':>9}")
    for size in args.sizes:
        naive = statistics.median(_timed(lambda s=size, r=run: shapely.make_valid(_ring(s, r)))
                                  for run in range(args.runs))
        outcomes = []

        def budgeted(size=size, run=0, outcomes=outcomes):
            outcomes.append(repaired(_ring(size, run), budget_seconds=args.budget) is not None)

        ours = statistics.median(_timed(lambda r=run: budgeted(run=r)) for run in range(args.runs))
        print(f"{size:>8} {naive:>19.2f} {ours:>11.2f} {'repaired' if all(outcomes) else 'refused':>9}", flush=True)


if __name__ == "__main__":
    main()
