"""The plan's clock: ``$SPACES_TODAY`` fixes the date the figures are read on, and a bad value is refused."""

from datetime import date

import pytest

from spaces.errors import TodayError
from spaces.planning.calendar import latest_final_year, today_in_beijing


def test_spaces_today_fixes_the_date_and_with_it_the_default_year(monkeypatch):
    monkeypatch.setenv("SPACES_TODAY", "2026-03-31")
    assert today_in_beijing() == date(2026, 3, 31)
    assert latest_final_year(today=today_in_beijing()) == 2024  # 2025 is final from 1 April 2026


def test_without_spaces_today_the_date_is_beijings(monkeypatch):
    monkeypatch.delenv("SPACES_TODAY", raising=False)
    assert abs((today_in_beijing() - date.today()).days) <= 1


@pytest.mark.parametrize("value", ["2026-02-30", "2026-1-5", "20261201", "yesterday"])
def test_a_bad_spaces_today_names_the_variable_and_the_format(monkeypatch, value):
    monkeypatch.setenv("SPACES_TODAY", value)
    with pytest.raises(TodayError, match=r"SPACES_TODAY=.* is not a date: write it as YYYY-MM-DD"):
        today_in_beijing()
