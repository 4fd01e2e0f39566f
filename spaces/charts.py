"""Altair chart specifications for the district pages (status colours, the time-elapsed line)."""

from __future__ import annotations

import altair as alt
import pandas as pd

STATUS_HEX = {"met": "#1a9850", "on_track": "#fec44f", "behind": "#d73027"}


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


def trend_lines(trend: pd.DataFrame, *, labels: dict[str, str], unit: dict[str, str]) -> alt.Chart:
    """One small line chart per target: actual value by year."""
    data = trend.assign(target=trend["key"].map(labels), unit=trend["key"].map(unit)).dropna(subset=["actual"])
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("year:O", title=None),
        y=alt.Y("actual:Q", title=None),
        tooltip=["target:N", "year:O", alt.Tooltip("actual:Q", format=",.1f"), "unit:N"],
    ).properties(width=200, height=120).facet(facet=alt.Facet("target:N", title=None), columns=3).resolve_scale(
        y="independent")


STATUS_BACKGROUND = {"met": "#c7e9c0", "on_track": "#fff3b0", "behind": "#fcbba1"}


def status_table(long: pd.DataFrame, *, labels: dict[str, str], district_column: str):
    """A Styler: one row per district (and the city), one column per target showing attainment,
    each cell coloured by its status. Missing values show as —."""
    rows = list(dict.fromkeys(zip(long["adcode"], long["district"], strict=True)))
    wide = long.pivot(index=["adcode", "district"], columns="key", values="attainment").astype(float).reindex(rows)
    status = long.pivot(index=["adcode", "district"], columns="key", values="status").reindex(rows)
    order = list(dict.fromkeys(long["key"]))
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
    shown = wide.map(lambda value: "—" if pd.isna(value) else f"{value:.0%}")
    return shown.style.apply(colours, axis=None)
