"""One palette for every map, chart and table: the app, the offline HTML map and the printed exports."""

# Map colours are RGBA lists of 0..255, as pydeck takes them; :func:`hex_colour` gives the ``#rrggbb`` of one
# for Leaflet, Altair and matplotlib. A planner who learned that grey is a pending plot in the app sees grey in
# the brief too, and red keeps one meaning (a district behind its target).

from __future__ import annotations

from dataclasses import dataclass


def hex_colour(rgba: list[int]) -> str:
    """``#rrggbb`` of an RGBA list (the alpha is dropped).

    Examples
    --------
    >>> hex_colour(PARK_LINE)
    '#084594'
    """
    return "#{:02x}{:02x}{:02x}".format(*rgba[:3])


@dataclass(frozen=True)
class StatusColours:
    """The colours of one attainment status, by role: each medium keeps the shade it reads best in."""

    map: list[int]  # RGBA fill on maps (pydeck, Leaflet); its hex colours the app's charts
    cell: str  # background of a status cell in the app's tables, lighter than the map's fill
    print_fill: str  # Excel's good / neutral / bad fill: XLSX cells, the PDF and HTML brief
    print_text: str  # text on print_fill


# Attainment statuses (planning.attainment) in their order: met, on track, behind.
STATUS_PALETTE = {
    "met": StatusColours(map=[26, 152, 80, 150], cell="#c7e9c0", print_fill="#C6EFCE", print_text="#006100"),
    "on_track": StatusColours(map=[254, 196, 79, 150], cell="#fff3b0", print_fill="#FFEB9C", print_text="#9C5700"),
    "behind": StatusColours(map=[215, 48, 39, 150], cell="#fcbba1", print_fill="#FFC7CE", print_text="#9C0006"),
}
# No status (no data, no target): grey on maps and in print; an app table cell keeps no background.
NO_DATA_COLOUR = [189, 189, 189, 120]
NO_DATA_FILL, NO_DATA_TEXT = "#EDEDED", "#595959"

# Each role as its consumers take it, status -> colour.
STATUS_COLOURS = {status: colours.map for status, colours in STATUS_PALETTE.items()}
STATUS_HEX = {status: hex_colour(colours.map) for status, colours in STATUS_PALETTE.items()}
STATUS_BACKGROUND = {status: colours.cell for status, colours in STATUS_PALETTE.items()}
STATUS_FILLS = {status: colours.print_fill for status, colours in STATUS_PALETTE.items()}
STATUS_TEXT = {status: colours.print_text for status, colours in STATUS_PALETTE.items()}

# Plots reclaimed before the plan (2022) count nowhere: a neutral brown, neither a status colour (red, amber,
# green) nor the grey of a pending plot.
PLOT_COLOURS = {"pending": [120, 120, 120, 200], "in_progress": [230, 120, 20, 220], "reclaimed": [0, 109, 44, 230],
                "reclaimed_before_plan": [140, 107, 75, 210]}
# Factories take hues that are no status's (red, amber, green): a red national factory read as 滞后 and vanished
# on a red district. Municipal factories are teal, not blue: at city scale their dots would hide the parks' blue
# outlines. Every dot has a white rim (FACTORY_RIM) so that it stands out on any district colour.
FACTORY_COLOURS = {"national": [174, 1, 126, 240], "provincial": [106, 81, 163, 240], "municipal": [0, 151, 167, 240]}
PARK_FILL, PARK_LINE = [49, 130, 189, 70], [8, 69, 148, 255]
FACTORY_RIM = [255, 255, 255, 230]
COMMUNITY_FILL, COMMUNITY_LINE = [253, 141, 60, 110], [166, 54, 3, 255]
WINDOW_LINE = [0, 0, 0, 255]
# 亩均评价 classes (issue 11): blues for A and B, grey for C, near-black for D (the class 整治提升 works on: it must
# stand out on any district colour, with a white rim and a larger least size), hollow white for T (not evaluated).
# None is a status colour (red, amber, green) nor a factory's (magenta, purple, teal).
CLASS_COLOURS = {"A": [8, 81, 156, 230], "B": [107, 174, 214, 230], "C": [189, 189, 189, 230],
                 "D": [20, 20, 20, 255], "T": [255, 255, 255, 160]}
CLASS_RIM = [255, 255, 255, 255]
