"""The map page's legend: a swatch for each colour the map draws now, and none for what it does not (issue 12)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from spaces.reference.i18n import t
from spaces.reference.palette import (
    CLASS_COLOURS,
    COMMUNITY_FILL,
    FACTORY_COLOURS,
    NO_DATA_COLOUR,
    PARK_LINE,
    PLOT_COLOURS,
    STATUS_COLOURS,
    WINDOW_LINE,
)
from spaces.reference.vocab import load_vocabularies

from .deck import PlotDrawing

Swatch = tuple[str, list[int] | None]  # (label, RGBA); no colour: a heading for the swatches after it


def _rgb(colour) -> tuple[int, int, int]:
    return tuple(int(c) for c in colour[:3])


def _present(palette: Mapping[str, list[int]], records: list[dict], field: str) -> list[str]:
    """The keys of ``palette`` whose colour (alpha aside) some record is drawn in."""
    drawn = {_rgb(r[field]) for r in records}
    return [key for key, colour in palette.items() if _rgb(colour) in drawn]


def drawn_legend(shown: Mapping[str, pd.DataFrame], *, visible: list[str] | tuple[str, ...],
                 choropleth: dict | None, plots: PlotDrawing | None, language: str,
                 status_labels: dict[str, str], firms: list[dict] | None = None) -> list[Swatch]:
    """``(label, RGBA)`` for each colour drawn on the map in legend order: the district statuses the
    choropleth uses, parks and communities when some are drawn, the plot statuses drawn (plot by plot,
    then the 1 km cells under a heading that says what a cell is), the zoom window, the factory levels drawn."""
    vocab = load_vocabularies()
    statuses, levels = vocab["status"].labels(language), vocab["level"].labels(language)
    swatches: list[Swatch] = []
    if "districts" in visible and choropleth:
        features = [f["properties"] for f in choropleth["features"]]
        for status in _present(STATUS_COLOURS, features, "fill"):
            swatches.append((status_labels[status], STATUS_COLOURS[status]))
        if _present({"none": NO_DATA_COLOUR}, features, "fill"):
            swatches.append((t("export_no_data", language), NO_DATA_COLOUR))
    if "parks" in visible and len(shown["parks"]):
        swatches.append((t("layer_parks", language), PARK_LINE))
    if "communities" in visible and len(shown["communities"]):
        swatches.append((t("layer_communities", language), COMMUNITY_FILL))
    if "plots" in visible and plots is not None:
        name = t("layer_plots", language)
        swatches += [(f"{name}·{statuses[s]}", PLOT_COLOURS[s]) for s in _present(PLOT_COLOURS, plots.plots, "color")]
        cells = plots.cells
        if cells:
            swatches.append((t("legend_grid_cells", language), None))
            swatches += [(statuses[s], next(r["color"] for r in cells if _rgb(r["color"]) == _rgb(PLOT_COLOURS[s])))
                         for s in _present(PLOT_COLOURS, cells, "color")]
        if plots.window is not None:
            size = f"{plots.window.size_km:g}"
            swatches.append((t("legend_window", language).format(size=size), WINDOW_LINE))
    if "factories" in visible and len(shown["factories"]):
        drawn = set(shown["factories"]["level"])
        swatches += [(f"{t('layer_factories', language)}·{levels[level]}", colour)
                     for level, colour in FACTORY_COLOURS.items() if level in drawn]
    if "enterprises" in visible and firms:
        grades = vocab["grade"].labels(language)
        swatches.append((t("legend_firms", language), None))
        swatches += [(grades[grade], CLASS_COLOURS[grade]) for grade in _present(CLASS_COLOURS, firms, "color")]
    return swatches
