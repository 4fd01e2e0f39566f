"""地图 Map: the layered map of Ningbo, a choropleth of one target, search, and the detail panel."""

import pydeck as pdk
import streamlit as st

from app_pages.panels import current_view, detail_panel
from spaces import cached
from spaces.basemaps import (
    MissingBasemapKeyError,
    basemap_options,
    deck_basemap,
    needs_gcj02,
    shift_frame,
    shift_view,
)
from spaces.detail import community_detail, district_detail, park_detail
from spaces.districts import load_districts
from spaces.html_map import html_map
from spaces.i18n import t
from spaces.layers import (
    COMMUNITY_LINE,
    FACTORY_COLOURS,
    NINGBO_VIEW,
    PARK_LINE,
    PLOT_COLOURS,
    PLOT_DETAIL_LIMIT,
    STATUS_COLOURS,
    TOOLTIP,
    build_layers,
    district_choropleth,
    view_for,
)
from spaces.targets import load_targets
from spaces.urlstate import LAYER_CHOICES
from spaces.vocab import load_vocabularies

view = current_view()
language, store, version, filters = view.language, view.store, view.version, view.filters
everything, shown = view.everything, view.shown
summary = cached.summary(store.location, version, filters.year)
targets = load_targets()
label = "label_zh" if language == "zh" else "label_en"
status_labels = {s: t(f"status_{s}", language) for s in STATUS_COLOURS}


def _select(kind: str, ident: str, *, fly: bool) -> None:
    st.session_state["selected"] = f"{kind}:{ident}"
    if fly:
        frame = everything["parks" if kind == "park" else "communities"]
        geometry = frame.loc[frame[f"{kind}_id"] == ident].geometry.iloc[0]
        st.session_state["view"] = view_for(geometry)


def _on_map_select() -> None:
    objects = st.session_state["map"].selection.get("objects", {})
    picked = next((items[0] for items in objects.values() if items), None)
    if picked is None:
        return
    properties = picked.get("properties", picked)
    if properties.get("kind") in ("park", "community", "district"):
        _select(properties["kind"], properties["id"], fly=False)


def _on_search() -> None:
    choice = st.session_state.get("search")
    if choice:
        kind, _, ident = choice.partition(":")
        _select(kind, ident, fly=True)


controls = st.columns([2, 3, 2, 1.3])
controls[0].selectbox(t("choropleth_target", language), options=list(targets), key="target",
                      format_func=lambda k: getattr(targets[k], label))
controls[1].multiselect(t("layers", language), options=list(LAYER_CHOICES), key="layers",
                        format_func=lambda name: t(f"layer_{name}", language))
searchable = {f"park:{r.park_id}": r.name_zh for r in everything["parks"].itertuples()}
searchable |= {f"community:{r.community_id}": r.name_zh for r in everything["communities"].itertuples()}
controls[2].selectbox(t("search", language), options=[None, *searchable], key="search", on_change=_on_search,
                      format_func=lambda key: "" if key is None else searchable[key], placeholder="…")

basemaps = basemap_options(language)
basemap = controls[3].selectbox(t("basemap", language), options=list(basemaps), format_func=basemaps.get,
                                key="basemap", help=t("basemap_online", language))
try:
    basemap_args = deck_basemap(basemap, tianditu_key=cached.tianditu_secret())
except MissingBasemapKeyError:
    st.warning(t("basemap_key_missing", language))
    basemap, basemap_args = "none", deck_basemap("none")
if needs_gcj02(basemap):
    st.caption(t("basemap_gcj02", language))
drawn = cached.shifted(store.location, version, filters, basemap)

map_column, detail_column = st.columns([3, 1.25])
choropleth = district_choropleth(shift_frame(load_districts(), basemap), summary.long,
                                 key=st.session_state["target"], status_labels=status_labels)
deck = pdk.Deck(
    layers=build_layers(drawn, visible=st.session_state["layers"], choropleth=choropleth, language=language),
    initial_view_state=pdk.ViewState(**shift_view(st.session_state.get("view", NINGBO_VIEW), basemap)),
    tooltip=TOOLTIP,
    **basemap_args,
)
with map_column:
    st.pydeck_chart(deck, on_select=_on_map_select, selection_mode="single-object", key="map", height=640)
    swatches = [(t("layer_parks", language), PARK_LINE), (t("layer_communities", language), COMMUNITY_LINE)]
    swatches += [(status_labels[s], c) for s, c in STATUS_COLOURS.items()]
    vocab = load_vocabularies()
    names = {k: getattr(vocab[k], f"labels_{language}") for k in ("status", "level")}
    swatches += [(f"{t('layer_plots', language)}·{names['status'][s]}", c) for s, c in PLOT_COLOURS.items()]
    swatches += [(f"{t('layer_factories', language)}·{names['level'][s]}", c) for s, c in FACTORY_COLOURS.items()]
    st.markdown(" ".join(
        f"<span style='white-space:nowrap;margin-right:12px'><span style='display:inline-block;width:12px;"
        f"height:12px;background:rgb({c[0]},{c[1]},{c[2]});margin-right:4px'></span>{text}</span>"
        for text, c in swatches), unsafe_allow_html=True)  # labels are our own catalogue text, not data
    if "plots" in st.session_state["layers"] and len(shown["plots"]) > PLOT_DETAIL_LIMIT:
        st.caption(t("plots_aggregated", language))
    notice = f"{t('sample_banner', language) if summary.is_sample else ''} {filters.summary_line()}".strip()
    st.download_button(t("download_html", language), key="download_html", on_click="ignore", mime="text/html",
                       file_name=f"ningbo-spaces-{filters.year}.html", icon=":material/download:",
                       data=lambda: html_map(shown, districts=load_districts(), title=t("html_map_title", language),
                                             notice=notice, language=language))

with detail_column:
    st.subheader(t("detail", language))
    selected = st.session_state.get("selected")
    kind, _, ident = (selected or "").partition(":")
    detail = None
    if kind == "park":
        detail = park_detail(everything, ident, year=filters.year, language=language, long=summary.long)
    elif kind == "community":
        detail = community_detail(everything, ident, year=filters.year, language=language)
    elif kind == "district":
        detail = district_detail(everything, summary.long, ident, year=filters.year, language=language)
    if detail is None:
        st.caption(t("detail_hint", language))
    else:
        detail_panel(detail, language=language, key="map_detail", status_labels=status_labels)
        st.button(t("clear_selection", language), key="clear",
                  on_click=lambda: st.session_state.update(selected=None))
