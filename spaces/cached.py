"""The one module of spaces/ that imports streamlit: cached loaders keyed on the store's version."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .districts import load_districts
from .sample import build_sample
from .store import Store, open_store
from .summary import Summary, build_summary


def store() -> Store:
    """The store the app reads; created with the sample data on first use."""
    current = open_store()
    if not current.exists():
        current.initialise(build_sample(), dataset="sample")
    return current


@st.cache_data(show_spinner=False, max_entries=4)
def layers(location: str, version: str) -> dict[str, pd.DataFrame]:
    """Every layer of the store at ``location``; ``version`` keys the cache so a write invalidates it."""
    del version
    return open_store(location).read_all()


@st.cache_data(show_spinner=False, max_entries=16)
def summary(location: str, version: str, year: int) -> Summary:
    return build_summary(layers(location, version), year=year, store=location)


@st.cache_data(show_spinner=False)
def districts_geojson() -> dict:
    """The districts as a GeoJSON dict (the reference file never changes while the app runs)."""
    return load_districts().__geo_interface__
