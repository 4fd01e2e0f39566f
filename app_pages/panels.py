"""Pieces of layout shared by several pages (not a page itself: it is not listed in st.navigation)."""

import html
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from spaces import cached
from spaces.exports.registry import MEDIA_TYPES, colon, export, export_filename
from spaces.planning.filters import Filters
from spaces.reference.i18n import t
from spaces.reference.targets import load_targets
from spaces.store import Store
from spaces.view.deck import PlotDrawing, legend_swatches, markdown_text
from spaces.view.detail import Detail
from spaces.view.urlstate import filters_from_state

SOURCES = ("sample", "import", "default", "app")


@dataclass(frozen=True)
class View:
    """What every page starts from: language, the store and its version, the filters, the layers."""

    language: str
    store: Store
    version: str
    filters: Filters
    everything: dict[str, pd.DataFrame]
    shown: dict[str, pd.DataFrame]


def current_view() -> View:
    """The view the sidebar describes (the layers are cached, read-only)."""
    store = cached.store()
    version = store.version()
    filters = filters_from_state(st.session_state)
    return View(language=st.session_state.get("language", "zh"), store=store, version=version, filters=filters,
                everything=cached.layers(store.location, version),
                shown=cached.filtered(store.location, version, filters))


def detail_panel(detail: Detail, *, language: str, key: str, status_labels: dict[str, str]) -> None:
    """A selected park, community or district: title, attributes, contents and attainment."""
    st.markdown(f"#### {markdown_text(detail.title)}")
    if detail.attributes.get("source") == "sample" and detail.kind != "district":
        # Only a real zone's name, district and level are documented; its year, area and outline are not.
        st.caption(t("sample_real_note" if detail.approximate else "sample_invented_note", language))
    elif detail.approximate:
        st.caption(t("approximate_note", language))
    shown = {k: (t(f"source_{v}", language) if k == "source" and v in SOURCES else v)
             for k, v in detail.attributes.items() if v}
    # Label: value lines, not a two-column table: the panel is too narrow for both columns to show whole.
    sep = colon(language)
    st.markdown("  \n".join(f"**{markdown_text(t(f'attr_{k}', language))}**{sep}{markdown_text(v)}"
                             for k, v in shown.items()))
    if not detail.contents.empty:
        st.caption(t("contents", language))
        # Factories are points: no area, an empty cell (a number column would print "None").
        contents = detail.contents.assign(
            layer=detail.contents["layer"].map(lambda n: t(f"layer_{n}", language)),
            area_mu=[("" if pd.isna(v) else f"{v:,.0f}") for v in detail.contents["area_mu"]])
        st.dataframe(contents, hide_index=True, key=f"{key}_contents", column_config={
            "layer": t("layers", language), "category": t("category", language), "count": t("count", language),
            "area_mu": st.column_config.TextColumn(t("attr_area_mu", language))})
    if not detail.attainment.empty:
        if detail.kind == "park":
            st.caption(t("district_attainment", language))
        # Lines, not a table: the panel is too narrow for five columns. Target: actual / goal · status share.
        rows = detail.attainment
        shares = pd.to_numeric(rows["attainment"])
        st.markdown("  \n".join(
            f"**{markdown_text(target)}**{sep}{markdown_text(actual)} / {markdown_text(goal)} · "
            f"{markdown_text(status_labels.get(status, t('export_no_data', language)))}"
            + ("" if pd.isna(share) else f" {share:.0%}")
            for target, actual, goal, status, share in zip(rows["target"], rows["actual"], rows["target_value"],
                                                           rows["status"], shares, strict=True)))


def download_buttons(view: View, *, kind: str, formats: tuple[str, ...], key: str) -> None:
    """One download button per format of an export kind; each file is made only when clicked."""
    sample = "sample" in cached.source_of_data(view.store.location, view.version)
    columns = st.columns(len(formats))
    for column, fmt in zip(columns, formats, strict=True):

        def make(fmt: str = fmt) -> bytes:
            return export(kind, fmt, view.everything, filters=view.filters, store=view.store.location,
                          language=view.language).data

        column.download_button(fmt.upper(), data=make, key=f"{key}_{fmt}", on_click="ignore",
                               file_name=export_filename(kind, fmt, view.filters, sample=sample),
                               mime=MEDIA_TYPES[fmt], icon=":material/download:", width="stretch")


def map_legend(language: str, status_labels: dict[str, str], *, visible: tuple[str, ...] | list[str] | None = None,
               choropleth: str | None = None) -> None:
    """Colour swatches of the layers shown (all when ``visible`` is None), in one wrapped line; ``choropleth``
    (what the district colours mean, e.g. the target and year) heads the district colours."""
    shown = set(visible) if visible is not None else {"districts", "parks", "communities", "plots", "factories"}
    title = f"<b>{html.escape(choropleth)}</b> " if choropleth and "districts" in shown else ""
    st.markdown(title + " ".join(
        f"<span style='white-space:nowrap;margin-right:12px'><span style='display:inline-block;width:12px;"
        f"height:12px;background:rgb({c[0]},{c[1]},{c[2]});margin-right:4px'></span>{html.escape(text)}</span>"
        for text, c in legend_swatches(shown, language=language, status_labels=status_labels)),
        unsafe_allow_html=True)  # our own catalogue text, escaped all the same


def map_notes(view: View, *, visible: list[str], target: str, basemap: str, status_labels: dict[str, str]) -> None:
    """Under the map: the legend of what is shown, and why the map may look empty or grey."""
    language, targets = view.language, load_targets()
    choropleth = t("legend_choropleth", language).format(target=getattr(targets[target], f"label_{language}"),
                                                         year=view.filters.year)
    map_legend(language, status_labels, visible=visible, choropleth=choropleth)
    if "districts" in visible and targets[target].scope == "city":
        st.caption(t("city_only_target", language))
    layers = [name for name in ("parks", "communities", "plots", "factories") if name in visible]
    if layers and all(not len(view.shown[name]) for name in layers):
        st.info(t("no_match", language))
    if basemap != "none":
        st.caption(t("basemap_online", language))


def plots_note(plots: PlotDrawing | None, language: str) -> None:
    """Under the map: how the plots are drawn when not every plot is (1 km cells, a detail window)."""
    if plots and plots.window is not None:
        st.caption(t("plots_window", language).format(size=f"{plots.window.size_km:g}",
                                                       count=f"{plots.window.plots:,}"))
    elif plots and plots.aggregated:
        st.caption(t("plots_aggregated", language))
