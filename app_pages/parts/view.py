"""What every page starts from: the language, the store, the filters and the layers the sidebar describes."""

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from spaces import cached
from spaces.planning.filters import Filters
from spaces.store import Store
from spaces.view.urlstate import filters_from_state


@dataclass(frozen=True)
class View:
    """What every page starts from: language, the store and its version, the filters, the layers."""

    language: str
    store: Store
    version: str
    filters: Filters
    everything: dict[str, pd.DataFrame]
    shown: dict[str, pd.DataFrame]


def current_view() -> View:
    """The view the sidebar describes (the layers are cached, read-only)."""
    store = cached.store()
    version = store.version()
    filters = filters_from_state(st.session_state)
    return View(language=st.session_state.get("language", "zh"), store=store, version=version, filters=filters,
                everything=cached.layers(store.location, version),
                shown=cached.filtered(store.location, version, filters))
