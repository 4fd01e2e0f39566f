"""The app's frame and router: page config, the shared sidebar, and navigation."""

import streamlit as st

from spaces.i18n import t

st.set_page_config(page_title="宁波产业空间 Ningbo industrial space", page_icon="🏭", layout="wide")

with st.sidebar:
    language = st.radio("语言 Language", options=["zh", "en"], horizontal=True, key="language",
                        format_func=lambda code: {"zh": "中文", "en": "English"}[code])
    st.title(t("app_title", language))

st.navigation([st.Page("pages/overview.py", title="概况 Overview", icon="🗺️", default=True)]).run()
