"""The zoom window: every plot drawn in full around a chosen place, 1 km cells elsewhere (a city of plots zoomed in)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .grid import CELL_METRES, aligned_cells, block_outline, cell_centre, cell_of
from .shift import unshift_point

# The widest zoom window, in cells each side of the centre cell: 7 × 7 km, what a screen shows at
# about zoom 12. It shrinks until it holds no more plots than the map can draw in full.
WIDEST_REACH = 3


@dataclass(frozen=True)
class ZoomWindow:
    """A square block of grid cells, ``x0 <= cell_x < x1`` and ``y0 <= cell_y < y1``, drawn plot by plot."""

    x0: int
    y0: int
    x1: int
    y1: int
    plots: int

    @property
    def size_km(self) -> float:
        return (self.x1 - self.x0) * CELL_METRES / 1000

    def holds(self, cells: pd.DataFrame) -> np.ndarray:
        """Which rows of ``cells`` (``cell_x``, ``cell_y``) lie in the window."""
        x, y = cells["cell_x"].to_numpy(), cells["cell_y"].to_numpy()
        return (x >= self.x0) & (x < self.x1) & (y >= self.y0) & (y < self.y1)

    def outline(self) -> list[list[float]]:
        """The window's edge as a closed WGS-84 ring."""
        return block_outline(self.x0, self.y0, self.x1, self.y1)

    def view(self) -> dict:
        """A map view (longitude, latitude, zoom) that frames the window."""
        lon, lat = cell_centre((self.x0 + self.x1 - 1) / 2, (self.y0 + self.y1 - 1) / 2)
        # A 7 km square fills a 640 px high map at zoom ~12.3; each halving of the side is one zoom step.
        zoom = 12.3 + np.log2(7 / self.size_km)
        return {"longitude": round(lon, 5), "latitude": round(lat, 5), "zoom": round(float(zoom), 2)}


def zoom_window(plots: pd.DataFrame, *, lon: float, lat: float, limit: int,
                  cells: pd.DataFrame | None = None, reach: int = WIDEST_REACH) -> ZoomWindow:
    """The widest square of cells around the point (``lon``, ``lat``) holding at most ``limit`` plots.

    It starts ``reach`` cells either side of the point's cell and narrows one cell a side at a
    time; the single cell of the point is the narrowest (it is kept even above ``limit``: a 1 km
    cell of more plots than the map can draw does not occur in cadastral data). ``cells`` are
    :func:`spaces.geo.grid.plot_cells` of ``plots`` (or of a superset), computed when missing.

    Examples
    --------
    >>> from spaces.sample import build_sample
    >>> plots = build_sample(plots=20_000)["plots"]
    >>> window = zoom_window(plots, lon=121.55, lat=29.87, limit=500)
    >>> window.plots <= 500 and window.x1 - window.x0 == window.y1 - window.y0
    True
    """
    cells = aligned_cells(plots, cells)
    centre_x, centre_y = (int(v) for v in cell_of(lon, lat))
    x, y = cells["cell_x"].to_numpy(), cells["cell_y"].to_numpy()
    dx, dy = np.abs(x - centre_x), np.abs(y - centre_y)
    # Plots per ring of cells around the centre (ring r = cells at Chebyshev distance r).
    distance = np.maximum(dx, dy)
    near = distance[distance <= reach]
    per_reach = np.cumsum(np.bincount(near, minlength=reach + 1))
    fitting = np.flatnonzero(per_reach <= limit)
    chosen = int(fitting.max()) if len(fitting) else 0
    return ZoomWindow(centre_x - chosen, centre_y - chosen, centre_x + chosen + 1, centre_y + chosen + 1,
                        plots=int(per_reach[chosen]))


def parse_focus(text: str | None) -> tuple[float, float] | None:
    """``"lon,lat"`` (as kept in the URL) as a pair of floats, or None when missing or not in the Ningbo area.

    Examples
    --------
    >>> parse_focus("121.55,29.87")
    (121.55, 29.87)
    >>> parse_focus("0,0") is None
    True
    """
    if not text:
        return None
    parts = str(text).split(",")
    if len(parts) != 2:
        return None
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    # The city lies within 120.8–122.5 E, 28.8–30.4 N; a margin keeps nearby islands.
    if not (120.5 <= lon <= 123.0 and 28.5 <= lat <= 30.7):
        return None
    return lon, lat


def format_focus(lon: float, lat: float) -> str:
    """The URL form of a focus point, to about 10 m."""
    return f"{lon:.4f},{lat:.4f}"


def focus_of_cell(cell_id: str, basemap_id: str) -> str:
    """The focus (URL form, WGS-84) at the centre of a clicked cell, whose id ``"x,y"`` is in the grid as drawn."""
    cell_x, cell_y = (int(v) for v in cell_id.split(","))
    return format_focus(*unshift_point(*cell_centre(cell_x, cell_y), basemap_id))


def window_view(window: ZoomWindow, basemap_id: str) -> dict:
    """The WGS-84 view (as the app keeps it) framing ``window``, a window of the plots as drawn over ``basemap_id``."""
    view = window.view()
    lon, lat = unshift_point(view["longitude"], view["latitude"], basemap_id)
    return {**view, "longitude": round(lon, 5), "latitude": round(lat, 5)}

