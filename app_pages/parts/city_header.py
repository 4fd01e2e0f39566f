"""Above the map: the twelve targets as compact cards for the city or the one district chosen (map page)."""

import html

import streamlit as st

from spaces.reference.districts import district_names
from spaces.reference.i18n import label, t
from spaces.view.header import CITY_ADCODE, header_adcode, header_cards

PER_ROW = 6


def _show_target(key: str) -> None:
    st.session_state["target"] = key  # the map's choropleth selectbox reads it on this run


def city_header(long, *, districts: tuple[str, ...], year: int, language: str) -> None:
    """The cards of ``long`` (the year's attainment table); clicking a card's name colours the map by it."""
    adcode = header_adcode(districts)
    if adcode == CITY_ADCODE:
        st.caption(t("header_city", language).format(year=year))
    else:
        name = label(district_names().set_index("adcode").loc[adcode], language, field="name")
        st.caption(t("header_district", language).format(year=year, district=name))
    cards = header_cards(long, adcode=adcode, language=language)
    for start in range(0, len(cards), PER_ROW):
        for column, card in zip(st.columns(PER_ROW, gap="small"), cards[start:start + PER_ROW], strict=False):
            with column.container(border=True):
                # The map's target is a bordered button, not a primary one: the theme's primary is red (滞后).
                st.button(card.title, key=f"card_{card.key}", on_click=_show_target, args=(card.key,),
                          type="secondary" if st.session_state.get("target") == card.key else "tertiary",
                          help=t("header_show_on_map", language))
                lines = [f"<b>{html.escape(card.figures)}</b>", html.escape(card.pace), html.escape(card.gap)]
                st.markdown(  # our own catalogue text, escaped all the same; the bar is the status colour
                    f"<div style='border-left:4px solid {card.colour};padding-left:6px;font-size:0.75rem;"
                    f"line-height:1.3'>{'<br>'.join(line for line in lines if line)}</div>",
                    unsafe_allow_html=True)
