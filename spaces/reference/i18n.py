"""The user-facing text catalogue (Chinese first, English available), from geodata/ui_text.toml."""

from __future__ import annotations

import tomllib
from functools import cache

from spaces.errors import ReferenceDataError
from spaces.paths import GEODATA_DIR

TEXT_FILE = GEODATA_DIR / "ui_text.toml"
LANGUAGES = ("zh", "en")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    with TEXT_FILE.open("rb") as fh:
        entries = tomllib.load(fh)
    for key, entry in entries.items():
        missing = [lang for lang in LANGUAGES if not entry.get(lang)]
        if missing:
            raise ReferenceDataError(f"{TEXT_FILE}: [{key}] lacks {', '.join(missing)}")
    return entries


def t(key: str, language: str = "zh") -> str:
    """The text for ``key`` in ``language`` ("zh" or "en")."""
    entry = catalogue().get(key)
    if entry is None:
        raise KeyError(f"{TEXT_FILE}: no text for {key!r}")
    return entry[language if language in LANGUAGES else "zh"]


def colon(language: str) -> str:
    """The label separator: full-width after Chinese, ": " after English.

    Examples
    --------
    >>> f"{t('year', 'en')}{colon('en')}2025"
    'Year: 2025'
    """
    return "：" if language == "zh" else ": "


def with_unit(text: str, unit: str, language: str) -> str:
    """``实际（亩）`` in Chinese, ``Actual (mu)`` in English.

    Examples
    --------
    >>> with_unit("实际", "亩", "zh"), with_unit("Actual", "mu", "en")
    ('实际（亩）', 'Actual (mu)')
    """
    return f"{text}（{unit}）" if language == "zh" else f"{text} ({unit})"
