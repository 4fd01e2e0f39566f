"""Under the map: the legend of the layers shown and the notes on what the map leaves out (map page)."""

import html

import streamlit as st

from app_pages.parts.view import View
from spaces.reference.i18n import t
from spaces.reference.targets import load_targets
from spaces.view.deck import PlotDrawing, legend_swatches


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
