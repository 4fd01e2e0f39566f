"""A plot's status against its reclaimed year: the rules a file import and a progress update share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spaces.reference.targets import PLAN_START_YEAR

RECLAIMED = "reclaimed"


@dataclass(frozen=True)
class PlotYears:
    """Which plots break which rule, as boolean arrays row for row with the plots checked.

    ``missing``: reclaimed without a year; ``future``: reclaimed after this year; ``before_plan``:
    reclaimed before the plan's first year (2022), which the plan's totals do not count; ``not_reclaimed``:
    a year on a plot that is not reclaimed. A file and a progress update treat each differently
    (:mod:`spaces.intake.rules`, :mod:`spaces.intake.status`).
    """

    missing: np.ndarray
    future: np.ndarray
    before_plan: np.ndarray
    not_reclaimed: np.ndarray


def check_plot_years(status: pd.Series, years: pd.Series, *, this_year: int) -> PlotYears:
    """The rules of :class:`PlotYears` applied to canonical ``status`` and ``reclaimed_year`` values.

    A missing status (already reported by the import) breaks none of them.

    Examples
    --------
    >>> checked = check_plot_years(pd.Series(["reclaimed", "reclaimed", "pending"]),
    ...                            pd.Series([2021, None, 2024]), this_year=2026)
    >>> checked.before_plan.tolist(), checked.missing.tolist(), checked.not_reclaimed.tolist()
    ([True, False, False], [False, True, False], [False, False, True])
    """
    year = pd.to_numeric(pd.Series(years, dtype=object), errors="coerce").astype(float).to_numpy()
    state = pd.Series(status, dtype=object).to_numpy()
    known = pd.notna(state)
    reclaimed = known & (state == RECLAIMED)
    dated = ~np.isnan(year)
    return PlotYears(
        missing=reclaimed & ~dated,
        future=reclaimed & dated & (year > this_year),
        before_plan=reclaimed & dated & (year < PLAN_START_YEAR),
        not_reclaimed=known & ~reclaimed & dated,
    )
