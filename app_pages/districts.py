"""区县达标 Districts: progress on every target per district for the chosen year, ranking, and one district in depth."""

from dataclasses import replace

import pydeck as pdk
import streamlit as st

from app_pages.parts.downloads import download_buttons
from app_pages.parts.view import current_view
from spaces import cached
from spaces.planning.attainment import actual_by_year
from spaces.planning.calendar import elapsed_share, is_provisional
from spaces.planning.pace import district_scores
from spaces.reference.districts import district_names, load_districts
from spaces.reference.i18n import colon, localised, t
from spaces.reference.targets import BASELINE_YEAR, PLAN_START_YEAR, load_targets
from spaces.view.charts import city_only_lines, progress_bars, trend_lines
from spaces.view.deck import (
    NINGBO_VIEW,
    STATUS_COLOURS,
    CompactDeck,
    build_layers,
    district_choropleth,
    map_tooltip,
    view_for,
)
from spaces.view.matrix import gap_matrix, matrix_columns, matrix_html
from spaces.view.mujun import METRICS, trend_line
from spaces.view.pace_text import provisional_note, ranking_rule, rules_markdown, year_label

view = current_view()
language, store, version, filters, everything = view.language, view.store, view.version, view.filters, view.everything
summary = cached.summary(store.location, version, filters.year, today=view.today)
targets = load_targets()
labels = {k: target.label(language) for k, target in targets.items()}
status_labels = {s: t(f"status_{s}", language) for s in STATUS_COLOURS}
names = district_names().set_index("adcode")
name_column = localised("name", language)
long = summary.long.assign(district=summary.long["adcode"].map(names[name_column]))
year_text = year_label(filters.year, today=view.today, language=language)

st.header(f"{t('page_districts', language)} · {year_text}")
if summary.provisional:
    st.info(provisional_note(filters.year, language), icon=":material/schedule:")
with st.expander(t("progress_rules_title", language), icon=":material/help:"):
    st.markdown(rules_markdown(language))
pace = elapsed_share(filters.year, today=view.today)
# Targets as rows (grouped as in the plan), districts as columns, each cell the gap in the target's unit: it fits
# 1280 px without scrolling. City-only targets (the ETDZ rank) would be a row of — : they get a line below instead.
# The sidebar's district filter keeps those districts (and the city), as the XLSX does.
district_keys = [k for k in targets if targets[k].scope == "district"]
columns = matrix_columns(list(names.index), filters.districts)
st.html(matrix_html(gap_matrix(long, targets={k: targets[k] for k in district_keys}, columns=columns,
                                            language=language),
                                 targets=targets, column_names=names[name_column].to_dict(), language=language,
                                 district_heading=t("target", language)))
st.caption(t("matrix_note", language).format(expected=f"{pace:.0%}"))
if long.loc[long["key"].isin(district_keys) & long["adcode"].isin(columns), "stale"].fillna(False).astype(bool).any():
    st.caption(t("stale_mark_note", language))
for line in city_only_lines(long, targets=targets, status_labels=status_labels, language=language):
    st.caption(line)
with st.expander(t("downloads", language), icon=":material/download:"):
    st.caption(t("download_note", language))
    st.markdown(f"**{t('download_summary', language)}**")
    download_buttons(view, kind="summary", formats=("xlsx", "csv", "json"), key="dl_summary")
    st.markdown(f"**{t('download_brief', language)}**")
    download_buttons(view, kind="brief", formats=("pdf", "html"), key="dl_brief")

# One above the other: side by side, the ranking's score column was scrolled out of sight at 1000 px.
chart_key = st.selectbox(t("target", language), options=district_keys, format_func=labels.get, key="districts_target")
st.altair_chart(progress_bars(long.loc[long["adcode"].isin(columns)], key=chart_key, status_labels=status_labels, language=language,
                              title=f"{labels[chart_key]} · {year_text}"), width="stretch")
st.caption(t("pace_tick_note", language))
st.markdown(f"**{t('ranking_heading', language)} · {year_text}**")
table = district_scores(long)  # ranked among all ten; the sidebar's districts keep their rows
table = table.loc[table["adcode"].isin(columns)] if filters.districts else table
table = table.assign(score=table["score"] * 100)  # printf formats show a % of the pace
st.dataframe(table[["rank", "district", "score", "scored", "met", "on_track", "behind"]], hide_index=True,
             key="ranking", height="content", column_config={
                 "rank": st.column_config.NumberColumn("#", width="small"), "district": t("district", language),
                 "score": st.column_config.NumberColumn(t("score", language), format="%.1f%%"),  # ties: to 0.1%
                 "scored": st.column_config.NumberColumn(t("scored_targets", language), width="small"),
                 **{s: st.column_config.NumberColumn(status_labels[s], width="small") for s in STATUS_COLOURS}})
st.caption(ranking_rule(language))

st.divider()
# The drill-down follows the sidebar: its districts only (the first by default), else all ten.
adcode = st.selectbox(t("district", language), options=columns[:-1], key="drill_district",
                      format_func=lambda code: names.loc[code, name_column])
focus = load_districts().set_index("adcode").loc[[adcode]].reset_index()
own = cached.filtered(store.location, version, replace(filters, districts=(adcode,)))
choropleth = district_choropleth(focus, long, key=chart_key, status_labels=status_labels, language=language)
deck = CompactDeck(
    layers=cached.published(build_layers(
        own, visible=["districts", "parks", "communities", "plots", "factories"], language=language, labels=focus,
        choropleth=choropleth)),
    initial_view_state=pdk.ViewState(**view_for(focus.geometry.iloc[0]) if len(focus) else NINGBO_VIEW),
    map_provider=None, tooltip=map_tooltip(choropleth),
)
st.pydeck_chart(deck, key="district_map", height=380)
trend = actual_by_year(everything, adcode=adcode, years=range(BASELINE_YEAR, filters.year + 1))
st.markdown(f"**{t('trend_heading', language).format(district=names.loc[adcode, name_column])}**")
own_rows = long.loc[long["adcode"] == adcode].set_index("key")
provisional = frozenset(y for y in range(PLAN_START_YEAR, filters.year + 1) if is_provisional(y, today=view.today))
# Two charts a row, each as wide as its column: a grid that fits the page from 1000 px up.
trend_charts = trend_lines(trend, targets={k: v for k, v in targets.items() if v.scope == "district"},
                           language=language, baselines=own_rows["baseline"].to_dict(), provisional=provisional,
                           goals=own_rows["target"].to_dict())
for first in range(0, len(trend_charts), 2):
    for column, chart in zip(st.columns(2), trend_charts[first:first + 2], strict=False):
        column.altair_chart(chart, width="stretch")
# 亩均 levels (万元/亩) since 2021, not only their growth: the trend charts above show growth (issue 11).
scored = cached.scored_enterprises(store.location, version)
st.caption("  \n".join(f"**{t(f'attr_{m}_levels', language)}**{colon(language)}{line}" for m in METRICS
                        if (line := trend_line(scored, everything.get("indicators"), adcode=adcode, metric=m,
                                               year=filters.year, language=language))))
