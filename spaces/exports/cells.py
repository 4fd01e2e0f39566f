"""Spreadsheet cells that stay text: values a spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

import re

import pandas as pd

# Excel, LibreOffice and Google Sheets start a formula at any of these (tab and CR after trimming, too).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_text(value):
    """``value`` with a leading ``'`` when it is text a spreadsheet would read as a formula.

    Numbers, plain numeric text such as ``-5`` and anything else pass unchanged (OWASP's advice on CSV
    injection: quote the cell so it is shown, not run).

    Examples
    --------
    >>> [safe_text(v) for v in ['=HYPERLINK("http://x","click")', "@SUM(1)", "-2+3", "\\t=1", "-5", "宁波", 3]]
    ['\\'=HYPERLINK("http://x","click")', "'@SUM(1)", "'-2+3", "'\\t=1", '-5', '宁波', 3]
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def safe_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and headers) are :func:`safe_text`."""
    out = frame.rename(columns=lambda c: safe_text(c) if isinstance(c, str) else c)
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_text)
    return out


def csv_bytes(frame: pd.DataFrame, *, bom: bool = True) -> bytes:
    """``frame`` as UTF-8 CSV (with a byte-order mark for Excel unless ``bom=False``), formulas neutralised."""
    return safe_cells(frame).to_csv(index=False).encode("utf-8-sig" if bom else "utf-8")


def sheet_value(value):
    """``value`` as openpyxl writes it: None for a missing value (NaN would make Excel repair the file), a numpy
    scalar as its Python value."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def safe_workbook(book) -> None:
    """Every text cell of an openpyxl ``book`` through :func:`safe_text`: a store named ``=HYPERLINK(…).gpkg`` or a
    firm named ``@SUM(1)`` must not become a live formula."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = safe_text(cell.value)
