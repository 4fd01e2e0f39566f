"""Plots summed to a regular grid of equal-area cells, so a city of plots reaches the browser in a few MB."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import shapely

from spaces.reference.i18n import t

from .crs import EQUAL_AREA_CRS, STORAGE_CRS
from .shift import shift_coordinates

PLOT_STATUSES = ("pending", "in_progress", "reclaimed", "reclaimed_before_plan")  # as of the year (planning.filters)
CELL_METRES = 1000.0
# Cell tooltip words; statuses come from the vocabulary catalogue.

_TO_EQUAL_AREA = pyproj.Transformer.from_crs(STORAGE_CRS, EQUAL_AREA_CRS, always_xy=True)
_TO_STORAGE = pyproj.Transformer.from_crs(EQUAL_AREA_CRS, STORAGE_CRS, always_xy=True)


def plot_cells(plots: pd.DataFrame, *, cell_metres: float = CELL_METRES, basemap_id: str = "none") -> pd.DataFrame:
    """The grid cell (``cell_x``, ``cell_y``) holding each plot's centroid, indexed like ``plots``.

    The costly part of aggregating (a centroid per plot); it depends on geometry only, so the app
    computes it once per store version and passes it to :func:`aggregate_plots` for every filter.
    With a GCJ-02 ``basemap_id`` the cells are those of the plots as drawn there (the centroids
    are shifted, which is the same as shifting the plots first: the shift is locally a translation).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> one = gpd.GeoDataFrame(geometry=[shapely.box(121.5, 29.7, 121.5002, 29.7002)], crs=4326)
    >>> plot_cells(one).columns.tolist()
    ['cell_x', 'cell_y']
    """
    # Centroids of plots a few hundred metres wide, taken in degrees, land in the same 1 km cell
    # as their equal-area centroids; transforming points is far cheaper than whole polygons.
    centroids = shapely.centroid(plots.geometry.to_numpy())
    lon, lat = shift_coordinates(shapely.get_x(centroids), shapely.get_y(centroids), basemap_id)
    cell_x, cell_y = cell_of(lon, lat, cell_metres=cell_metres)
    return pd.DataFrame({"cell_x": cell_x, "cell_y": cell_y}, index=plots.index, dtype=np.int64)


def aligned_cells(plots: pd.DataFrame, cells: pd.DataFrame | None, *,
                  cell_metres: float = CELL_METRES) -> pd.DataFrame:
    """``cells`` (of ``plots`` or of a superset, from :func:`plot_cells`) row for row with ``plots``;
    computed when None, passed through when already aligned (no copy of a million rows per step)."""
    if cells is None:
        return plot_cells(plots, cell_metres=cell_metres)
    return cells if cells.index.equals(plots.index) else cells.loc[plots.index]


def cell_of(lon, lat, *, cell_metres: float = CELL_METRES) -> tuple[np.ndarray, np.ndarray]:
    """Grid cell indices of WGS-84 points (arrays or scalars)."""
    x, y = _TO_EQUAL_AREA.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return (np.floor(np.asarray(x) / cell_metres).astype(np.int64),
            np.floor(np.asarray(y) / cell_metres).astype(np.int64))


def cell_centre(cell_x: int, cell_y: int, *, cell_metres: float = CELL_METRES) -> tuple[float, float]:
    """The WGS-84 longitude and latitude of a cell's centre."""
    lon, lat = _TO_STORAGE.transform((cell_x + 0.5) * cell_metres, (cell_y + 0.5) * cell_metres)
    return float(lon), float(lat)


def block_outline(x0: int, y0: int, x1: int, y1: int, *, cell_metres: float = CELL_METRES,
                  per_side: int = 8) -> list[list[float]]:
    """A closed WGS-84 ring around the cells ``x0 <= x < x1``, ``y0 <= y < y1`` (edges densified)."""
    steps = np.linspace(0.0, 1.0, per_side + 1)[:-1]
    xs = np.concatenate([x0 + (x1 - x0) * steps, np.full(per_side, x1), x1 - (x1 - x0) * steps, np.full(per_side, x0)])
    ys = np.concatenate([np.full(per_side, y0), y0 + (y1 - y0) * steps, np.full(per_side, y1), y1 - (y1 - y0) * steps])
    lon, lat = _TO_STORAGE.transform(xs * cell_metres, ys * cell_metres)
    ring = np.round(np.stack([lon, lat], axis=1), 5).tolist()
    return [*ring, ring[0]]


def aggregate_plots(plots: pd.DataFrame, *, cell_metres: float = CELL_METRES,
                    cells: pd.DataFrame | None = None) -> pd.DataFrame:
    """Count and 亩 of ``plots`` per status in square cells of ``cell_metres`` in the equal-area CRS.

    A plot counts in the cell holding its centroid, once. The status is ``status_as_of`` when the
    frame has it (see ``filters.apply_filters``), else ``status``. Returns one row per non-empty
    cell: ``cell_x``, ``cell_y`` (cell index), ``plots``, ``area_mu``, ``<status>_plots`` and
    ``<status>_mu`` for every status, ``majority`` (the status with most 亩) and ``polygon``
    (the cell's corners in WGS-84, as a list of [lon, lat]). ``cells`` (from :func:`plot_cells`,
    for these plots or a superset, same ``cell_metres``) saves computing the centroids again. The
    input is not changed.

    Examples
    --------
    >>> from spaces.sample import build_sample
    >>> grid = aggregate_plots(build_sample(plots=200)["plots"])
    >>> int(grid["plots"].sum())
    200
    """
    columns = ["cell_x", "cell_y", "plots", "area_mu",
               *(f"{s}_plots" for s in PLOT_STATUSES), *(f"{s}_mu" for s in PLOT_STATUSES), "majority", "polygon"]
    if not len(plots):
        return pd.DataFrame(columns=columns)
    cells = aligned_cells(plots, cells, cell_metres=cell_metres)
    status = plots["status_as_of"] if "status_as_of" in plots.columns else plots["status"]
    frame = pd.DataFrame({
        "cell_x": cells["cell_x"].to_numpy(),
        "cell_y": cells["cell_y"].to_numpy(),
        "status": pd.Categorical(status.to_numpy(), categories=PLOT_STATUSES),
        "area_mu": pd.to_numeric(plots["area_mu"], errors="coerce").fillna(0.0).to_numpy(),
    })
    counts = frame.pivot_table(index=["cell_x", "cell_y"], columns="status", values="area_mu",
                               aggfunc="size", fill_value=0, observed=False)
    areas = frame.pivot_table(index=["cell_x", "cell_y"], columns="status", values="area_mu",
                              aggfunc="sum", fill_value=0.0, observed=False)
    counts = counts.reindex(columns=list(PLOT_STATUSES), fill_value=0)
    areas = areas.reindex(index=counts.index, columns=list(PLOT_STATUSES), fill_value=0.0)
    grid = pd.DataFrame(index=counts.index)
    grid["plots"] = counts.sum(axis=1).astype(int)
    grid["area_mu"] = areas.sum(axis=1)
    for name in PLOT_STATUSES:
        grid[f"{name}_plots"] = counts[name].astype(int)
        grid[f"{name}_mu"] = areas[name].astype(float)
    grid["majority"] = areas.idxmax(axis=1).astype(str)
    grid = grid.loc[grid["plots"] > 0].reset_index()
    grid["polygon"] = _cell_corners(grid["cell_x"].to_numpy(), grid["cell_y"].to_numpy(), cell_metres)
    return grid[columns]


def _cell_corners(cell_x: np.ndarray, cell_y: np.ndarray, cell_metres: float) -> list[list[list[float]]]:
    offsets = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    xs = ((cell_x[:, None] + offsets[None, :, 0]) * cell_metres).ravel()
    ys = ((cell_y[:, None] + offsets[None, :, 1]) * cell_metres).ravel()
    lon, lat = _TO_STORAGE.transform(xs, ys)
    corners = np.round(np.stack([lon, lat], axis=1), 5).reshape(len(cell_x), 4, 2)
    return corners.tolist()


def grid_records(grid: pd.DataFrame, *, status_labels: dict[str, str], colours: dict[str, list[int]],
                 language: str) -> list[dict]:
    """One PolygonLayer record per cell of ``aggregate_plots``: colour of its majority status, tooltip text.

    ``title`` gives the number of plots, ``line1`` the 亩 per status and ``line2`` the total, all plain text.
    """
    plots_word, total_word = t("cell_plots", language), t("cell_total", language)
    records = []
    for row in grid.itertuples(index=False):
        per_status = " · ".join(f"{status_labels.get(s, s)} {getattr(row, f'{s}_mu'):,.1f} 亩"
                                for s in PLOT_STATUSES if getattr(row, f"{s}_plots"))
        records.append({
            "kind": "plot_cell", "id": f"{row.cell_x},{row.cell_y}",
            "polygon": row.polygon,
            "color": colours.get(row.majority, colours["pending"]),
            "title": f"{row.plots:,} {plots_word}",
            "line1": per_status,
            "line2": f"{total_word} {row.area_mu:,.1f} 亩",
        })
    return records
