"""数据 Data: what the store holds per layer and where it came from."""

import streamlit as st

from app_pages.panels import current_view, download_buttons
from spaces import cached
from spaces.i18n import t
from spaces.provenance import layer_provenance

language = st.session_state.get("language", "zh")
store = cached.store()
version = store.version()

st.header(t("page_data", language))
st.caption(f"{t('store_location', language)}: `{store.location}`")
provenance = layer_provenance(cached.layers(store.location, version))
provenance["layer"] = provenance["layer"].map(lambda name: t(f"layer_{name}", language))
provenance["source"] = provenance["source"].map(lambda s: t(f"source_{s}", language) if s in (
    "sample", "import", "default") else s)
st.dataframe(provenance, hide_index=True, key="provenance", column_config={
    "layer": t("layers", language), "source": t("sources", language), "rows": t("rows", language)})
meta = store.meta()
if meta:
    st.caption(f"{t('dataset_created', language)}: {meta.get('created_at', '')} · {meta.get('dataset', '')}")
st.subheader(t("download_features", language))
st.caption(t("download_note", language))
download_buttons(current_view(), kind="features", formats=("gpkg", "shp-zip", "geojson"), key="dl_features")
st.subheader(t("import_log", language))
st.dataframe(store.import_log(), hide_index=True, key="import_log")
