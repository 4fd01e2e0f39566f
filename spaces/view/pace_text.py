"""Progress, pace and the year in progress in a planner's words: year labels, target lines and the rules."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from spaces.planning.calendar import final_from, is_provisional
from spaces.planning.pace import SCORE_CAP
from spaces.reference.i18n import label, t
from spaces.reference.targets import Target, format_amount, load_schedule


def counts_whole(target: Target) -> bool:
    """Whether the target counts things (parks, factories, enterprises, a rank) rather than 亩 or %."""
    return target.unit_en not in ("mu", "%", "rank")


MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def _date_text(day: date, language: str, *, with_year: bool = True) -> str:
    return t("full_date" if with_year else "month_day", language).format(
        year=day.year, month=day.month, day=day.day, month_name=MONTHS_EN[day.month - 1])


def year_label(year: int, *, today: date, language: str) -> str:
    """A year as it heads a control, a table or a chart: ``2026（进行中）`` while its statistics are not final.

    Examples
    --------
    >>> year_label(2026, today=date(2026, 12, 5), language="zh"), year_label(2025, today=date(2026, 12, 5), language="en")
    ('2026（进行中）', '2025')
    """
    return t("year_provisional", language).format(year=year) if is_provisional(year, today=today) else str(year)


def provisional_note(year: int, language: str) -> str:
    """The sentence saying that ``year`` is still in progress and when its figures become final."""
    return t("year_provisional_note", language).format(year=year, final=_date_text(final_from(year), language))


def share(value: float | None) -> str:
    """A share as a whole percentage, ``—`` when unknown.

    Examples
    --------
    >>> share(0.4499), share(float("nan"))
    ('45%', '—')
    """
    return "—" if value is None or not math.isfinite(float(value)) else f"{float(value):.0%}"


def goal_amount(target: Target, value: float | None, language: str) -> str:
    """A goal with its unit, ``约 2 个`` / ``about 2 parks`` for an "about" (左右) target.

    Examples
    --------
    >>> from spaces.reference.targets import load_targets
    >>> goal_amount(load_targets()["strategic_parks"], 2, "en")
    'about 2 parks'
    """
    amount = format_amount(value, target, language)
    return t("about_amount", language).format(amount=amount) if target.about and amount != "—" else amount


def projected_amount(target: Target, value: float, language: str) -> str:
    """A projection, rounded as an estimate is: whole 亩; small counts (under 10) to a tenth when not whole
    (2.5 of 4 parks is 62%, and "约 2 个（62%）" would not add up); growth to one decimal.

    Examples
    --------
    >>> from spaces.reference.targets import load_targets
    >>> targets = load_targets()
    >>> projected_amount(targets["reclaimed_land_mu"], 41_234.5, "zh"), projected_amount(targets["strategic_parks"], 2.5, "zh")
    ('41,234 亩', '2.5 个')
    """
    if target.unit_en == "mu":
        return f"{value:,.0f} {label(target, language, field='unit')}"
    if counts_whole(target) and abs(value) < 10 and round(value, 1) != round(value):
        return f"{value:,.1f} {target.unit(language, count=f'{value:,.1f}')}"
    return format_amount(value, target, language)


def pace_lines(row: pd.Series, target: Target, language: str) -> list[str]:
    """What follows a target's actual / goal: progress against the pace, the projection, the data year.

    ``row`` is one row of :func:`~spaces.planning.attainment.compute_attainment`. Nothing is said of
    what is unknown; a target met has no projection (the question "will we make it?" is answered).
    """
    parts = []
    if pd.notna(row["progress"]) and pd.notna(row["expected"]):
        # Against the district's annual task (分年度目标) where it has one for the year, else the time share.
        tasked = pd.notna(row.get("annual_task", None))
        parts.append(t("progress_task_line" if tasked else "progress_line", language).format(
            progress=share(row["progress"]), expected=share(row["expected"]),
            task=goal_amount(target, row["annual_task"], language) if tasked else ""))
    if row["status"] != "met" and pd.notna(row["projected_2026"]) and pd.notna(row["projected_progress"]):
        parts.append(t("projection_line", language).format(
            value=projected_amount(target, row["projected_2026"], language), share=share(row["projected_progress"])))
    if bool(row.get("stale", False)) and pd.notna(row["as_of"]):
        parts.append(t("as_of_note", language).format(year=int(row["as_of"])))
    return parts


def rules_markdown(language: str) -> str:
    """The rules of progress, pace and status in a planner's words, with the schedule's numbers filled in."""
    schedule = load_schedule()
    final = _date_text(date(2001, schedule.final_month, schedule.final_day), language, with_year=False)
    return t("progress_rules_body", language).format(band_low=1 - schedule.about_band, final=final)


def ranking_rule(language: str) -> str:
    """The ranking rule stated under the ranking, with the cap filled in."""
    return t("ranking_rule_score", language).format(cap=SCORE_CAP)
