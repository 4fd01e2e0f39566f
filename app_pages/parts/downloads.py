"""Download buttons for an export kind, one per format (districts and data pages)."""

import streamlit as st

from app_pages.parts.view import View
from spaces import cached
from spaces.exports import export, exporter


def download_buttons(view: View, *, kind: str, formats: tuple[str, ...], key: str) -> None:
    """One download button per format of an export kind; each file is made only when clicked."""
    sample = cached.source_of_data(view.store.location, view.version).is_sample
    columns = st.columns(len(formats))
    for column, fmt in zip(columns, formats, strict=True):

        def make(fmt: str = fmt) -> bytes:
            return export(kind, fmt, view.everything, filters=view.filters, store=view.store.location,
                          language=view.language).data

        column.download_button(fmt.upper(), data=make, key=f"{key}_{fmt}", on_click="ignore",
                               file_name=exporter(kind, fmt).filename(view.filters, sample=sample),
                               mime=exporter(kind, fmt).media_type, icon=":material/download:", width="stretch")
