"""区县达标 Districts: every target per district for the chosen year, ranking, and one district in depth."""

from dataclasses import replace

import pydeck as pdk
import streamlit as st

from app_pages.parts.downloads import download_buttons
from app_pages.parts.view import current_view
from spaces import cached
from spaces.planning.attainment import actual_by_year, elapsed_share, ranking
from spaces.reference.districts import district_names, load_districts
from spaces.reference.i18n import t
from spaces.reference.targets import BASELINE_YEAR, load_targets
from spaces.view.charts import attainment_bars, city_only_lines, status_table, trend_lines
from spaces.view.deck import (
    NINGBO_VIEW,
    STATUS_COLOURS,
    TOOLTIP,
    CompactDeck,
    build_layers,
    district_choropleth,
    view_for,
)

view = current_view()
language, store, version, filters, everything = view.language, view.store, view.version, view.filters, view.everything
summary = cached.summary(store.location, version, filters.year)
targets = load_targets()
labels = {k: getattr(target, "label_zh" if language == "zh" else "label_en") for k, target in targets.items()}
status_labels = {s: t(f"status_{s}", language) for s in STATUS_COLOURS}
elapsed = elapsed_share(filters.year)
names = district_names().set_index("adcode")
name_column = "name_zh" if language == "zh" else "name_en"
long = summary.long.assign(district=summary.long["adcode"].map(names[name_column]))

st.header(f"{t('page_districts', language)} · {filters.year}")
st.caption(f"{t('elapsed_note', language)}: {elapsed:.0%}")
# City-only targets (the ETDZ rank) would be a column of — for every district: they get a line below instead.
# The city row stays last, as in every export, and the table is as tall as its 11 rows so it is never scrolled away.
district_keys = [k for k in targets if targets[k].scope == "district"]
st.dataframe(status_table(long, labels=labels, district_column=t("district", language), keys=district_keys,
                          no_target=t("no_target", language)),
             key="status_table", height="content")
for line in city_only_lines(long, targets=targets, status_labels=status_labels, language=language):
    st.caption(line)
with st.expander(t("downloads", language), icon=":material/download:"):
    st.caption(t("download_note", language))
    st.markdown(f"**{t('download_summary', language)}**")
    download_buttons(view, kind="summary", formats=("xlsx", "csv", "json"), key="dl_summary")
    st.markdown(f"**{t('download_brief', language)}**")
    download_buttons(view, kind="brief", formats=("pdf", "html"), key="dl_brief")

# One above the other: side by side, the ranking's attainment column was scrolled out of sight at 1000 px.
chart_key = st.selectbox(t("target", language), options=district_keys, format_func=labels.get, key="districts_target")
st.altair_chart(attainment_bars(long, key=chart_key, elapsed=elapsed, status_labels=status_labels,
                                title=labels[chart_key]), width="stretch")
st.markdown(f"**{t('ranking_heading', language)}**")
table = ranking(long)
table = table.assign(mean_attainment=table["mean_attainment"] * 100)  # printf formats show one decimal of %
st.dataframe(table[["rank", "district", "met", "on_track", "behind", "mean_attainment"]], hide_index=True,
             key="ranking", height="content", column_config={
                 "rank": st.column_config.NumberColumn("#", width="small"), "district": t("district", language),
                 **{s: st.column_config.NumberColumn(status_labels[s], width="small") for s in STATUS_COLOURS},
                 "mean_attainment": st.column_config.ProgressColumn(t("mean_attainment", language), format="%.1f%%",
                                                                    min_value=0.0, max_value=100.0)})
st.caption(t("ranking_rule", language))

st.divider()
adcode = st.selectbox(t("district", language), options=list(names.index[:-1]), key="drill_district",
                      format_func=lambda code: names.loc[code, name_column])
focus = load_districts().set_index("adcode").loc[[adcode]].reset_index()
own = cached.filtered(store.location, version, replace(filters, districts=(adcode,)))
deck = CompactDeck(
    layers=build_layers(own, visible=["districts", "parks", "communities", "plots", "factories"],
                        choropleth=district_choropleth(focus, long, key=chart_key, status_labels=status_labels),
                        language=language),
    initial_view_state=pdk.ViewState(**view_for(focus.geometry.iloc[0]) if len(focus) else NINGBO_VIEW),
    map_provider=None, tooltip=TOOLTIP,
)
st.pydeck_chart(deck, key="district_map", height=380)
trend = actual_by_year(everything, adcode=adcode, years=range(BASELINE_YEAR, filters.year + 1))
st.markdown(f"**{t('trend_heading', language).format(district=names.loc[adcode, name_column])}**")
# Two charts a row, each as wide as its column: a grid that fits the page from 1000 px up.
trend_charts = trend_lines(trend, targets={k: v for k, v in targets.items() if v.scope == "district"}, language=language)
for first in range(0, len(trend_charts), 2):
    for column, chart in zip(st.columns(2), trend_charts[first:first + 2], strict=False):
        column.altair_chart(chart, width="stretch")
