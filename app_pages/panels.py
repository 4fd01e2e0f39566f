"""Pieces of layout shared by several pages (not a page itself: it is not listed in st.navigation)."""

import pandas as pd
import streamlit as st

from spaces.detail import Detail
from spaces.i18n import t
from spaces.layers import markdown_text


def detail_panel(detail: Detail, *, language: str, key: str, status_labels: dict[str, str]) -> None:
    """A selected park, community or district: title, attributes, contents and attainment."""
    st.markdown(f"#### {markdown_text(detail.title)}")
    if detail.approximate:
        st.caption(t("approximate_note", language))
    attributes = pd.DataFrame({"item": [t(f"attr_{k}", language) for k, v in detail.attributes.items() if v],
                               "value": [v for v in detail.attributes.values() if v]})
    st.dataframe(attributes, hide_index=True, key=f"{key}_attributes", column_config={
        "item": st.column_config.TextColumn(t("category", language), width="small"),
        "value": st.column_config.TextColumn("", width="medium")})
    if not detail.contents.empty:
        st.caption(t("contents", language))
        contents = detail.contents.assign(layer=detail.contents["layer"].map(lambda n: t(f"layer_{n}", language)))
        st.dataframe(contents, hide_index=True, key=f"{key}_contents", column_config={
            "layer": t("layers", language), "category": t("category", language), "count": t("count", language),
            "area_mu": st.column_config.NumberColumn(t("attr_area_mu", language), format="%.0f")})
    if not detail.attainment.empty:
        table = detail.attainment.assign(status=detail.attainment["status"].map(status_labels))
        st.dataframe(table, hide_index=True, key=f"{key}_attainment", column_config={
            "target": t("target", language), "actual": t("actual", language),
            "target_value": t("goal", language), "status": t("status", language),
            "attainment": st.column_config.NumberColumn(t("attainment", language), format="percent")})
