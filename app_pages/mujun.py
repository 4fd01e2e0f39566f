"""亩均评价 Land efficiency: per district 亩均税收 and 亩均增加值 (万元/亩), their trend since 2021, the classes, the
class list with its downloads, and From D class to land (the sections live in app_pages/parts/mujun_panel.py)."""

import streamlit as st

from app_pages.parts.d_to_land import d_to_land_section
from app_pages.parts.mujun_panel import (
    class_list_section,
    classes_section,
    levels_section,
    page_filters,
    sample_note,
    trend_section,
)
from app_pages.parts.view import current_view
from spaces import cached
from spaces.reference.i18n import t

view = current_view()
language = view.language

st.header(t("page_mujun", language))
st.caption(t("mujun_intro", language).format(year=view.filters.year))
sample_note(view)
classes, groups = page_filters(language)
scored = cached.scored_enterprises(view.store.location, view.version)

levels_section(view, scored, classes, groups)
trend_section(view, scored, classes, groups)
classes_section(view, scored, groups)
class_list_section(view, classes, groups)
d_to_land_section(view, scored, groups)
