"""Altair chart specifications for the district pages (status colours, the time-elapsed line)."""

from __future__ import annotations

import json
import textwrap

import altair as alt
import pandas as pd

from spaces.planning.pace import pace_value, plan_share
from spaces.reference.districts import CITY_ADCODE
from spaces.reference.i18n import label, t
from spaces.reference.palette import STATUS_HEX
from spaces.reference.targets import BASELINE_YEAR, PLAN_END_YEAR, Target, format_amount


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


def _pace_frame(target: Target, *, baseline: float | None, goal: float | None, language: str) -> pd.DataFrame:
    """The 2026 goal (flat, 2021–2026) and the pace line to it (planning.pace.pace_value), as two series."""
    if goal is None or pd.isna(goal) or baseline is None or pd.isna(baseline):
        return pd.DataFrame(columns=["year", "actual", "series"])
    years = list(range(BASELINE_YEAR, PLAN_END_YEAR + 1))
    start = 0.0 if target.kind == "growth" else float(baseline)
    pace = [pace_value(target, baseline=start, goal=float(goal), share=plan_share(year)) for year in years]
    return pd.DataFrame({"year": years * 2, "actual": [float(goal)] * len(years) + pace,
                         "series": [t("trend_goal", language)] * len(years) + [t("trend_pace", language)] * len(years)})


def trend_lines(trend: pd.DataFrame, *, targets: dict[str, Target], language: str,
                baselines: dict[str, float] | None = None, provisional: frozenset[int] = frozenset(),
                goals: dict[str, float] | None = None) -> list[alt.Chart]:
    """One small line chart per target with data, in plan order: actual value by year from the 2021 baseline,
    with the district's 2026 goal (dashed) and the pace line to it (dotted) where ``goals`` (key -> goal) has one,
    as the PDF brief draws them.

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
        actual_name = t("actual", language)
        lines = pd.concat([data.assign(series=actual_name),
                           _pace_frame(target, baseline=(baselines or {}).get(key), goal=(goals or {}).get(key),
                                       language=language)], ignore_index=True)
        lines["year"] = lines["year"].astype(int)
        lines["actual"] = lines["actual"].astype(float)
        low, high = min(0.0, lines["actual"].min()), max(0.0, lines["actual"].max())
        scale = alt.Scale(domain=[low, low + 1]) if high == low else alt.Scale(zero=True, nice=True)
        # The unit reads across, above the axis: a rotated 单位：个 would be sideways Chinese.
        axis = alt.Axis(format=",d" if whole else ",~f", tickMinStep=1 if whole else alt.Undefined,
                        title=t("axis_unit", language).format(unit=unit), titleAngle=0, titleAlign="left",
                        titleAnchor="end", titleBaseline="bottom", titleX=-30, titleY=-8, titleFontWeight="normal")
        name = target.label(language)
        title = alt.Title(textwrap.wrap(name, 28) if language == "en" else name, anchor="start", offset=14)
        years = sorted({int(y) for y in lines["year"]})
        names = list(dict.fromkeys(lines["series"]))
        styles = {actual_name: ("#1f77b4", []), t("trend_goal", language): ("#444444", [5, 3]),
                  t("trend_pace", language): ("#888888", [2, 2])}
        encoding = dict(
            x=alt.X("year:O", title=None, axis=_year_axis(years, provisional=set(provisional), language=language)),
            y=alt.Y("actual:Q", scale=scale, axis=axis),
            color=alt.Color("series:N", title=None, sort=names, legend=alt.Legend(orient="bottom") if len(names) > 1
                            else None, scale=alt.Scale(domain=names, range=[styles[n][0] for n in names])),
            strokeDash=alt.StrokeDash("series:N", sort=names, legend=None,
                                      scale=alt.Scale(domain=names, range=[styles[n][1] for n in names])),
            tooltip=[alt.Tooltip("series:N", title=" "), alt.Tooltip("year:O", title=t("year", language)),
                     alt.Tooltip("actual:Q", title=unit, format=",.0f" if whole else ",.1f")])
        # One encoding for both layers, at the top: the points mark the actual values only.
        points = alt.Chart().mark_point(filled=True).transform_filter(alt.datum.series == actual_name)
        charts.append(alt.layer(alt.Chart().mark_line(), points, data=lines, title=title).encode(**encoding)
                      .properties(height=230))
    return charts


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
