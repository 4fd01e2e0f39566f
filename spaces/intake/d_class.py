"""From a D-class firm to a pending reclamation plot: validated, logged and undoable like a status update."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spaces.errors import Problem, ValidationError
from spaces.geo.crs import EQUAL_AREA_CRS, STORAGE_CRS
from spaces.planning.mujun import score_enterprises
from spaces.planning.mujun_aggregates import firm_locations
from spaces.store import Actor, ChangeCounts, Store

from .validation import validate_frame

MU_M2 = 2000.0 / 3.0
PLOT_PREFIX = "D-"


def d_class_file(source: str) -> str:
    """What the import log and the plot's ``source_file`` say: ``app: D-class firm to land``."""
    return f"{source}: D-class firm to land"


def plot_from_d_class(layers: dict[str, pd.DataFrame], enterprise_id: str, year: int, *, source: str = "app",
                      method=None, today: date | None = None):
    """The pending plot a D-class firm's land becomes, validated as a plots file is (an :class:`Intake`).

    The plot is ``D-<enterprise_id>``: a square of the firm's ``land_mu`` centred on its location (marked
    approximate: draw the real outline by importing it over the same ``plot_id``), status pending, in the
    firm's district. Refused (:class:`ValidationError` naming the firm): a firm not in the store for ``year``,
    not D (its official class, else the computed one), without a location, already on a plot of the store
    (set that plot's status instead), or whose plot was made already.
    """
    file = d_class_file(source)
    enterprises = layers.get("enterprises")
    firm_key = f"{enterprise_id}/{year}"

    def refuse(message: str, *, key: str, column: str, value=None):
        raise ValidationError(file, [Problem("error", file, message, feature_id=firm_key, column=column,
                                             value=None if value is None else str(value), key=key)])

    rows = pd.DataFrame() if enterprises is None else enterprises.loc[
        (enterprises["enterprise_id"] == enterprise_id) & (pd.to_numeric(enterprises["year"]) == year)]
    if not len(rows):
        refuse("no such enterprise in that year in the store", key="d_class_unknown_firm", column="enterprise_id",
               value=enterprise_id)
    scored = score_enterprises(enterprises, method)
    firm = scored.loc[rows.index[0]]
    if firm["class"] != "D":
        refuse("the firm is not in class D; only D-class land is turned into a reclamation plot", key="d_class_not_d",
               column="class", value=firm["class"])
    plots = layers.get("plots")
    known = set() if plots is None else set(plots["plot_id"].astype(str))
    if isinstance(firm.get("plot_id"), str) and firm["plot_id"] in known:
        refuse("the firm sits on a plot of the store already; set that plot's status instead", key="d_class_on_plot",
               column="plot_id", value=firm["plot_id"])
    plot_id = PLOT_PREFIX + str(enterprise_id)
    if plot_id in known:
        refuse("this firm's land is a plot already", key="d_class_done", column="plot_id", value=plot_id)
    point = firm_locations(scored.loc[[rows.index[0]]], plots).iloc[0]
    if point is None or point.is_empty:
        refuse("the firm has no location to draw its land at", key="d_class_no_location", column="geometry")
    frame = gpd.GeoDataFrame({
        "plot_id": [plot_id], "name_zh": [f"{firm['name_zh']}（D类企业用地）"], "status": ["pending"],
        "reclaimed_year": [None], "district_adcode": [firm["district_adcode"]], "enterprise_id": [enterprise_id],
        "note": ["approximate: a square of the firm's land_mu around its location"],
    }, geometry=[_square(point, float(firm["land_mu"]))], crs=STORAGE_CRS)
    return validate_frame(frame, "plots", file=file, today=today)


def make_plot_from_d_class(store: Store, enterprise_id: str, year: int, *, actor: Actor, source: str = "app",
                           method=None) -> ChangeCounts:
    """Write :func:`plot_from_d_class`'s plot into the store: atomic, in the import log and the audit trail, undone
    by ``undo_last``; ``actor`` must be an editor of the firm's district or an admin."""
    layers = {name: store.read_layer(name) for name in ("enterprises", "plots")}
    return store.upsert(plot_from_d_class(layers, enterprise_id, year, source=source, method=method), actor=actor)


def _square(point, land_mu: float):
    """A square of ``land_mu`` 亩 centred on ``point`` (WGS-84), drawn in the equal-area plane."""
    projected = gpd.GeoSeries([point], crs=STORAGE_CRS).to_crs(EQUAL_AREA_CRS).iloc[0]
    half = np.sqrt(max(land_mu, 0.0) * MU_M2) / 2
    square = shapely.box(projected.x - half, projected.y - half, projected.x + half, projected.y + half)
    return gpd.GeoSeries([square], crs=EQUAL_AREA_CRS).to_crs(STORAGE_CRS).iloc[0]
