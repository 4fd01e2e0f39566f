"""The detail panel of a selected park, community or district (map and parks pages)."""

import pandas as pd
import streamlit as st

from spaces.reference.i18n import colon, t
from spaces.view.deck import markdown_text
from spaces.view.detail import Detail
from spaces.view.pace_text import provisional_note

# Data sources with a label in the text catalogue (source_<name>); others are file names, shown as they are.
SOURCES = ("sample", "import", "default", "app")


def detail_panel(detail: Detail, *, language: str, key: str, status_labels: dict[str, str], year: int) -> None:
    """A selected park, community or district: title, attributes, contents and attainment."""
    st.markdown(f"#### {markdown_text(detail.title)}")
    if detail.attributes.get("source") == "sample" and detail.kind != "district":
        # Only a real zone's name, district and level are documented; its year, area and outline are not.
        st.caption(t("sample_real_note" if detail.approximate else "sample_invented_note", language))
    elif detail.approximate:
        st.caption(t("approximate_note", language))
    shown = {k: (t(f"source_{v}", language) if k == "source" and v in SOURCES else v)
             for k, v in detail.attributes.items() if v}
    # Label: value lines, not a two-column table: the panel is too narrow for both columns to show whole.
    sep = colon(language)
    st.markdown("  \n".join(f"**{markdown_text(t(f'attr_{k}', language))}**{sep}{markdown_text(v)}"
                             for k, v in shown.items()))
    if not detail.contents.empty:
        st.caption(t("contents", language))
        # Factories are points: no area, an empty cell (a number column would print "None").
        contents = detail.contents.assign(
            layer=detail.contents["layer"].map(lambda n: t(f"layer_{n}", language)),
            area_mu=[("" if pd.isna(v) else f"{v:,.0f}") for v in detail.contents["area_mu"]])
        st.dataframe(contents, hide_index=True, key=f"{key}_contents", column_config={
            "layer": t("layers", language), "category": t("category", language), "count": t("count", language),
            "area_mu": st.column_config.TextColumn(t("attr_area_mu", language))})
    if not detail.attainment.empty:
        if detail.kind == "park":
            st.caption(t("district_attainment", language))
        rows = detail.attainment
        if rows["provisional"].any():
            st.caption(provisional_note(year, language))
        # Lines, not a table: the panel is too narrow for many columns. Target: actual / goal · status, then
        # progress against the pace, the projection to 2026 and the data year on a line of their own.
        blocks = []
        for row in rows.itertuples():
            goal = t("no_target", language) if row.no_target else row.target_value
            status = status_labels.get(row.status, t("status_no_data", language))
            head = f"**{markdown_text(row.target)}**{sep}{markdown_text(row.actual)} / {markdown_text(goal)} · {status}"
            blocks.append("  \n".join([head, *(f":small[{markdown_text(line)}]" for line in row.pace)]))
        st.markdown("\n\n".join(blocks))
