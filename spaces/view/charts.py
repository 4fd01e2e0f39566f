"""Altair chart specifications for the district pages (status colours, the time-elapsed line)."""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from spaces.reference.districts import CITY_ADCODE
from spaces.reference.i18n import t
from spaces.reference.palette import STATUS_BACKGROUND, STATUS_HEX
from spaces.reference.targets import Target, format_amount


def attainment_bars(long: pd.DataFrame, *, key: str, elapsed: float, status_labels: dict[str, str],
                    title: str) -> alt.LayerChart:
    """Attainment of one target per district as bars coloured by status, with the time-elapsed rule."""
    data = long.loc[(long["key"] == key) & (long["adcode"] != "330200"),
                    ["district", "attainment", "status"]].copy()
    data["status_label"] = data["status"].map(status_labels).fillna("—")
    colour = alt.Color("status_label:N", title=None,
                       scale=alt.Scale(domain=[status_labels[s] for s in STATUS_HEX], range=list(STATUS_HEX.values())))
    bars = alt.Chart(data, title=title).mark_bar().encode(
        x=alt.X("attainment:Q", axis=alt.Axis(format="%"), title=None),
        y=alt.Y("district:N", sort="-x", title=None, axis=alt.Axis(labelOverlap=False)),
        color=colour,
        tooltip=[alt.Tooltip("district:N"), alt.Tooltip("attainment:Q", format=".0%"), "status_label:N"],
    )
    rule = alt.Chart(pd.DataFrame({"elapsed": [elapsed]})).mark_rule(color="#333", strokeDash=[4, 3]).encode(
        x="elapsed:Q")
    return (bars + rule).properties(height=28 * max(len(data), 1))


def counts_whole_units(target: Target) -> bool:
    """Whether the target counts things (parks, factories, enterprises) rather than 亩 or %.

    targets.toml has no such field; this is the rule :func:`spaces.reference.targets.format_value` prints by.
    """
    return target.unit_en not in ("mu", "%")


def trend_lines(trend: pd.DataFrame, *, targets: dict[str, Target], language: str) -> list[alt.Chart]:
    """One small line chart per target with data, in plan order: actual value by year.

    Each chart has no fixed width, so it fills the column it is drawn in; the y axis is titled with
    the target's unit. Counts get whole-number ticks (no half a park), and a series that is 0 every
    year gets the axis 0–1 rather than a collapsed one that Vega labels ``0.000000``.
    """
    charts = []
    for key, target in targets.items():
        data = trend.loc[trend["key"] == key, ["year", "actual"]].dropna(subset=["actual"])
        if data.empty:
            continue
        label = target.label_zh if language == "zh" else target.label_en
        unit = target.unit_zh if language == "zh" else target.unit_en
        whole = counts_whole_units(target)
        low, high = min(0.0, data["actual"].min()), max(0.0, data["actual"].max())
        scale = alt.Scale(domain=[low, low + 1]) if high == low else alt.Scale(zero=True, nice=True)
        # The unit reads across, above the axis: a rotated 单位：个 would be sideways Chinese.
        axis = alt.Axis(format=",d" if whole else ",~f", tickMinStep=1 if whole else alt.Undefined,
                        title=t("axis_unit", language).format(unit=unit), titleAngle=0, titleAlign="left",
                        titleAnchor="end", titleBaseline="bottom", titleX=-30, titleY=-8, titleFontWeight="normal")
        title = alt.Title(textwrap.wrap(label, 28) if language == "en" else label, anchor="start", offset=14)
        charts.append(alt.Chart(data, title=title).mark_line(point=True).encode(
            x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("actual:Q", scale=scale, axis=axis),
            tooltip=[alt.Tooltip("year:O", title=t("year", language)),
                     alt.Tooltip("actual:Q", title=f"{t('actual', language)} ({unit})", format=",.0f" if whole else ",.1f")],
        ).properties(height=210))
    return charts


def status_table(long: pd.DataFrame, *, labels: dict[str, str], district_column: str,
                 keys: list[str] | None = None, no_target: str = "—"):
    """A Styler: one row per district (and the city), one column per target showing attainment to
    one decimal, each cell coloured by its status. Missing values show as —, except where the status is
    met with no attainment (a district allotted no share of the target): ``no_target`` says so.

    ``keys`` are the targets to show, in order (default: all of ``long``); the page leaves out
    city-only targets, which would be a column of — for every district.
    """
    rows = list(dict.fromkeys(zip(long["adcode"], long["district"], strict=True)))
    wide = long.pivot(index=["adcode", "district"], columns="key", values="attainment").astype(float).reindex(rows)
    status = long.pivot(index=["adcode", "district"], columns="key", values="status").reindex(rows)
    order = list(dict.fromkeys(long["key"])) if keys is None else list(keys)
    wide, status = wide[order], status[order]
    wide.columns = [labels[k] for k in order]
    status.columns = wide.columns
    wide = wide.reset_index(level="adcode", drop=True)
    status = status.reset_index(level="adcode", drop=True)
    wide.index.name = district_column
    status.index = wide.index

    def colours(frame: pd.DataFrame) -> pd.DataFrame:
        return status.map(lambda s: f"background-color: {STATUS_BACKGROUND[s]}" if s in STATUS_BACKGROUND else "")

    # Shown as text: Streamlit prints a missing number as "None" whatever the Styler's na_rep says.
    shown = wide.map(lambda value: "—" if pd.isna(value) else f"{value:.1%}")
    shown = shown.mask(wide.isna() & (status == "met"), no_target)
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
            target=target.label_zh if language == "zh" else target.label_en,
            actual=format_amount(row["actual"], target, language),
            goal=f"{comparator} {format_amount(row['target'], target, language)}",
            status=status_labels.get(row["status"], t("status_no_data", language))))
    return lines
