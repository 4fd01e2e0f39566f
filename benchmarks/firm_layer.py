"""Map data of the enterprises layer: firms drawn one by one (naive) against D one by one and the rest in ~1 km
cells (spaces.view.firms.firm_records), for N simulated firms spread over Ningbo's districts; bytes as the chart
sends them (json) and seconds, medians of --runs runs.

    python benchmarks/firm_layer.py [--firms 20000 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from spaces.view import firms as firms_module  # noqa: E402


def _firms(count: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(11)
    frame = pd.DataFrame({"enterprise_id": [f"9133{i:014d}" for i in range(count)], "year": 2024,
                          "class": rng.choice(list("ABCD"), count, p=[0.2, 0.4, 0.35, 0.05]),
                          "land_mu": rng.gamma(2.0, 10.0, count), "name_zh": "模拟企业", "group": "above_scale",
                          "tax_per_mu": rng.gamma(2.0, 20.0, count), "district_adcode": "330206", "plot_id": None})
    points = gpd.points_from_xy(121.1 + rng.random(count) * 1.2, 29.2 + rng.random(count) * 1.0)
    return gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4326")


def _measure(firms: gpd.GeoDataFrame, limit: int, runs: int) -> tuple[float, float]:
    firms_module.FIRM_DOT_LIMIT = limit
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        records = firms_module.firm_records(firms, None, language="zh")
        size = len(json.dumps(records, ensure_ascii=False).encode())
        times.append(time.perf_counter() - start)
    return size / 1e6, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    default = firms_module.FIRM_DOT_LIMIT
    print(f"{'firms':>8} {'naive MB':>9} {'naive s':>8} {'cells MB':>9} {'cells s':>8} {'ratio MB':>9}")
    for count in args.firms:
        firms = _firms(count)
        naive_mb, naive_s = _measure(firms, 10**9, args.runs)
        ours_mb, ours_s = _measure(firms, default, args.runs)
        print(f"{count:>8} {naive_mb:>9.1f} {naive_s:>8.2f} {ours_mb:>9.1f} {ours_s:>8.2f} {naive_mb / ours_mb:>9.1f}",
              flush=True)


if __name__ == "__main__":
    main()
