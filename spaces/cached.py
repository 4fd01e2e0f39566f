"""The one module of spaces/ that imports streamlit: cached loaders keyed on the store's version."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
from streamlit import config
from streamlit.errors import StreamlitSecretNotFoundError

from spaces.geo import grid
from spaces.geo.shift import shift_overlays, shift_point
from spaces.intake import Known, UploadCheck, check_upload
from spaces.paths import STATIC_DIR
from spaces.planning.calendar import today_in_beijing
from spaces.planning.filters import Filters, apply_filters, industries_in
from spaces.planning.provenance import DataSource, data_source
from spaces.planning.summary import Summary, build_summary
from spaces.store import ANONYMOUS, Action, Store, Via, local_actor, open_store
from spaces.store.audit import EventLog
from spaces.view import deck
from spaces.view.deck import PlotDrawing
from spaces.view.layer_files import FOLDER, LayerFiles

from .sample import build_sample


def store() -> Store:
    """The store the app reads; created with the sample data on first use."""
    current = open_store()
    if not current.exists():
        current.initialise(build_sample(), dataset="sample", actor=local_actor(Via.STARTUP))
    return current


# cache_resource, not cache_data: the layers are read-only here, and a pickled copy per rerun
# would cost more than the read itself once a store holds hundreds of thousands of plots.
@st.cache_resource(show_spinner=False, max_entries=2)
def layers(location: str, version: str) -> dict[str, pd.DataFrame]:
    """Every layer of the store at ``location``; ``version`` keys the cache so a write invalidates it."""
    del version
    return open_store(location).read_all()


@st.cache_resource(show_spinner=False, max_entries=8)
def filtered(location: str, version: str, filters: Filters) -> dict[str, pd.DataFrame]:
    """The map layers after ``filters`` (read-only)."""
    return apply_filters(layers(location, version), filters)


def summary(location: str, version: str, year: int, today: date | None = None) -> Summary:
    """The summary of ``year`` read on ``today`` (default: today in 北京时间, or ``$SPACES_TODAY``)."""
    return _summary(location, version, year, today or today_in_beijing())


# The date is part of the key: a summary cached yesterday paced a running year by yesterday's share.
@st.cache_data(show_spinner=False, max_entries=16)
def _summary(location: str, version: str, year: int, today: date) -> Summary:
    return build_summary(layers(location, version), year=year, store=location, today=today)


@st.cache_data(show_spinner=False, max_entries=4)
def source_of_data(location: str, version: str) -> DataSource:
    return data_source(layers(location, version))


@st.cache_data(show_spinner=False, max_entries=4)
def industry_options(location: str, version: str) -> list[str]:
    return industries_in(layers(location, version))


@st.cache_resource(show_spinner=False)
def _layer_files() -> LayerFiles:
    """Where big map layers are written for the browser to fetch (``spaces/view/layer_files.py``); one per
    process: it remembers which cached layer data it has written already."""
    return LayerFiles(STATIC_DIR / FOLDER, f"app/static/{FOLDER}/")


def published(built: list) -> list:
    """The pydeck layers ``built``, each big one's data sent as a file the browser fetches once; inline when
    Streamlit does not serve the static folder (``server.enableStaticServing``)."""
    if not config.get_option("server.enableStaticServing"):
        return built
    return _layer_files().publish(built)


def tianditu_secret() -> str | None:
    """The Tianditu key from Streamlit secrets, if any (the environment variable is read in basemaps.py)."""
    try:
        return st.secrets.get("tianditu_key")
    except StreamlitSecretNotFoundError:
        return None


@st.cache_resource(show_spinner=False, max_entries=4)
def shifted(location: str, version: str, filters: Filters, basemap_id: str) -> dict[str, pd.DataFrame]:
    """The filtered layers, shifted to GCJ-02 when the basemap needs it (cached: costly at city scale)."""
    return shift_overlays(filtered(location, version, filters), basemap_id)


@st.cache_resource(show_spinner=False, max_entries=2)
def plot_cells(location: str, version: str, basemap_id: str) -> pd.DataFrame:
    """The 1 km grid cell of every plot as drawn over ``basemap_id``: computed once, not per filter."""
    return grid.plot_cells(layers(location, version)["plots"], basemap_id=basemap_id)


@st.cache_resource(show_spinner=False, max_entries=8)
def plot_drawing(location: str, version: str, filters: Filters, basemap_id: str, language: str,
                 focus: tuple[float, float] | None) -> PlotDrawing:
    """The plots layer for the map (read-only): every plot, or 1 km cells with every plot drawn in full around ``focus``
    (WGS-84 lon, lat; shifted here like the plots when the basemap needs GCJ-02)."""
    if focus is not None:
        focus = shift_point(*focus, basemap_id)
    return deck.plot_drawing(shifted(location, version, filters, basemap_id)["plots"], language=language,
                             focus=focus, cells=plot_cells(location, version, basemap_id))


@st.cache_data(show_spinner=False, max_entries=4)
def upload_check(name: str, data: bytes, layer: str, crs: str | None, location: str | None = None,
                 version: str | None = None) -> UploadCheck:
    """The check of an upload, computed once per (file, layer, CRS, store version) while the planner looks at it;
    enterprise rows are checked against the store's plots and parks (``location`` at ``version``)."""
    known = Known.from_layers(layers(location, version)) if layer == "enterprises" and location else None
    return check_upload(name, data, layer=layer, crs=crs, known=known)


# Streamlit's sign-in routes only log a refused or failed sign-in (the provider's error, a failed token exchange).
AUTH_LOGGER = "streamlit.web.server.starlette.starlette_auth_routes"


@st.cache_resource(show_spinner=False)
def log_sign_in_failures(location: str) -> EventLog:
    """Record every failed sign-in in the audit trail of the store at ``location``; installed once per process."""
    handler = EventLog(Path(location), Action.SIGN_IN_FAILURE, ANONYMOUS)
    logging.getLogger(AUTH_LOGGER).addHandler(handler)
    return handler


@st.cache_resource(show_spinner=False, max_entries=2)
def scored_enterprises(location: str, version: str) -> pd.DataFrame | None:
    """The store's enterprises scored and classed (亩均评价), with their park and community, still a GeoDataFrame
    (D class to land finds plots by location) (read-only); None when the store holds none."""
    import geopandas as gpd

    from spaces.planning.mujun import score_enterprises
    from spaces.planning.mujun_aggregates import with_places

    everything = layers(location, version)
    enterprises = everything.get("enterprises")
    if enterprises is None or not len(enterprises):
        return None
    placed = with_places(score_enterprises(enterprises), everything)
    if "geometry" not in placed.columns:
        return placed
    return gpd.GeoDataFrame(placed, geometry="geometry", crs=getattr(enterprises, "crs", None) or "EPSG:4326")


@st.cache_data(show_spinner=False, max_entries=8)
def firm_drawing(location: str, version: str, year: int, districts: tuple[str, ...], classes: tuple[str, ...],
                 groups: tuple[str, ...], basemap_id: str, language: str) -> list[dict]:
    """The map's enterprise dots for the year, districts, classes and groups (shifted for AMap)."""
    from spaces.geo.shift import shift_coordinates
    from spaces.view.firms import chosen_firms, district_levels, firm_records

    scored = scored_enterprises(location, version)
    firms = chosen_firms(scored, year=year, districts=districts, classes=classes, groups=groups)
    records = firm_records(firms, layers(location, version).get("plots"), language=language,
                           levels=district_levels(scored, year=year))
    if records:
        lon, lat = shift_coordinates(np.array([r["position"][0] for r in records]),
                                     np.array([r["position"][1] for r in records]), basemap_id)
        for record, x, y in zip(records, lon.tolist(), lat.tolist(), strict=True):
            record["position"] = [x, y]
    return records
