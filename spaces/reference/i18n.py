"""The user-facing text catalogue (Chinese first, English available), from geodata/ui_text.toml."""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Mapping
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


def t(key: str, language: str = "zh", *, count: object = None) -> str:
    """The text for ``key`` in ``language`` ("zh" or "en").

    With ``count`` (the number the text will show, as a number or as printed), an English entry's ``en_one``
    is used for exactly 1: "1 place to go", not "1 places to go".

    Examples
    --------
    >>> t("gap_rank", "en", count=1), t("gap_rank", "en", count="2")
    ('{places} place to go', '{places} places to go')
    """
    entry = catalogue().get(key)
    if entry is None:
        raise KeyError(f"{TEXT_FILE}: no text for {key!r}")
    language = language if language in LANGUAGES else "zh"
    if language == "en" and "en_one" in entry and _is_one(count):
        return entry["en_one"]
    return entry[language]


def counted(count: int, one: str, many: str) -> str:
    """An English count with its noun in agreement, for the command line's own sentences.

    Examples
    --------
    >>> counted(1, "row", "rows"), counted(0, "warning", "warnings")
    ('1 row', '0 warnings')
    """
    return f"{count:,} {one if count == 1 else many}"


def _is_one(count: object) -> bool:
    """Whether ``count`` (a number, or a number as printed: "1", "1.0") is exactly one."""
    try:
        return float(str(count).replace(",", "")) == 1.0 if count is not None else False
    except ValueError:
        return False


def language_code(language: str) -> str:
    """``language`` checked: "zh" or "en"; anything else is a programming error."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
    return language


def localised(field: str, language: str) -> str:
    """The name of ``field``'s column or attribute in ``language``: ``name_zh`` / ``name_en``.

    Examples
    --------
    >>> localised("name", "en")
    'name_en'
    """
    return f"{field}_{language_code(language)}"


def label(item: object, language: str, field: str = "label") -> str:
    """``item``'s text in ``language``: its ``<field>_zh`` / ``<field>_en`` attribute, or key of a mapping
    (a row, a dict), so that no caller spells out the two languages again.

    Examples
    --------
    >>> label({"name_zh": "鄞州区", "name_en": "Yinzhou"}, "en", field="name")
    'Yinzhou'
    """
    name = localised(field, language)
    return item[name] if isinstance(item, Mapping) else getattr(item, name)


def by_language(zh: str, en: str, language: str) -> str:
    """``zh`` or ``en`` by ``language``: for the few separators and words too small for the catalogue.

    Examples
    --------
    >>> by_language("、", ", ", "en")
    ', '
    """
    return zh if language_code(language) == "zh" else en


def colon(language: str) -> str:
    """The label separator: full-width after Chinese, ": " after English.

    Examples
    --------
    >>> f"{t('year', 'en')}{colon('en')}2025"
    'Year: 2025'
    """
    return by_language("：", ": ", language)


def with_unit(text: str, unit: str, language: str) -> str:
    """``实际（亩）`` in Chinese, ``Actual (mu)`` in English.

    Examples
    --------
    >>> with_unit("实际", "亩", "zh"), with_unit("Actual", "mu", "en")
    ('实际（亩）', 'Actual (mu)')
    """
    return by_language(f"{text}（{unit}）", f"{text} ({unit})", language)


def printable(value) -> str:
    r"""``value`` as text safe to show: control characters become spaces, format characters (bidi overrides
    such as U+202E, zero-width spaces) are dropped, so a name cannot spoof its own reading order.

    Examples
    --------
    >>> printable("plots\u202egpj.csv\nx")
    'plotsgpj.csv x'
    """
    kept = []
    for ch in str(value):
        category = unicodedata.category(ch)
        if category == "Cc":
            kept.append(" ")
        elif category != "Cf":
            kept.append(ch)
    return "".join(kept)
