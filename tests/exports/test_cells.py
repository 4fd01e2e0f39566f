"""Tests for spaces.exports.cells: text a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from spaces.exports.cells import csv_bytes, safe_cells


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://x","click")', "=cmd|' /C calc'!A0", "@SUM(1)", "+1+1", "-2+3", "\t=1", "\r=1"],
)
def test_formula_starts_are_quoted(value):
    assert safe_cells(pd.DataFrame({"v": [value]}))["v"].iloc[0] == "'" + value
    cell = pd.read_csv(io.BytesIO(csv_bytes(pd.DataFrame({"v": [value]}))), encoding="utf-8-sig")["v"].iloc[0]
    assert cell.startswith("'")


def test_numbers_and_plain_text_are_left_alone():
    """Negative numbers, as numbers or as text, and ordinary names stay as they are."""
    frame = pd.DataFrame({"n": [-5, 3], "text": ["-5", "宁波 = 好"], "none": [None, "x"]})
    assert safe_cells(frame).equals(frame)


def test_the_frame_given_is_not_changed():
    frame = pd.DataFrame({"v": ["=1"]})
    safe_cells(frame)
    assert frame["v"].iloc[0] == "=1"
