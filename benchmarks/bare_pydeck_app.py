"""The baseline of benchmarks/first_map.py: a bare Streamlit page with one pydeck chart of the districts and the
parks, and the two changes the benchmark times on the explorer: an industry filter in the sidebar (the parks
drawn) and a target choice above the map (the districts' colours). No header, no cards, no panels, no URL."""

import hashlib

import pydeck as pdk
import streamlit as st

from spaces.reference.districts import load_districts
from spaces.reference.i18n import t
from spaces.reference.targets import load_targets
from spaces.reference.vocab import split_industries
from spaces.store import open_store
from spaces.view.deck import NINGBO_VIEW

COLOURS = ([26, 152, 80, 150], [254, 224, 139, 150], [215, 48, 39, 150])


@st.cache_data(show_spinner=False)
def parks_geojson() -> dict:
    return open_store().read_layer("parks")[["park_id", "industries", "geometry"]].__geo_interface__


parks = parks_geojson()
industries = sorted({name for feature in parks["features"] for name in split_industries(
    feature["properties"]["industries"])})
with st.sidebar:
    chosen = st.multiselect(t("industries"), options=industries, key="industries", placeholder=t("all"))
target = st.selectbox(t("choropleth_target"), options=list(load_targets()), key="target",
                      format_func=lambda key: load_targets()[key].label("zh"))

districts = load_districts().__geo_interface__
for feature in districts["features"]:  # a colour per district and target, as a choropleth would give
    digest = hashlib.md5(f"{target}{feature['properties']['adcode']}".encode()).digest()
    feature["properties"]["fill"] = COLOURS[digest[0] % 3]
shown = {**parks, "features": [f for f in parks["features"] if not chosen
                               or set(chosen) & set(split_industries(f["properties"]["industries"]))]}
layers = [
    pdk.Layer("GeoJsonLayer", data=districts, id="districts", filled=True, get_fill_color="properties.fill",
              get_line_color=[70, 70, 70, 255], line_width_min_pixels=1),
    pdk.Layer("GeoJsonLayer", data=shown, id="parks", filled=True, get_fill_color=[33, 102, 172, 90],
              get_line_color=[33, 102, 172, 255], line_width_min_pixels=2),
]
st.pydeck_chart(pdk.Deck(layers=layers, initial_view_state=pdk.ViewState(**NINGBO_VIEW), map_provider=None),
                height=640)
