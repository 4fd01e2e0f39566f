"""Altair chart specifications for the district pages (status colours, the time-elapsed line)."""

from __future__ import annotations

import json
import textwrap

import altair as alt
import pandas as pd

from spaces.reference.districts import CITY_ADCODE
from spaces.reference.i18n import label, t
from spaces.reference.palette import STATUS_BACKGROUND, STATUS_HEX
from spaces.reference.targets import BASELINE_YEAR, Target, format_amount


def progress_bars(long: pd.DataFrame, *, key: str, status_labels: dict[str, str], title: str,
                  language: str) -> alt.LayerChart:
    """Progress of one target per district (from the 2021 baseline) as bars coloured by status, each with a
    black tick at its pace (the share of the plan elapsed at its data year), best first; the city is left out.
    """
    data = long.loc[(long["key"] == key) & (long["adcode"] != CITY_ADCODE),
                    ["district", "progress", "expected", "status"]].copy()
    data["status_label"] = data["status"].map(status_labels).fillna(t("status_no_data", language))
    order = data.sort_values("progress", ascending=False, kind="stable")["district"].tolist()
    colour = alt.Color("status_label:N", title=None, legend=alt.Legend(orient="top"),
                       scale=alt.Scale(domain=[status_labels[s] for s in STATUS_HEX], range=list(STATUS_HEX.values())))
    # An explicit order: a sort by field is dropped when the two layers share the y scale.
    y = alt.Y("district:N", title=None, axis=alt.Axis(labelOverlap=False), sort=order)
    tooltip = [alt.Tooltip("district:N", title=t("district", language)),
               alt.Tooltip("progress:Q", format=".0%", title=t("progress", language)),
               alt.Tooltip("expected:Q", format=".0%", title=t("pace", language)),
               alt.Tooltip("status_label:N", title=t("status", language))]
    base = alt.Chart(data)
    bars = base.mark_bar().encode(
        x=alt.X("progress:Q", axis=alt.Axis(format="%"), title=t("progress_axis", language)),
        y=y, color=colour, tooltip=tooltip)
    ticks = base.mark_tick(color="#222", thickness=2).encode(x="expected:Q", y=y, tooltip=tooltip)
    # Streamlit fits a stretched chart's whole height (title, legend, axis) into ``height``: 140 px for those.
    return alt.layer(bars, ticks, title=title).properties(height=28 * max(len(data), 1) + 140)


def counts_whole_units(target: Target) -> bool:
    """Whether the target counts things (parks, factories, enterprises) rather than 亩 or %.

    targets.toml has no such field; this is the rule :func:`spaces.reference.targets.format_value` prints by.
    """
    return target.unit_en not in ("mu", "%")


def _year_axis(years: list[int], *, provisional: set[int], language: str) -> alt.Axis:
    """Year labels with the 2021 baseline named and a provisional year marked (two lines, so they fit)."""
    marks = {BASELINE_YEAR: [str(BASELINE_YEAR), t("base_short", language)]}
    marks |= {year: [str(year), t("provisional_short", language)] for year in provisional}
    cases = "".join(f"datum.value == {year} ? {json.dumps(lines, ensure_ascii=False)} : "
                    for year, lines in marks.items() if year in years)
    return alt.Axis(labelAngle=0, labelExpr=f"{cases}datum.label" if cases else alt.Undefined)


def trend_lines(trend: pd.DataFrame, *, targets: dict[str, Target], language: str,
                baselines: dict[str, float] | None = None, provisional: frozenset[int] = frozenset()) -> list[alt.Chart]:
    """One small line chart per target with data, in plan order: actual value by year from the 2021 baseline.

    ``baselines`` (key -> the district's 2021 baseline) fill a 2021 the data leave empty: flows and growth
    start from 0. A year whose value rests on an earlier data year (``as_of``) is left out, not drawn flat. The 2021 label says 基期 / base; years in ``provisional`` are marked 进行中 / provisional.
    Each chart has no fixed width, so it fills the column it is drawn in; the y axis is titled with
    the target's unit. Counts get whole-number ticks (no half a park), and a series that is 0 every
    year gets the axis 0–1 rather than a collapsed one that Vega labels ``0.000000``.
    """
    charts = []
    for key, target in targets.items():
        data = trend.loc[trend["key"] == key, ["year", "actual"]].copy()
        if "as_of" in trend.columns:  # a year not reported repeats the last value: no point of its own
            data = data.loc[~(trend.loc[data.index, "as_of"] < data["year"])]
        if data["actual"].isna().all():
            continue
        base = (baselines or {}).get(key)
        if base is not None and pd.notna(base):
            data.loc[(data["year"] == BASELINE_YEAR) & data["actual"].isna(), "actual"] = base
        data = data.dropna(subset=["actual"])
        unit = label(target, language, field="unit")
        whole = counts_whole_units(target)
        low, high = min(0.0, data["actual"].min()), max(0.0, data["actual"].max())
        scale = alt.Scale(domain=[low, low + 1]) if high == low else alt.Scale(zero=True, nice=True)
        # The unit reads across, above the axis: a rotated 单位：个 would be sideways Chinese.
        axis = alt.Axis(format=",d" if whole else ",~f", tickMinStep=1 if whole else alt.Undefined,
                        title=t("axis_unit", language).format(unit=unit), titleAngle=0, titleAlign="left",
                        titleAnchor="end", titleBaseline="bottom", titleX=-30, titleY=-8, titleFontWeight="normal")
        name = target.label(language)
        title = alt.Title(textwrap.wrap(name, 28) if language == "en" else name, anchor="start", offset=14)
        years = [int(y) for y in data["year"]]
        charts.append(alt.Chart(data, title=title).mark_line(point=True).encode(
            x=alt.X("year:O", title=None, axis=_year_axis(years, provisional=set(provisional), language=language)),
            y=alt.Y("actual:Q", scale=scale, axis=axis),
            tooltip=[alt.Tooltip("year:O", title=t("year", language)),
                     alt.Tooltip("actual:Q", title=f"{t('actual', language)} ({unit})", format=",.0f" if whole else ",.1f")],
        ).properties(height=210))
    return charts


def status_table(long: pd.DataFrame, *, labels: dict[str, str], district_column: str,
                 keys: list[str] | None = None, no_target: str = "—", met_at_baseline: str = "—"):
    """A Styler: one row per district (and the city), one column per target showing progress from the 2021
    baseline to one decimal, each cell coloured by its status; a figure resting on an earlier data year ends
    in ``*``. Missing values show as —; a target of 0 (a district allotted no share) says ``no_target``, and a
    target met with no progress to show (its baseline already reached it) says ``met_at_baseline``.

    ``keys`` are the targets to show, in order (default: all of ``long``); the page leaves out
    city-only targets, which would be a column of — for every district.
    """
    rows = list(dict.fromkeys(zip(long["adcode"], long["district"], strict=True)))
    order = list(dict.fromkeys(long["key"])) if keys is None else list(keys)

    def pivot(column: str) -> pd.DataFrame:
        table = long.pivot(index=["adcode", "district"], columns="key", values=column).reindex(rows)[order]
        table.columns = [labels[k] for k in order]
        table.index = pd.Index([district for _, district in rows], name=district_column)
        return table

    progress, status = pivot("progress").astype(float), pivot("status")
    goal, stale = pivot("target").astype(float), pivot("stale").fillna(False).astype(bool)

    def colours(frame: pd.DataFrame) -> pd.DataFrame:
        return status.map(lambda s: f"background-color: {STATUS_BACKGROUND[s]}" if s in STATUS_BACKGROUND else "")

    # Shown as text: Streamlit prints a missing number as "None" whatever the Styler's na_rep says.
    shown = progress.map(lambda value: "—" if pd.isna(value) else f"{value:.1%}")
    shown = shown.where(~(stale & progress.notna()), shown + "*")
    shown = shown.mask(progress.isna() & (status == "met"), met_at_baseline)
    shown = shown.mask(goal.eq(0) & (status == "met"), no_target)
    return shown.style.apply(colours, axis=None)


def city_only_lines(long: pd.DataFrame, *, targets: dict[str, Target], status_labels: dict[str, str],
                    language: str) -> list[str]:
    """One line per city-only target (the ETDZ rank): its city value, goal and status.

    Examples
    --------
    >>> from spaces.reference.targets import load_targets
    >>> long = pd.DataFrame({"adcode": ["330200"], "key": ["etdz_national_rank"], "actual": [12.0],
    ...                      "target": [10.0], "status": ["behind"]})
    >>> city_only_lines(long, targets=load_targets(), status_labels={"behind": "滞后"}, language="zh")
    ['宁波市 · 宁波经开区全国排名（仅全市指标）：第 12 名，目标 ≤ 第 10 名，滞后']
    """
    city = long.loc[long["adcode"] == CITY_ADCODE].set_index("key")
    lines = []
    for key, target in targets.items():
        if target.scope != "city" or key not in city.index:
            continue
        row = city.loc[key]
        comparator = "≤" if target.lower_is_better else "≥"
        lines.append(t("city_only_line", language).format(
            target=target.label(language),
            actual=format_amount(row["actual"], target, language),
            goal=f"{comparator} {format_amount(row['target'], target, language)}",
            status=status_labels.get(row["status"], t("status_no_data", language))))
    return lines
