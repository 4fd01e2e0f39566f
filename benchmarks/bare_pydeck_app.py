"""The baseline of benchmarks/first_map.py: a bare Streamlit page with one pydeck chart of the districts."""

import pydeck as pdk
import streamlit as st

from spaces.reference.districts import load_districts
from spaces.view.deck import NINGBO_VIEW

layer = pdk.Layer("GeoJsonLayer", data=load_districts().__geo_interface__, id="districts", filled=True,
                  get_fill_color=[26, 152, 80, 150], get_line_color=[70, 70, 70, 255], line_width_min_pixels=1)
st.pydeck_chart(pdk.Deck(layers=[layer], initial_view_state=pdk.ViewState(**NINGBO_VIEW), map_provider=None),
                height=640)
