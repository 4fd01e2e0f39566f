"""The app's frame and router: page config, the shared sidebar (drawn once), URL state, navigation.

Pages live in app_pages/, not pages/: with a pages/ folder, Streamlit runs the first request after
a start in its v1 multipage mode, so a shared deep link (/map?…) would open a bare page without
this frame (no sidebar, no filters, no sample banner).
"""

import streamlit as st

from app_pages.parts.signin import session_access, sign_in_box
from spaces import cached
from spaces.planning import calendar
from spaces.planning.provenance import DataSource
from spaces.reference.districts import district_names
from spaces.reference.i18n import localised, t
from spaces.reference.targets import PLAN_END_YEAR, PLAN_START_YEAR
from spaces.reference.vocab import industry_label, load_vocabularies
from spaces.view.pace_text import year_label
from spaces.view.styles import app_style
from spaces.view.urlstate import FIELDS, query_from_state, state_from_query

st.set_page_config(page_title="宁波产业空间 Ningbo industrial space", page_icon="🏭", layout="wide")
st.html(app_style())  # only a <style>: Streamlit adds it to the page without a block of its own

today = calendar.today_in_beijing()  # the default year is the latest final one on this day
if "_from_url" not in st.session_state:
    st.session_state.update(state_from_query(st.query_params.to_dict(), today=today))
    st.session_state["_from_url"] = True
for key in FIELDS:  # keep page widgets' values while another page is shown
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]

store = cached.store()
version = store.version()
vocab = load_vocabularies()
names = district_names().set_index("adcode")

with st.sidebar:
    language = st.radio("语言 Language", options=["zh", "en"], horizontal=True, key="language",
                        format_func=lambda code: {"zh": "中文", "en": "English"}[code])
    lang = localised("label", language)
    sign_in_box(session_access(store), language)
    st.title(t("app_title", language))
    st.subheader(t("filters", language))
    st.select_slider(t("year", language), options=list(range(PLAN_START_YEAR, PLAN_END_YEAR + 1)), key="year",
                     format_func=lambda year: year_label(year, today=today, language=language))
    options = cached.industry_options(store.location, version)
    st.session_state["industries"] = [i for i in st.session_state.get("industries", []) if i in options]
    st.multiselect(t("industries", language), options=options, key="industries", placeholder=t("all", language),
                   help=t("industries_help", language), format_func=lambda name: industry_label(name, language))
    st.multiselect(t("districts", language), options=list(names.index[:-1]), key="districts",
                   placeholder=t("all", language),
                   format_func=lambda code: names.loc[code, localised("name", language)])
    labels = {kind: getattr(vocab[kind], f"labels_{language}") for kind in ("level", "status")}
    st.multiselect(t("levels", language), options=vocab["level"].values, key="levels",
                   placeholder=t("all", language), format_func=labels["level"].get)
    st.multiselect(t("statuses", language), options=vocab["status"].values, key="statuses",
                   placeholder=t("all", language), format_func=labels["status"].get)
    st.toggle(t("inside_parks", language), key="inside_parks")

source = cached.source_of_data(store.location, version)
if source.is_sample:
    st.warning(t("sample_banner" if source is DataSource.SAMPLE else "mixed_banner", language), icon=":material/warning:")

pages = [
    st.Page("app_pages/map.py", title=t("page_map", language), icon=":material/map:", default=True),
    st.Page("app_pages/districts.py", title=t("page_districts", language), icon=":material/bar_chart:", url_path="districts"),
    st.Page("app_pages/mujun.py", title=t("page_mujun", language), icon=":material/leaderboard:", url_path="mujun"),
    st.Page("app_pages/parks.py", title=t("page_parks", language), icon=":material/factory:", url_path="parks"),
    st.Page("app_pages/data.py", title=t("page_data", language), icon=":material/database:", url_path="data"),
]
st.navigation(pages).run()
st.query_params.from_dict(query_from_state(st.session_state, today=today))
