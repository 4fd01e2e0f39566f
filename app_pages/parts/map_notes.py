"""Under the map: the legend of the layers shown and the notes on what the map leaves out (map page)."""


import streamlit as st

from app_pages.parts.view import View
from spaces.reference.i18n import t
from spaces.reference.targets import load_targets
from spaces.view.deck import PlotDrawing

from .map_view import map_legend


def legend_panel(view: View, *, visible: list[str], target: str, status_labels: dict[str, str],
                 choropleth: dict | None, plots: PlotDrawing | None, firms: list[dict] | None = None) -> None:
    """Beside the map, at its top (on the first screen at 1440×900 too): the legend of what is drawn."""
    language, targets = view.language, load_targets()
    title = t("legend_choropleth", language).format(target=getattr(targets[target], f"label_{language}"),
                                                    year=view.filters.year)
    with st.container(key="map_legend"):
        map_legend(view.shown, visible=visible, choropleth=choropleth, plots=plots, language=language,
                   status_labels=status_labels, title=title, firms=firms)


def map_notes(view: View, *, visible: list[str], target: str, basemap: str) -> None:
    """Under the map: why the map may look empty or grey."""
    language, targets = view.language, load_targets()
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
