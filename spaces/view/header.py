"""The city header of the map page: one card per target with its figures, pace, status and gap, as text."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from spaces.reference.districts import CITY_ADCODE
from spaces.reference.i18n import t
from spaces.reference.palette import NO_DATA_COLOUR, STATUS_HEX, hex_colour
from spaces.reference.targets import Target, format_value, load_schedule, load_targets
from spaces.view.pace_text import counts_whole, goal_amount, pace_lines


@dataclass(frozen=True)
class Card:
    """What one header card shows, every text ready in the page's language."""

    key: str
    title: str
    figures: str  # actual / goal with units
    pace: str  # "进度 84%（时间进度 80%）", "" when unknown
    gap: str  # "差 8,766 亩", "" when met or unknown
    status: str | None  # met, on_track, behind; None without data
    colour: str  # #rrggbb of the status (grey without one)

    @property
    def headline(self) -> str:
        """What the one-line card shows after the name: the gap; the actual figure alone when met or unknown
        (the goal is in the card's tooltip)."""
        return self.gap or self.figures.split(" / ")[0]


def header_adcode(districts: tuple[str, ...] | list[str]) -> str:
    """The row the header reads: the one district chosen, else the city (several or none chosen).

    Examples
    --------
    >>> header_adcode(["330206"]), header_adcode([]), header_adcode(["330206", "330212"])
    ('330206', '330200', '330200')
    """
    return districts[0] if len(districts) == 1 else CITY_ADCODE


def _gap(target: Target, actual: float, goal: float, language: str, *, unit: bool = True) -> str:
    """How far ``actual`` is from being met, in the target's unit; "" when met or unknown.

    An "about" (左右) target is met at the band's lower edge (18 of "about 20"), so its gap is to that edge.
    """
    if not (math.isfinite(actual) and math.isfinite(goal)):
        return ""
    if target.about:
        goal = goal * (1 - load_schedule().about_band)
        goal = math.ceil(goal - 1e-9) if counts_whole(target) else goal
    missing = actual - goal if target.lower_is_better else goal - actual
    if float(format_value(missing, target).replace(",", "")) <= 0:  # met as printed: no gap to show
        return ""
    if target.unit_en == "rank":
        return t("gap_rank", language, count=format_value(missing, target)).format(places=format_value(missing, target))
    if target.unit_en == "%" and unit:
        return t("gap_points", language).format(points=format_value(missing, target))
    # 亩 to go in whole 亩, rounded up: "差 0 亩" would read as met.
    number = f"{math.ceil(missing - 1e-9):,}" if target.unit_en == "mu" else format_value(missing, target)
    amount = f"{number} {target.unit(language, count=number)}" if unit else number
    return t("gap_amount", language).format(amount=amount)


def header_cards(long: pd.DataFrame, *, adcode: str, language: str) -> list[Card]:
    """One card per target, in the plan's order, for ``adcode``'s row of the attainment table ``long``.

    ``long`` is :func:`~spaces.planning.attainment.compute_attainment`'s table; a target with no row for
    ``adcode`` (a city-only target read for a district) gets a card of dashes, grey.
    """
    rows = long.loc[long["adcode"] == adcode].set_index("key")
    cards = []
    for key, target in load_targets().items():
        row = rows.loc[key] if key in rows.index else None
        actual = float(row["actual"]) if row is not None and pd.notna(row["actual"]) else math.nan
        goal = float(row["target"]) if row is not None and pd.notna(row["target"]) else math.nan
        status = row["status"] if row is not None and isinstance(row["status"], str) else None
        known = status is not None and math.isfinite(actual)
        pace = pace_lines(row, target, language)[0] if known and pd.notna(row["progress"]) else ""
        cards.append(Card(
            key=key,
            title=target.label(language),
            figures=t("header_figures", language).format(
                actual=format_value(actual, target) if target.unit_en != "rank" else goal_amount(target, actual, language),
                goal=goal_amount(target, goal, language)),
            pace=pace,
            gap=_gap(target, actual, goal, language) if known and status != "met" else "",
            status=status,
            colour=STATUS_HEX[status] if status else hex_colour(NO_DATA_COLOUR),
        ))
    return cards


def card_style(cards: list[Card], *, chosen: str | None) -> str:
    """CSS for the one-line cards of ``cards`` (Streamlit gives a keyed container the class ``st-key-<key>``):
    a bar of the status colour, the name cut with "…" (its tooltip has all), the card of ``chosen`` outlined."""
    rules = [
        ".st-key-city_header{gap:4px}",
        "[class*='st-key-hcard_']{flex-wrap:nowrap;background:rgba(128,128,128,0.07);border-radius:4px;"
        "padding:0 6px 0 6px;min-height:0;gap:6px}",
        "[class*='st-key-hcard_']>div:first-child{flex:1 1 0;min-width:45%;overflow:hidden}",
        "[class*='st-key-hcard_']>div:last-child{flex:0 1 auto;min-width:0;overflow:hidden}",
        "[class*='st-key-hcard_'] button{min-height:0;padding:1px 0;width:100%;justify-content:flex-start}",
        "[class*='st-key-hcard_'] button>div{justify-content:flex-start;min-width:0}",
        "[class*='st-key-hcard_'] button p,[class*='st-key-hcard_'] button div{white-space:nowrap;overflow:hidden;"
        "text-overflow:ellipsis;font-size:0.8rem;text-align:left}",
        ".hcard-figure{display:block;font-size:0.8rem;font-weight:600;white-space:nowrap;overflow:hidden;"
        "text-overflow:ellipsis}",
        "[data-testid='stHorizontalBlock']:has([class*='st-key-hcard_']) [data-testid='stVerticalBlock']{gap:4px}",
    ]
    for card in cards:
        outline = ";outline:1px solid rgba(49,51,63,0.5)" if card.key == chosen else ""
        rules.append(f".st-key-hcard_{card.key}{{border-left:5px solid {card.colour}{outline}}}")
    return "".join(rules)


def gap_text(target: Target, actual: float, goal: float, language: str, *, unit: bool = True) -> str:
    """How far ``actual`` is from ``goal``, worded as on the cards ("差 8,766 亩"); "" when met or unknown.
    ``unit=False`` leaves the unit out ("差 8,766", percentage points too) for a table that names it once."""
    return _gap(target, actual, goal, language, unit=unit)
