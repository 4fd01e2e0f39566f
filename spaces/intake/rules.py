"""Rules across the columns of one row or one file, per layer: plot years, old park and factory files, city indicators."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from spaces.planning.consistency import indicator_warnings
from spaces.reference.i18n import t
from spaces.reference.targets import PLAN_START_YEAR

from .enterprises import enterprise_rules
from .findings import Findings, is_blank
from .plot_years import check_plot_years

# Factory levels from the highest down: a factory promoted keeps the years of the levels it held before.
LEVELS = ("national", "provincial", "municipal")


@dataclass(frozen=True)
class RowRules:
    """What the rules of a layer see: the coerced rows, the file's columns as given, and this year."""

    table: pd.DataFrame  # the file's cells under the schema's names, before coercion (shown in findings)
    this_year: int


Rule = Callable[[pd.DataFrame, RowRules, Findings], pd.DataFrame]


def apply_rules(layer: str, out: pd.DataFrame, context: RowRules, findings: Findings) -> pd.DataFrame:
    """``out`` (coerced rows of ``layer``) after the layer's cross-column rules; ``out`` is not changed."""
    rule = RULES.get(layer)
    return out if rule is None else rule(out.copy(), context, findings)


def _plot_years(out: pd.DataFrame, context: RowRules, findings: Findings) -> pd.DataFrame:
    """The progress update's rules, as a file may break them (spaces.intake.plot_years).

    Reclaimed without a year, or after this year: refused. Reclaimed before 2022: kept, counted nowhere
    and shown as 计划前已盘活 (one note per file). A year on a plot not reclaimed: dropped, with a warning.
    """
    checked = check_plot_years(out["status"], out["reclaimed_year"], this_year=context.this_year)
    given = context.table["reclaimed_year"]
    missing = checked.missing & given.map(is_blank).to_numpy(dtype=bool)  # a year that is not one is reported already
    if missing.any():
        findings.add("error", "a reclaimed plot needs its reclaimed_year", key="reclaimed_without_year",
                     rows=missing, column="reclaimed_year")
    if checked.future.any():
        findings.add("error", f"reclaimed_year is after this year ({context.this_year}): the plot cannot have been "
                     "reclaimed yet", key="reclaimed_year_in_future", params={"last": context.this_year},
                     rows=checked.future, column="reclaimed_year", values=given)
    if checked.before_plan.any():
        count = int(checked.before_plan.sum())
        params = {"count": count, "first": PLAN_START_YEAR}  # "1 plot … it does not", "3 plots … they do not"
        findings.add("warning", t("problem_reclaimed_before_plan", "en", count=count).format(**params),
                     key="reclaimed_before_plan", params=params, column="reclaimed_year")
    if checked.not_reclaimed.any():
        findings.add("warning", "a plot that is not reclaimed has no reclaimed_year; the year is dropped",
                     key="reclaimed_year_dropped", rows=checked.not_reclaimed, column="reclaimed_year", values=given)
        out["reclaimed_year"] = out["reclaimed_year"].astype("Int64").mask(checked.not_reclaimed)
    return out


def _parks(out: pd.DataFrame, context: RowRules, findings: Findings) -> pd.DataFrame:
    """An old file's parks without ``strategic_park``: empty means yes, said once per file."""
    given = context.table.get("strategic_park")
    empty = len(out) if given is None else int(given.map(is_blank).sum())
    if empty:
        findings.add("warning", t("problem_strategic_park_empty", "en", count=empty).format(count=empty),
                     key="strategic_park_empty", params={"count": empty}, column="strategic_park")
        out["strategic_park"] = out["strategic_park"].where(out["strategic_park"].notna(), True).astype(bool)
    return out


def _factory_levels(out: pd.DataFrame, context: RowRules, findings: Findings) -> pd.DataFrame:
    """Old files' ``level`` + ``certified_year`` give that level's year where it is empty; a ``level`` below a
    level whose year is given is questioned (a later year for a lower level is a promotion, and fine)."""
    for level in LEVELS:
        column = f"{level}_year"
        fill = (out["level"] == level).fillna(False).to_numpy(dtype=bool) & out[column].isna().to_numpy() \
            & out["certified_year"].notna().to_numpy()
        if fill.any():
            out[column] = pd.array(out[column], dtype="Int64")
            out.loc[fill, column] = out.loc[fill, "certified_year"]
    questioned = pd.Series(False, index=out.index)
    for rank, level in enumerate(LEVELS[1:], start=1):
        for held in LEVELS[:rank]:  # the highest level held above ``level`` is the one named
            below = (out["level"] == level).fillna(False) & out[f"{held}_year"].notna() & ~questioned
            if below.any():
                findings.add("warning", f"level is {level} but {held}_year is given: the factory counts as {held} "
                             "from that year", key="level_below_held", params={"level": level, "held": held},
                             rows=below.to_numpy(dtype=bool), column="level", values=context.table.get("level"))
            questioned |= below
    return out


def _city_indicators(out: pd.DataFrame, context: RowRules, findings: Findings) -> pd.DataFrame:
    """City rows (330200) that the file's own district rows of the same year contradict (spaces.planning.consistency)."""
    positions = {label: position for position, label in enumerate(out.index)}
    for warning in indicator_warnings(out):
        findings.add("warning", warning.message, key=warning.key, params=warning.params,
                     rows=[positions[warning.row]], column=warning.column, values=out[warning.column])
    return out


RULES: dict[str, Rule] = {
    "plots": _plot_years,
    "parks": _parks,
    "factories": _factory_levels,
    "indicators": _city_indicators,
    "enterprises": enterprise_rules,
}
