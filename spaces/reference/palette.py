"""One palette for every map the project draws: the app (pydeck), the offline HTML map and the PDF brief.

RGBA lists of 0..255, as pydeck takes them; :func:`hex_colour` gives the ``#rrggbb`` of one for Leaflet
and matplotlib. A planner who learned that grey is a pending plot in the app sees grey in the brief too,
and red keeps one meaning (a district behind its target).
"""

from __future__ import annotations

STATUS_COLOURS = {"met": [26, 152, 80, 150], "on_track": [254, 196, 79, 150], "behind": [215, 48, 39, 150]}
NO_DATA_COLOUR = [189, 189, 189, 120]
PLOT_COLOURS = {"pending": [120, 120, 120, 200], "in_progress": [230, 120, 20, 220], "reclaimed": [0, 109, 44, 230]}
# Municipal factories are teal, not blue: at city scale their dots would hide the parks' blue outlines.
FACTORY_COLOURS = {"national": [203, 24, 29, 240], "provincial": [106, 81, 163, 240], "municipal": [0, 151, 167, 240]}
PARK_FILL, PARK_LINE = [49, 130, 189, 70], [8, 69, 148, 255]
COMMUNITY_FILL, COMMUNITY_LINE = [253, 141, 60, 110], [166, 54, 3, 255]
WINDOW_LINE = [0, 0, 0, 255]


def hex_colour(rgba: list[int]) -> str:
    """``#rrggbb`` of an RGBA list (the alpha is dropped).

    Examples
    --------
    >>> hex_colour(PARK_LINE)
    '#084594'
    """
    return "#{:02x}{:02x}{:02x}".format(*rgba[:3])
