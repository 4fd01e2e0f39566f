"""概况 Overview: the districts coloured by attainment of one target, and the attainment table."""

import pydeck as pdk
import streamlit as st

from spaces import cached
from spaces.districts import load_districts
from spaces.i18n import t
from spaces.layers import NINGBO_VIEW, district_choropleth
from spaces.targets import PLAN_END_YEAR, PLAN_START_YEAR, load_targets

language = st.session_state.get("language", "zh")
store = cached.store()
year = st.select_slider(t("year", language), options=list(range(PLAN_START_YEAR, PLAN_END_YEAR + 1)),
                        value=PLAN_END_YEAR - 1, key="year")
summary = cached.summary(store.location, store.version(), year)
if summary.is_sample:
    st.warning(t("sample_banner", language), icon="⚠️")

targets = load_targets()
label = "label_zh" if language == "zh" else "label_en"
key = st.selectbox(t("target", language), options=list(targets), key="target",
                   format_func=lambda k: getattr(targets[k], label))
status_labels = {s: t(f"status_{s}", language) for s in ("met", "on_track", "behind")}

st.subheader(t("districts_map", language))
layer = pdk.Layer("GeoJsonLayer", data=district_choropleth(load_districts(), summary.long, key=key,
                                                           status_labels=status_labels),
                  id="districts", pickable=True, stroked=True, filled=True,
                  get_fill_color="properties.fill", get_line_color=[60, 60, 60, 255], line_width_min_pixels=1)
st.pydeck_chart(pdk.Deck(layers=[layer], initial_view_state=pdk.ViewState(**NINGBO_VIEW), map_provider=None,
                         tooltip={"html": "{tooltip}"}), key="district_map")

st.subheader(t("summary_table", language))
table = summary.long.loc[summary.long["key"] == key, ["adcode", "district", "actual", "target", "attainment", "status"]]
table = table.assign(status=table["status"].map(status_labels))
st.dataframe(table, hide_index=True, key="summary_table",
             column_config={"attainment": st.column_config.NumberColumn(format="percent")})
