"""Controlled vocabularies (plot status, level) and industry labels, read from geodata/vocab.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

from spaces.errors import ReferenceDataError
from spaces.paths import GEODATA_DIR

from .i18n import by_language, language_code

VOCAB_FILE = GEODATA_DIR / "vocab.toml"
INDUSTRY_SEPARATORS = re.compile(r"[;；、,，/]")


@dataclass(frozen=True)
class Vocabulary:
    """Canonical values of one vocabulary, their labels and accepted spellings."""

    name: str
    labels_zh: dict[str, str]
    labels_en: dict[str, str]
    synonyms: dict[str, str]  # folded spelling -> canonical value
    derived: tuple[str, ...] = ()  # values shown (maps, filters) but never read from a file or an update

    @property
    def values(self) -> list[str]:
        return list(self.labels_zh)

    @property
    def stored_values(self) -> list[str]:
        """The values a file or an edit may give (``values`` without the derived ones)."""
        return [value for value in self.values if value not in self.derived]

    def labels(self, language: str) -> dict[str, str]:
        """Canonical value -> label in ``language``."""
        return self.labels_zh if language == "zh" else self.labels_en

    def normalise(self, raw: object) -> str | None:
        """Canonical value for ``raw``, or None when it is not a known spelling."""
        return self.synonyms.get(_fold(raw))

    def accepted(self) -> str:
        """Human list of accepted spellings, for error messages."""
        return "; ".join(
            f"{value} ({self.labels_zh[value]})" for value in self.stored_values
        )


VOCABULARIES = ("status", "level", "designation", "group", "grade")


def _fold(raw: object) -> str:
    return str(raw).strip().lower().replace("_", " ")


@cache
def load_vocabularies() -> dict[str, Vocabulary]:
    """The ``status``, ``level``, ``designation`` (万亩千亿 培育/命名), ``group`` and ``grade`` (亩均评价) vocabularies."""
    with VOCAB_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    vocabularies = {}
    for name in VOCABULARIES:
        entries = data.get(name)
        if not entries:
            raise ReferenceDataError(f"{VOCAB_FILE}: missing [{name}.*] tables")
        synonyms: dict[str, str] = {}
        for value, entry in entries.items():
            if entry.get("derived", False):
                continue
            for spelling in [value, entry["label_zh"], entry["label_en"], *entry.get("synonyms", [])]:
                folded = _fold(spelling)
                if synonyms.setdefault(folded, value) != value:
                    raise ReferenceDataError(
                        f"{VOCAB_FILE}: {spelling!r} is a synonym of both {synonyms[folded]!r} and {value!r}"
                    )
        vocabularies[name] = Vocabulary(
            name=name,
            labels_zh={v: e["label_zh"] for v, e in entries.items()},
            labels_en={v: e["label_en"] for v, e in entries.items()},
            synonyms=synonyms,
            derived=tuple(value for value, entry in entries.items() if entry.get("derived", False)),
        )
    return vocabularies


@cache
def industry_labels_en() -> dict[str, str]:
    """English labels of the industries the sample uses (Chinese name -> English)."""
    with VOCAB_FILE.open("rb") as fh:
        return dict(tomllib.load(fh).get("industry", {}))


def industry_label(name: str, language: str) -> str:
    """An industry as shown in ``language``: its English label in English where vocab.toml has one, else the
    name as written (an imported industry outside the list is kept as it is).

    Examples
    --------
    >>> industry_label("新材料", "en"), industry_label("新材料", "zh"), industry_label("海洋经济", "en")
    ('New materials', '新材料', '海洋经济')
    """
    return industry_labels_en().get(name, name) if language_code(language) == "en" else name


def industries_text(raw: object, language: str) -> str:
    """An industries cell as one line in ``language``: ``新材料、集成电路`` / ``New materials, Integrated circuits``.

    Examples
    --------
    >>> industries_text("新材料;集成电路", "en")
    'New materials, Integrated circuits'
    """
    return by_language("、", ", ", language).join(industry_label(name, language) for name in split_industries(raw))


def split_industries(raw: object) -> list[str]:
    """Split an industries cell on ``;`` ``；`` ``、`` ``,`` ``，`` or ``/``.

    Examples
    --------
    >>> split_industries("汽车及零部件；新材料、 集成电路")
    ['汽车及零部件', '新材料', '集成电路']
    """
    if raw is None:
        return []
    text = str(raw)
    if text.strip().lower() in ("", "nan", "none"):
        return []
    parts = [part.strip() for part in INDUSTRY_SEPARATORS.split(text)]
    seen: dict[str, None] = {}
    for part in parts:
        if part:
            seen.setdefault(part, None)
    return list(seen)
