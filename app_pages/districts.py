"""区县达标 Districts: every target per district for the chosen year, ranking, and one district in depth."""

from dataclasses import replace

import pydeck as pdk
import streamlit as st

from app_pages.panels import current_view, download_buttons
from spaces import cached
from spaces.attainment import actual_by_year, elapsed_share, ranking
from spaces.charts import attainment_bars, status_table, trend_lines
from spaces.districts import district_names, load_districts
from spaces.i18n import t
from spaces.layers import (
    NINGBO_VIEW,
    STATUS_COLOURS,
    TOOLTIP,
    CompactDeck,
    build_layers,
    district_choropleth,
    view_for,
)
from spaces.targets import BASELINE_YEAR, load_targets

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
st.dataframe(status_table(long, labels=labels, district_column=t("district", language)), key="status_table")
with st.expander(t("downloads", language), icon=":material/download:"):
    st.caption(t("download_note", language))
    st.markdown(f"**{t('download_summary', language)}**")
    download_buttons(view, kind="summary", formats=("xlsx", "csv", "json"), key="dl_summary")
    st.markdown(f"**{t('download_brief', language)}**")
    download_buttons(view, kind="brief", formats=("pdf", "html"), key="dl_brief")

left, right = st.columns(2)
with left:
    chart_key = st.selectbox(t("target", language), options=[k for k in targets if targets[k].scope == "district"],
                             format_func=labels.get, key="districts_target")
    st.altair_chart(attainment_bars(long, key=chart_key, elapsed=elapsed, status_labels=status_labels,
                                    title=labels[chart_key]), width="stretch")
with right:
    table = ranking(long)
    st.dataframe(table[["rank", "district", "met", "on_track", "behind", "mean_attainment"]], hide_index=True,
                 key="ranking", column_config={
                     "rank": "#", "district": t("district", language), "met": status_labels["met"], "on_track": status_labels["on_track"],
                     "behind": status_labels["behind"],
                     "mean_attainment": st.column_config.ProgressColumn(t("attainment", language), format="percent",
                                                                        min_value=0.0, max_value=1.0)})

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
map_column, trend_column = st.columns([1, 1.4])
map_column.pydeck_chart(deck, key="district_map", height=460)
trend = actual_by_year(everything, adcode=adcode, years=range(BASELINE_YEAR, filters.year + 1))
units = {k: target.unit_zh if language == "zh" else target.unit_en for k, target in targets.items()}
trend_column.altair_chart(trend_lines(trend.loc[trend["key"] != "etdz_national_rank"], labels=labels, unit=units))
