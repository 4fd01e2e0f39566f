"""What every page starts from: the language, the store, the filters and the layers the sidebar describes."""

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from app_pages.parts.signin import Access, session_access
from spaces import cached
from spaces.planning import calendar
from spaces.planning.filters import Filters
from spaces.store import Store
from spaces.view.urlstate import filters_from_state


@dataclass(frozen=True)
class View:
    """What every page starts from: language, the store and its version, the filters, the layers, and today
    (北京时间), which decides the default year, the pace of a year still running and what is provisional."""

    language: str
    today: date
    store: Store
    version: str
    filters: Filters
    everything: dict[str, pd.DataFrame]
    shown: dict[str, pd.DataFrame]
    access: Access


def current_view() -> View:
    """The view the sidebar describes (the layers are cached, read-only)."""
    store = cached.store()
    version = store.version()
    today = calendar.today_in_beijing()
    filters = filters_from_state(st.session_state, today=today)
    return View(language=st.session_state.get("language", "zh"), today=today, store=store, version=version,
                filters=filters,
                everything=cached.layers(store.location, version),
                shown=cached.filtered(store.location, version, filters), access=session_access(store))
