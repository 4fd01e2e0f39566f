"""The plan's clock: which years are final, which are still provisional, and how much of the plan has elapsed."""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from spaces.errors import TodayError, YearError
from spaces.reference.targets import BASELINE_YEAR, PLAN_END_YEAR, PLAN_START_YEAR, load_schedule

PLAN_YEARS = PLAN_END_YEAR - BASELINE_YEAR  # five years: 2022 to 2026
BEIJING = ZoneInfo("Asia/Shanghai")
# Set to a date (YYYY-MM-DD) to read the figures as on that day: a report made again later, or a test,
# then gives the same default year, pace and provisional marks.
TODAY_VARIABLE = "SPACES_TODAY"


def today_in_beijing() -> date:
    """Today's date in 北京时间, the clock the plan's statistics run on; ``$SPACES_TODAY`` overrides it.

    Raises
    ------
    TodayError
        When ``SPACES_TODAY`` is set but is not a date written YYYY-MM-DD.
    """
    fixed = os.environ.get(TODAY_VARIABLE, "").strip()
    if not fixed:
        return datetime.now(BEIJING).date()
    try:
        if len(fixed) != 10:
            raise ValueError(fixed)
        return date.fromisoformat(fixed)
    except ValueError:
        raise TodayError(f"{TODAY_VARIABLE}={fixed!r} is not a date: write it as YYYY-MM-DD, "
                         "for example 2026-12-01") from None


def check_year(year: int) -> None:
    """Refuse a year outside the plan (2022–2026) with :class:`~spaces.errors.YearError`."""
    if not PLAN_START_YEAR <= year <= PLAN_END_YEAR:
        raise YearError(f"year must be between {PLAN_START_YEAR} and {PLAN_END_YEAR}, got {year}")


def final_from(year: int) -> date:
    """The day ``year``'s statistics count as complete (default: 1 April of the next year).

    Examples
    --------
    >>> final_from(2025)
    datetime.date(2026, 4, 1)
    """
    schedule = load_schedule()
    return date(year + 1, schedule.final_month, schedule.final_day)


def is_provisional(year: int, *, today: date) -> bool:
    """True while ``year``'s statistics are not yet complete on ``today``.

    Examples
    --------
    >>> is_provisional(2026, today=date(2026, 12, 1)), is_provisional(2025, today=date(2026, 12, 1))
    (True, False)
    """
    return today < final_from(year)


def latest_final_year(*, today: date) -> int:
    """The latest plan year whose statistics are final on ``today``, within 2022–2026 (the default year).

    Examples
    --------
    >>> latest_final_year(today=date(2026, 12, 1)), latest_final_year(today=date(2027, 4, 1))
    (2025, 2026)
    """
    year = today.year - 1 if today >= final_from(today.year - 1) else today.year - 2
    return max(PLAN_START_YEAR, min(PLAN_END_YEAR, year))


def elapsed_share(year: int, *, today: date | None = None) -> float:
    """Share of the plan (2022–2026) elapsed by the end of ``year`` (时间过半任务过半): 0.2 per year.

    A year still running on ``today`` counts only the part of it gone by, so a year in progress is not
    judged as if it were over. Without ``today`` the year is taken as finished.

    Examples
    --------
    >>> elapsed_share(2024)
    0.6
    >>> round(elapsed_share(2026, today=date(2026, 7, 2)), 3)
    0.9
    """
    check_year(year)
    whole = (year - BASELINE_YEAR) / PLAN_YEARS
    if today is None or today.year > year:
        return whole
    if today.year < year:
        return (year - 1 - BASELINE_YEAR) / PLAN_YEARS
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    part = (today - start).days / (end - start).days
    return (year - 1 - BASELINE_YEAR + part) / PLAN_YEARS
