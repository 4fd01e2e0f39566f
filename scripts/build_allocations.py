"""Regenerate geodata/allocations.csv, the illustrative district split of the city targets.

Rule: every district-scoped target is split by the weights in geodata/allocation_weights.csv
(3 / 2 / 1 by 2021 GDP tier), with largest-remainder rounding so the districts add up to the
city target; growth targets are 40% in every district. The plan publishes no allocation.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spaces.reference.targets import ALLOCATIONS_FILE, WEIGHTS_FILE, district_allocations  # noqa: E402


def main() -> None:
    weights = pd.read_csv(WEIGHTS_FILE, dtype={"district_adcode": str}).set_index("district_adcode")["weight"]
    table = district_allocations(weights.astype(float))
    table.to_csv(ALLOCATIONS_FILE, index=False)
    print(f"wrote {len(table)} rows to {ALLOCATIONS_FILE}")
    print(table.pivot(index="district_adcode", columns="target_key", values="target").to_string())


if __name__ == "__main__":
    main()
