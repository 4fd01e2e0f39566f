"""The problems found in one file, each naming its row, id, column and value, capped per check."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spaces.errors import Problem

MAX_PROBLEMS_PER_CHECK = 200
# Spellings of "no value" that spreadsheets and database exports leave in cells.
BLANK_WORDS = {"", "nan", "none", "null"}


class Findings:
    """Collects problems for one file, capping repeats of one check so huge files stay readable.

    Each finding has an English ``message`` and the same text as ``problem_<key>`` of the catalogue
    (geodata/ui_text.toml) with ``params``; a capped summary adds ``more_rows`` to the params.
    """

    def __init__(self, file: str, ids: pd.Series | None):
        self.file = file
        self.ids = ids
        self.items: list[Problem] = []

    def add(self, severity, message, *, key=None, params=None, rows=None, column=None, values=None):
        params = dict(params or {})
        if rows is None:
            self.items.append(Problem(severity, self.file, message, column=column, key=key, params=params))
            return
        positions = np.asarray(rows).nonzero()[0] if np.asarray(rows).dtype == bool else np.asarray(rows)
        for count, position in enumerate(positions):
            if count == MAX_PROBLEMS_PER_CHECK:
                more = len(positions) - count
                self.items.append(Problem(severity, self.file, f"… {more} more rows: {message}", column=column,
                                          key=key, params={**params, "more_rows": more}))
                break
            feature_id = None
            if self.ids is not None:
                raw_id = self.ids.iloc[position]
                feature_id = None if is_blank(raw_id) else str(raw_id)
            value = None if values is None else _show(values.iloc[position])
            self.items.append(Problem(severity, self.file, message, row=int(position) + 1,
                                      feature_id=feature_id, column=column, value=value, key=key, params=params))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.items)


def is_blank(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in BLANK_WORDS
    # None, NaN, pd.NA and NaT all count as missing; lists or other non-scalars never do.
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def _show(value) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"
