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
