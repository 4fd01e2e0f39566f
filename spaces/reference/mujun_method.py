"""The 亩均效益综合评价 method (indicators, weights, benchmarks, class cut-offs) read from geodata/mujun.toml."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from spaces.errors import ReferenceDataError
from spaces.paths import GEODATA_DIR

from .schema import load_schemas
from .vocab import load_vocabularies

METHOD_FILE = GEODATA_DIR / "mujun.toml"
# A planner's own method file (their district's 评价办法) instead of the shipped illustrative one.
METHOD_VARIABLE = "SPACES_MUJUN_METHOD"
PREVIOUS_YEAR_MEAN = "previous_year_mean"
MISSING_RULES = ("zero", "average", "not_evaluated")
CLASSES = ("A", "B", "C", "D", "T")
RANKED_CLASSES = ("A", "B", "C")  # cut-offs given; D is the rest, T the firms not evaluated


@dataclass(frozen=True)
class Indicator:
    key: str
    label_zh: str
    label_en: str
    unit: str
    numerator: str
    denominator: str
    scale: float = 1.0


@dataclass(frozen=True)
class Item:
    """One scored indicator of a group: ``weight x min(value / benchmark, max_ratio)``."""

    indicator: str
    weight: float
    benchmark: float | str  # a fixed value, or PREVIOUS_YEAR_MEAN
    benchmark_factor: float
    missing: str


@dataclass(frozen=True)
class Method:
    name_zh: str
    name_en: str
    illustrative: bool
    sources: tuple[str, ...]
    max_ratio: float
    rank_within: tuple[str, ...]
    cutoffs: dict[str, float]  # class -> % of firms ranked strictly better below which a firm is in it
    indicators: dict[str, Indicator]
    groups: dict[str, tuple[Item, ...]]
    file: str

    @property
    def columns(self) -> set[str]:
        """The enterprises columns the scores read."""
        return {c for i in self.indicators.values() for c in (i.numerator, i.denominator)}


def method_path(path: str | Path | None = None) -> Path:
    """``path``, else ``$SPACES_MUJUN_METHOD``, else the shipped geodata/mujun.toml."""
    return Path(path or os.environ.get(METHOD_VARIABLE) or METHOD_FILE)


def load_method(path: str | Path | None = None) -> Method:
    """The method at :func:`method_path`, checked; a bad file raises :class:`ReferenceDataError` naming it."""
    path = method_path(path).resolve()
    try:
        changed = path.stat().st_mtime_ns  # a file edited while the app runs is read again
    except OSError as exc:
        raise ReferenceDataError(f"{path.name}: cannot read the evaluation method: {exc}") from exc
    return _load(path, changed)


@cache
def _load(path: Path, changed: int) -> Method:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ReferenceDataError(f"{path.name}: cannot read the evaluation method: {exc}") from exc
    try:
        return _parse(data, path.name)
    except (KeyError, TypeError, ValueError) as exc:
        raise ReferenceDataError(f"{path.name}: malformed evaluation method: {exc!r}") from exc


def _parse(data: dict, name: str) -> Method:
    def fail(message: str):
        raise ReferenceDataError(f"{name}: {message}")

    columns = load_schemas()["enterprises"].columns
    groups_known = load_vocabularies()["group"].values
    indicators = {}
    for key, spec in data["indicators"].items():
        indicator = Indicator(key=key, label_zh=spec["label_zh"], label_en=spec["label_en"], unit=spec.get("unit", ""),
                              numerator=spec["numerator"], denominator=spec["denominator"],
                              scale=float(spec.get("scale", 1.0)))
        for column in (indicator.numerator, indicator.denominator):
            if column not in columns or columns[column].type != "float":
                fail(f"indicator {key}: {column!r} is not a number column of the enterprises layer")
        indicators[key] = indicator
    groups = {}
    for group, spec in data["groups"].items():
        if group not in groups_known:
            fail(f"unknown group {group!r}; use {', '.join(groups_known)}")
        items = []
        for item in spec["items"]:
            benchmark = item["benchmark"]
            if item["indicator"] not in indicators:
                fail(f"group {group}: unknown indicator {item['indicator']!r}")
            if not (benchmark == PREVIOUS_YEAR_MEAN or (isinstance(benchmark, int | float) and benchmark > 0)):
                fail(f"group {group}, {item['indicator']}: benchmark must be {PREVIOUS_YEAR_MEAN!r} or a number > 0")
            if item.get("missing", "zero") not in MISSING_RULES:
                fail(f"group {group}, {item['indicator']}: missing must be one of {', '.join(MISSING_RULES)}")
            if float(item["weight"]) <= 0 or float(item.get("benchmark_factor", 1)) <= 0:
                fail(f"group {group}, {item['indicator']}: weight and benchmark_factor must be > 0")
            items.append(Item(indicator=item["indicator"], weight=float(item["weight"]),
                              benchmark=benchmark if benchmark == PREVIOUS_YEAR_MEAN else float(benchmark),
                              benchmark_factor=float(item.get("benchmark_factor", 1)),
                              missing=item.get("missing", "zero")))
        if not items:
            fail(f"group {group} scores nothing")
        groups[group] = tuple(items)
    missing_groups = set(groups_known) - set(groups)
    if missing_groups:
        fail(f"no items for group(s) {', '.join(sorted(missing_groups))}")
    classes = data["classes"]
    cutoffs = {c: float(classes[c]) for c in RANKED_CLASSES}
    if not 0 < cutoffs["A"] < cutoffs["B"] < cutoffs["C"] <= 100:
        fail("class cut-offs must rise: 0 < A < B < C <= 100 (in %)")
    rank_within = tuple(classes.get("rank_within", ["district_adcode", "year", "group"]))
    if not {"district_adcode", "year"} <= set(rank_within) or not set(rank_within) <= set(columns):
        fail("rank_within must hold district_adcode and year, and only columns of the enterprises layer")
    method = data["method"]
    max_ratio = float(method.get("max_ratio", float("inf")))
    if max_ratio <= 0:
        fail("max_ratio must be > 0")
    return Method(name_zh=method["name_zh"], name_en=method["name_en"],
                  illustrative=bool(method.get("illustrative", False)), sources=tuple(method.get("sources", ())),
                  max_ratio=max_ratio, rank_within=rank_within, cutoffs=cutoffs, indicators=indicators,
                  groups=groups, file=name)
