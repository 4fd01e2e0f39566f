"""数据 Data: what the store holds and where it came from; importing, undoing, progress updates, downloads."""

import streamlit as st

from app_pages.parts.access_panel import audit_panel, edit_notice, roles_panel
from app_pages.parts.detail_panel import SOURCES
from app_pages.parts.downloads import download_buttons
from app_pages.parts.intake_panel import intake_panel
from app_pages.parts.view import current_view
from spaces.exports import DATA_SOURCE_KEYS, data_source_text
from spaces.planning.consistency import indicator_warnings
from spaces.planning.provenance import layer_provenance
from spaces.reference.i18n import colon, t
from spaces.store import LOG_COLUMNS, readable_time, store_name
from spaces.view.deck import markdown_text

view = current_view()
language, store = view.language, view.store

st.header(t("page_data", language))
# Only the file's name: where it lives on the server is nobody's business but the administrator's.
st.caption(f"{t('store_location', language)}{colon(language)}{markdown_text(store_name(store.location))}")
provenance = layer_provenance(view.everything)
provenance["layer"] = provenance["layer"].map(lambda name: t(f"layer_{name}", language))
provenance["last_imported_at"] = provenance["last_imported_at"].map(readable_time)
provenance["source"] = provenance["source"].map(lambda s: t(f"source_{s}", language) if s in SOURCES else s)
st.dataframe(provenance, hide_index=True, key="provenance", column_config={
    "layer": t("layers", language), "source": t("sources", language), "rows": t("rows", language),
    "source_file": t("source_file", language), "last_imported_at": t("last_imported_at", language)})
if meta := store.meta():
    dataset = meta.get("dataset", "")
    dataset = data_source_text(dataset, language) if dataset in DATA_SOURCE_KEYS else dataset
    st.caption(f"{t('dataset_created', language)}{colon(language)}{readable_time(meta.get('created_at', ''))} · {dataset}")
if questioned := indicator_warnings(view.everything):  # text escaped: it names columns such as a_b_c
    st.warning("  \n".join([markdown_text(t("indicator_consistency", language)),
                            *(f"· {markdown_text(warning.text(language))}" for warning in questioned)]))

if edit_notice(view):  # the store checks every change again: this only spares a visitor useless controls
    intake_panel(view)

st.subheader(t("import_log", language))
log = store.import_log()
log["time"], log["undone_at"] = log["time"].map(readable_time), log["undone_at"].map(readable_time)
log["layer"] = [t(f"layer_{name}", language) if name in view.everything else name for name in log["layer"]]
st.dataframe(log, hide_index=True, key="import_log",
             column_config={name: t(f"log_{name}", language) for name in LOG_COLUMNS})

audit_panel(view)
roles_panel(view)

st.subheader(t("download_features", language))
st.caption(t("download_note", language))
download_buttons(view, kind="features", formats=("gpkg", "shp-zip", "geojson"), key="dl_features")
