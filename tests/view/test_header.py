"""The city header's cards: figures, pace, gap and status colour of each target, from a hand-made table."""

import math

import pandas as pd
import pytest

from spaces.reference.palette import NO_DATA_COLOUR, STATUS_HEX, hex_colour
from spaces.reference.targets import TARGET_KEYS
from spaces.view.header import CITY_ADCODE, header_adcode, header_cards

NAN = math.nan


def _row(key, actual, target, status, progress=NAN, expected=NAN, adcode=CITY_ADCODE):
    return {"adcode": adcode, "key": key, "actual": actual, "target": target, "status": status,
            "progress": progress, "expected": expected, "projected_2026": NAN, "projected_progress": NAN,
            "stale": False, "as_of": 2025, "annual_task": NAN}


@pytest.fixture
def long():
    """The city row of a few targets: one behind in 亩, one met, a rank behind, an "about" count behind,
    a growth in %, one district row; every other target has no row (missing data)."""
    return pd.DataFrame([
        _row("reclaimed_land_mu", 41_234.0, 50_000.0, "behind", 0.84, 0.90),
        _row("strategic_parks", 15.0, 20.0, "behind", 0.75, 0.80),
        _row("industrial_communities", 66.0, 70.0, "met", 0.94, 0.80),
        _row("etdz_national_rank", 9.0, 5.0, "on_track", 0.80, 0.80),
        _row("tax_per_mu_growth_pct", 31.5, 40.0, "behind", 0.70, 0.80),
        _row("reclaimed_land_mu", 3_000.0, 4_000.0, "on_track", 0.95, 0.90, adcode="330206"),
    ])


def _cards(long, language="zh", adcode=CITY_ADCODE):
    return {card.key: card for card in header_cards(long, adcode=adcode, language=language)}


def test_one_card_per_target_in_the_plans_order(long):
    assert [card.key for card in header_cards(long, adcode=CITY_ADCODE, language="zh")] == list(TARGET_KEYS)


def test_a_target_behind_says_how_far_in_its_unit(long):
    land = _cards(long)["reclaimed_land_mu"]
    assert land.figures == "41,234.0 / 50,000.0 亩"
    assert land.pace == "进度 84%（时间进度 90%）"
    assert land.gap == "差 8,766 亩"
    assert land.colour == STATUS_HEX["behind"]
    assert _cards(long, "en")["reclaimed_land_mu"].gap == "8,766 mu to go"


def test_a_met_target_has_no_gap(long):
    """66 of "about 70" is met (the band starts at 63)."""
    met = _cards(long)["industrial_communities"]
    assert met.gap == "" and met.status == "met" and met.colour == STATUS_HEX["met"]


def test_an_about_target_is_short_of_its_bands_edge_not_of_the_goal(long):
    parks = _cards(long)["strategic_parks"]
    assert parks.figures == "15 / 约 20 个"
    assert parks.gap == "差 3 个"  # 18 meets "about 20"


def test_a_rank_is_short_by_places_and_growth_by_points(long):
    cards = _cards(long)
    assert cards["etdz_national_rank"].figures == "第 9 名 / 第 5 名"
    assert cards["etdz_national_rank"].gap == "差 4 名"
    assert cards["tax_per_mu_growth_pct"].gap == "差 8.5 个百分点"
    assert _cards(long, "en")["etdz_national_rank"].gap == "4 places to go"


def test_missing_data_is_a_grey_card_of_dashes(long):
    green = _cards(long)["green_parks"]
    assert (green.figures, green.pace, green.gap, green.status) == ("— / —", "", "", None)
    assert green.colour == hex_colour(NO_DATA_COLOUR)


def test_one_district_is_read_from_its_own_row(long):
    land = _cards(long, adcode="330206")["reclaimed_land_mu"]
    assert land.figures == "3,000.0 / 4,000.0 亩" and land.gap == "差 1,000 亩"


@pytest.mark.parametrize(("chosen", "adcode"), [((), CITY_ADCODE), (("330206",), "330206"),
                                                (("330206", "330212"), CITY_ADCODE)])
def test_the_header_reads_one_chosen_district_else_the_city(chosen, adcode):
    assert header_adcode(chosen) == adcode


def test_the_one_line_card_shows_the_gap_else_the_actual_figure(long):
    cards = _cards(long)
    assert cards["reclaimed_land_mu"].headline == "差 8,766 亩"
    assert cards["industrial_communities"].headline == "66"  # met: the goal is in the tooltip
    assert cards["green_parks"].headline == "—"  # no data: a dash, grey


def test_card_style_colours_each_card_by_its_status_and_outlines_the_chosen_one(long):
    from spaces.view.header import card_style

    cards = header_cards(long, adcode=CITY_ADCODE, language="zh")
    css = card_style(cards, chosen="strategic_parks")
    assert f".st-key-hcard_reclaimed_land_mu{{border-left:5px solid {STATUS_HEX['behind']}}}" in css
    assert f".st-key-hcard_green_parks{{border-left:5px solid {hex_colour(NO_DATA_COLOUR)}}}" in css
    assert f"hcard_strategic_parks{{border-left:5px solid {STATUS_HEX['behind']};outline:" in css
