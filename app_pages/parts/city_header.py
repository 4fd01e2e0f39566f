"""Above the map: the twelve targets as one-line cards for the city or the one district chosen (map page).

One line a card (status colour, the target's name, the gap or the figures), three cards a row: the twelve take
four lines, so the map and its controls start on the first screen at 1280×720 (issue 12). The figures and
the pace of a card are in its tooltip; clicking a card colours the map by its target.
"""

import html

import streamlit as st

from spaces.reference.districts import district_names
from spaces.reference.i18n import label, t
from spaces.view.header import CITY_ADCODE, card_style, header_adcode, header_cards

PER_ROW = 3


def _show_target(key: str) -> None:
    st.session_state["target"] = key  # the map's choropleth selectbox reads it on this run


def city_header(long, *, districts: tuple[str, ...], year: int, language: str) -> None:
    """The cards of ``long`` (the year's attainment table); clicking a card colours the map by its target."""
    adcode = header_adcode(districts)
    if adcode == CITY_ADCODE:
        st.caption(t("header_city", language).format(year=year))
    else:
        name = label(district_names().set_index("adcode").loc[adcode], language, field="name")
        st.caption(t("header_district", language).format(year=year, district=name))
    cards = header_cards(long, adcode=adcode, language=language)
    chosen = st.session_state.get("target")
    st.html(f"<style>{card_style(cards, chosen=chosen)}</style>")
    rows = st.container(key="city_header", gap="small")
    for start in range(0, len(cards), PER_ROW):  # row by row: the cards read (and tab) in the plan's order
        for column, card in zip(rows.columns(PER_ROW, gap="small"), cards[start:start + PER_ROW], strict=False):
            _card(column, card, language)


def _card(column, card, language: str) -> None:
    """One line: the status bar, the name (a button colouring the map by the target), the gap or the figure."""
    with column.container(horizontal=True, vertical_alignment="center", gap="small", key=f"hcard_{card.key}"):
        st.button(card.title, key=f"card_{card.key}", on_click=_show_target, args=(card.key,), type="tertiary",
                  help=" · ".join(text for text in (card.figures, card.pace, t("header_show_on_map", language))
                                  if text))
        headline = html.escape(card.headline)
        st.html(f"<span class='hcard-figure' title='{headline}'>{headline}</span>")  # catalogue text, escaped
