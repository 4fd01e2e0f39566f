"""地图 Map: the layered map of Ningbo, a choropleth of one target, search, and the detail panel."""

import pydeck as pdk
import streamlit as st

from app_pages.parts.city_header import city_header
from app_pages.parts.detail_panel import detail_panel
from app_pages.parts.map_notes import legend_panel, map_notes, plots_note
from app_pages.parts.map_view import counts_and_hint, firm_filters, hidden_notice, search_box, settle_view
from app_pages.parts.view import current_view
from spaces import cached
from spaces.errors import MissingBasemapKeyError
from spaces.exports import describe_filters, export_filename
from spaces.exports.html_map import html_map
from spaces.geo.shift import shift_frame, shift_view
from spaces.geo.window import focus_of_cell, parse_focus
from spaces.reference.basemap_catalogue import needs_gcj02
from spaces.reference.districts import load_districts
from spaces.reference.i18n import t
from spaces.reference.targets import load_targets
from spaces.view.basemaps import basemap_options, deck_basemap
from spaces.view.deck import (
    NINGBO_VIEW,
    STATUS_COLOURS,
    CompactDeck,
    build_layers,
    district_choropleth,
    map_tooltip,
)
from spaces.view.detail import selected_detail
from spaces.view.firms import firm_layers
from spaces.view.mapstate import district_at
from spaces.view.urlstate import LAYER_CHOICES

view = current_view()
language, store, version, filters = view.language, view.store, view.version, view.filters
everything, shown = view.everything, view.shown
summary = cached.summary(store.location, version, filters.year, today=view.today)
targets = load_targets()
status_labels = {s: t(f"status_{s}", language) for s in STATUS_COLOURS}


# A new key makes a new chart: it drops the selection (which would dim everything else) and opens on the view.
map_key = f"map_{st.session_state.get('_map_generation', 0)}"


def _new_map() -> None:
    st.session_state["_map_generation"] = st.session_state.get("_map_generation", 0) + 1


def _on_map_select() -> None:
    objects = st.session_state[map_key].selection.get("objects", {})
    picked = next((items[0] for items in objects.values() if items), None)
    if picked is None:
        return
    properties = picked.get("properties", picked)
    if properties.get("kind") in ("park", "community", "district", "enterprise"):
        st.session_state["selected"] = f"{properties['kind']}:{properties['id']}"
    elif properties.get("kind") == "plot_cell":  # zoom in: every plot around the cell, the map flies there
        focus = focus_of_cell(properties["id"], st.session_state["basemap"])
        # At city scale the cells cover most of a district: the click tells about the district it is in too.
        adcode = district_at(*parse_focus(focus))
        st.session_state.update(focus=focus, _fly=True, **({"selected": f"district:{adcode}"} if adcode else {}))
        _new_map()


def _whole_city() -> None:
    st.session_state.update(focus=None, view=NINGBO_VIEW)
    _new_map()


city_header(summary.long, districts=filters.districts, year=filters.year, language=language)
controls = st.columns([2, 3, 2, 1.3])
controls[0].selectbox(t("choropleth_target", language), options=list(targets), key="target",
                      format_func=lambda k: getattr(targets[k], f"label_{language}"))
controls[1].multiselect(t("layers", language), options=list(LAYER_CHOICES), key="layers",
                        placeholder=t("choose_layers", language), format_func=lambda name: t(f"layer_{name}", language))
search_box(controls[2], everything, language)

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
focus = parse_focus(st.session_state.get("focus"))
plots = None  # built (and cached) only when the plots layer is shown: the costly one at city scale
if "plots" in st.session_state["layers"]:
    plots = cached.plot_drawing(store.location, version, filters, basemap, language, focus)
settle_view(filters, plots, basemap, focus)
firms = None  # the enterprises' dots (亩均评价), with their own class and group filters
if "enterprises" in st.session_state["layers"]:
    firms = cached.firm_drawing(store.location, version, filters.year, filters.districts,
                                *firm_filters(language), basemap, language)

map_column, detail_column = st.columns([3, 1.25])
districts_drawn = shift_frame(load_districts(), basemap)
choropleth = district_choropleth(districts_drawn, summary.long,
                                 key=st.session_state["target"], status_labels=status_labels, language=language,
                                 chosen=filters.districts)
deck = CompactDeck(
    layers=cached.published(build_layers(drawn, visible=st.session_state["layers"], choropleth=choropleth,
                                         language=language, plots=plots, firms=firm_layers(firms) if firms else None,
                                         labels=districts_drawn)),
    initial_view_state=pdk.ViewState(**shift_view(st.session_state.get("view") or NINGBO_VIEW, basemap)),
    tooltip=map_tooltip(choropleth if "districts" in st.session_state["layers"] else None),
    **basemap_args,
)
with map_column:
    counts_and_hint(shown, visible=st.session_state["layers"], language=language)
    st.pydeck_chart(deck, on_select=_on_map_select, selection_mode="single-object", key=map_key, height=640)
    map_notes(view, visible=st.session_state["layers"], target=st.session_state["target"], basemap=basemap)
    plots_note(plots, language)
    if st.session_state.get("focus") or (st.session_state.get("view") or NINGBO_VIEW) != NINGBO_VIEW:
        st.button(t("whole_city", language), key="whole_city", on_click=_whole_city, icon=":material/zoom_out_map:")
    notice = f"{t('sample_banner', language) if summary.is_sample else ''} {describe_filters(filters, language)}".strip()
    shown_layers, target = tuple(st.session_state["layers"]), st.session_state["target"]  # read now, not on the click
    st.download_button(t("download_html", language), key="download_html", on_click="ignore", mime="text/html",
                       file_name=export_filename("map", filters, suffix="html", sample=summary.is_sample),
                       icon=":material/download:", data=lambda: html_map(
                           shown, districts=load_districts(), title=t("html_map_title", language), notice=notice,
                           language=language, focus=focus, visible=shown_layers, summary=summary, target=target))

with detail_column:
    legend_panel(view, visible=st.session_state["layers"], target=st.session_state["target"],
                 status_labels=status_labels, choropleth=choropleth, plots=plots, firms=firms)
    st.subheader(t("detail", language))
    hidden_notice(everything, shown, filters, language)
    detail = selected_detail(everything, summary.long, st.session_state.get("selected"), year=filters.year,
                             language=language, scored=cached.scored_enterprises(store.location, version))
    if detail is None:
        st.caption(t("detail_hint", language))
    else:
        detail_panel(detail, language=language, key="map_detail", status_labels=status_labels, year=filters.year)
        st.button(t("clear_selection", language), key="clear",
                  on_click=lambda: st.session_state.update(selected=None))
