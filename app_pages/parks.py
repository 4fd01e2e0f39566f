"""园区名录 Parks: a sortable, filterable directory of parks and communities; one chosen shows on a map."""

import pydeck as pdk
import streamlit as st

from app_pages.parts.detail_panel import detail_panel
from app_pages.parts.view import current_view
from spaces import cached
from spaces.exports.cells import csv_bytes
from spaces.reference.i18n import t
from spaces.view.deck import TOOLTIP, CompactDeck, build_layers, view_for
from spaces.view.detail import community_detail, park_detail
from spaces.view.directory import directory

view = current_view()
language, store, version, filters = view.language, view.store, view.version, view.filters
everything, shown = view.everything, view.shown

st.header(t("page_parks", language))
search = st.text_input(t("filter_text", language), key="directory_search", placeholder=t("filter_placeholder", language))
table = directory(shown, language=language, search=search)
if table.empty:
    st.info(t("no_match", language))
event = st.dataframe(
    table.assign(area_mu=table["area_mu"].round()), hide_index=True, key="directory", on_select="rerun", selection_mode="single-row",
    column_order=[c for c in table.columns if c != "key"],
    column_config={
        "kind": t("kind", language), "name_zh": t("name", language), "district": t("district", language),
        "level": t("attr_level", language),
        "industries": st.column_config.TextColumn(t("attr_industries", language), width="medium"),
        "area_mu": st.column_config.NumberColumn(t("attr_area_mu", language), format="localized"),  # 115,061
        "wanmu_qianyi": st.column_config.CheckboxColumn(t("attr_wanmu_qianyi", language)),
        "green_park_level": t("attr_green_park_level", language),
        "established_year": st.column_config.NumberColumn(t("attr_established_year", language), format="%d"),
        "park": t("attr_park", language),
    })
# Streamlit's own table download cannot neutralise formulas (client.disableDataExport hides it); this one does.
st.download_button("CSV", data=csv_bytes(table.drop(columns="key")), file_name="parks.csv", mime="text/csv",
                   key="directory_csv", on_click="ignore", icon=":material/download:")
rows = event.selection.rows if event is not None else []
# No st.stop() here: it would end the run before the frame writes the URL (language, filters) back.
if not rows:
    st.caption(t("choose_row", language))
else:
    kind, _, ident = table.iloc[rows[0]]["key"].partition(":")
    st.session_state["selected"] = f"{kind}:{ident}"
    detail = (park_detail if kind == "park" else community_detail)(everything, ident, year=filters.year,
                                                                     language=language)
    frame = everything["parks" if kind == "park" else "communities"]
    geometry = frame.loc[frame[f"{kind}_id"] == ident].geometry.iloc[0]
    map_column, detail_column = st.columns([1.4, 1])
    deck = CompactDeck(layers=cached.published(build_layers(shown, visible=["parks", "communities", "plots",
                                                                            "factories"], choropleth=None,
                                                            language=language)),
                       initial_view_state=pdk.ViewState(**view_for(geometry)), map_provider=None, tooltip=TOOLTIP)
    map_column.pydeck_chart(deck, key="parks_map", height=420)
    with detail_column:
        detail_panel(detail, language=language, key="parks_detail", status_labels={}, year=filters.year)
