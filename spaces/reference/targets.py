"""The plan's 2026 targets (geodata/targets.toml) and their district allocations (分解目标)."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from spaces.errors import ReferenceDataError
from spaces.paths import GEODATA_DIR

from .i18n import by_language, label, language_code

TARGETS_FILE = GEODATA_DIR / "targets.toml"
ALLOCATIONS_FILE = GEODATA_DIR / "allocations.csv"
WEIGHTS_FILE = GEODATA_DIR / "allocation_weights.csv"

PLAN_START_YEAR = 2022
PLAN_END_YEAR = 2026
BASELINE_YEAR = 2021
TARGET_KEYS = (
    "strategic_parks",
    "industrial_communities",
    "wanmu_qianyi_platforms",
    "etdz_national_rank",
    "reclaimed_land_mu",
    "tax_per_mu_growth_pct",
    "value_added_per_mu_growth_pct",
    "inefficient_enterprises_upgraded",
    "scattered_polluting_enterprises_cleared",
    "national_green_factories",
    "green_parks",
    "municipal_green_factories",
)
MEASURES = {"count_stock", "level_stock", "area_flow", "indicator_flow", "indicator_growth", "indicator_latest"}
# How progress is paced, by measure: stocks and flows linearly from their 2021 baseline, growth compound,
# a rank from its 2021 rank towards the target.
KINDS = {"count_stock": "stock", "level_stock": "stock", "area_flow": "flow", "indicator_flow": "flow",
         "indicator_growth": "growth", "indicator_latest": "rank"}
LEVELS = ("national", "provincial", "municipal")
REQUIRED_FIELDS = (
    "key", "group", "label_zh", "label_en", "unit_zh", "unit_en", "target",
    "comparator", "baseline_year", "scope", "measure", "plan_text",
)


@dataclass(frozen=True)
class Target:
    """One 2026 target of the 产业空间重构 action."""

    key: str
    group: str
    label_zh: str
    label_en: str
    unit_zh: str
    unit_en: str
    target: float
    comparator: str
    baseline_year: int
    scope: str
    measure: str
    plan_text: str
    layer: str | None = None
    column: str | None = None
    year_column: str | None = None
    where: dict = field(default_factory=dict)
    held_level: str | None = None
    about: bool = False
    striving: bool = False
    note_zh: str | None = None
    note_en: str | None = None
    # 亩均 targets: the enterprises group (规上 above_scale) whose Σ tax / Σ land stands for the district where the
    # enterprises layer has it; None: indicators only.
    enterprise_group: str | None = None
    unit_one_en: str | None = None

    @property
    def lower_is_better(self) -> bool:
        return self.comparator == "<="

    @property
    def kind(self) -> str:
        """``stock``, ``flow``, ``growth`` or ``rank``: how progress towards the target is paced."""
        return KINDS[self.measure]

    def label(self, language: str) -> str:
        """The target's name as printed: 约/about for "about" targets, 力争/striving for 力争 targets.

        Examples
        --------
        >>> load_targets()["wanmu_qianyi_platforms"].label("zh")
        '“万亩千亿”新产业平台（力争）'
        """
        name = label(self, language)
        if self.striving:
            name += by_language("（力争）", " (striving)", language)
        return name

    def unit(self, language: str, *, count: str = "") -> str:
        """The unit as printed after ``count`` (the figure as printed): singular in English after exactly 1.

        Examples
        --------
        >>> parks = load_targets()["strategic_parks"]
        >>> parks.unit("en", count="1"), parks.unit("en", count="2"), parks.unit("zh", count="1")
        ('park', 'parks', '个')
        """
        if self.unit_one_en and count == "1" and language_code(language) == "en":
            return self.unit_one_en
        return label(self, language, field="unit")

    def goal_text(self, value: float | None, language: str) -> str:
        """A goal as printed: ``约20`` / ``about 20`` for "about" targets, else the formatted value."""
        text = format_value(value, self)
        if self.about and text != "—":
            return by_language(f"约{text}", f"about {text}", language)
        return text


@dataclass(frozen=True)
class Schedule:
    """When a year's statistics count as final, and how wide the band of an "about" (左右) target is."""

    final_month: int = 4
    final_day: int = 1
    about_band: float = 0.10


@cache
def load_schedule() -> Schedule:
    """The ``[schedule]`` table of geodata/targets.toml, validated."""
    with TARGETS_FILE.open("rb") as fh:
        table = tomllib.load(fh).get("schedule", {})
    try:
        month, day = (int(part) for part in str(table.get("final_from", "04-01")).split("-"))
        schedule = Schedule(final_month=month, final_day=day, about_band=float(table.get("about_band", 0.10)))
        date(2001, schedule.final_month, schedule.final_day)
    except ValueError as exc:
        raise ReferenceDataError(f"{TARGETS_FILE}: [schedule]: {exc}") from exc
    if not 0 <= schedule.about_band < 1:
        raise ReferenceDataError(f"{TARGETS_FILE}: [schedule]: about_band must be in [0, 1)")
    return schedule


@cache
def load_targets() -> dict[str, Target]:
    """Every target keyed by its key, in the order of the plan; raises on a malformed file."""
    with TARGETS_FILE.open("rb") as fh:
        entries = tomllib.load(fh).get("target", [])
    targets: dict[str, Target] = {}
    for number, entry in enumerate(entries, start=1):
        missing = [f for f in REQUIRED_FIELDS if f not in entry]
        if missing:
            raise ReferenceDataError(f"{TARGETS_FILE}: target #{number}: missing {', '.join(missing)}")
        target = Target(**entry)
        problems = []
        if target.measure not in MEASURES:
            problems.append(f"unknown measure {target.measure!r}")
        if target.comparator not in (">=", "<="):
            problems.append(f"unknown comparator {target.comparator!r}")
        if target.scope not in ("district", "city"):
            problems.append(f"unknown scope {target.scope!r}")
        if target.measure in ("count_stock", "area_flow") and not (target.layer and target.year_column):
            problems.append("needs layer and year_column")
        if target.measure == "level_stock" and not (target.layer and target.held_level in LEVELS):
            problems.append(f"needs layer and held_level (one of {', '.join(LEVELS)})")
        if target.measure.startswith("indicator_") and not target.column:
            problems.append("needs column")
        if target.baseline_year != BASELINE_YEAR:
            problems.append(f"baseline_year must be {BASELINE_YEAR}")
        if problems or target.key in targets:
            raise ReferenceDataError(f"{TARGETS_FILE}: {target.key}: {'; '.join(problems) or 'duplicate key'}")
        targets[target.key] = target
    if tuple(targets) != TARGET_KEYS:
        raise ReferenceDataError(f"{TARGETS_FILE}: keys must be exactly {TARGET_KEYS}, got {tuple(targets)}")
    return targets


def target_groups() -> tuple[str, ...]:
    """The targets' groups in the plan's order (their labels: ``export_group_<group>`` in ui_text.toml).

    A function, not a constant: importing this module must not read targets.toml.

    Examples
    --------
    >>> target_groups()
    ('platforms', 'land', 'enterprises', 'green')
    """
    return tuple(dict.fromkeys(target.group for target in load_targets().values()))


def load_default_allocations() -> pd.DataFrame:
    """The shipped, illustrative district allocations: ``district_adcode, target_key, target, basis``."""
    frame = pd.read_csv(ALLOCATIONS_FILE, dtype={"district_adcode": str, "target_key": str, "basis": str})
    unknown = set(frame["target_key"]) - set(TARGET_KEYS)
    if unknown:
        raise ReferenceDataError(f"{ALLOCATIONS_FILE}: unknown target keys {sorted(unknown)}")
    return frame


def allocate(total: float, weights: pd.Series, *, step: float = 1.0) -> pd.Series:
    """Split ``total`` over ``weights`` in multiples of ``step`` so that the parts add up to ``total``.

    Largest-remainder (Hamilton) rounding: each part gets its floor, and the leftover steps go to
    the largest remainders (ties: the order of ``weights``).

    Examples
    --------
    >>> allocate(20, pd.Series({"a": 3, "b": 2, "c": 1})).tolist()
    [10.0, 7.0, 3.0]
    """
    shares = weights / weights.sum() * total / step
    floors = np.floor(shares)
    leftover = int(round(total / step - floors.sum()))
    order = np.argsort(-(shares - floors).to_numpy(), kind="stable")
    floors.iloc[order[:leftover]] += 1
    return floors * step


def district_allocations(weights: pd.Series) -> pd.DataFrame:
    """Allocations of every district-scoped target by ``weights`` (indexed by adcode).

    Count targets are split in whole units, land in multiples of 10 亩; growth targets are the
    same percentage in every district, since a city-wide 40% rise needs about 40% everywhere.
    """
    rows = []
    for target in load_targets().values():
        if target.scope != "district":
            continue
        if target.measure == "indicator_growth":
            parts = pd.Series(float(target.target), index=weights.index)
            basis = "same growth rate as the city target"
        else:
            step = 10.0 if target.unit_en == "mu" else 1.0
            parts = allocate(float(target.target), weights, step=step)
            basis = "split by 2021 GDP tier weight (allocation_weights.csv)"
        for adcode, value in parts.items():
            rows.append({"district_adcode": adcode, "target_key": target.key, "target": value,
                         "basis": f"illustrative: {basis}"})
    return pd.DataFrame(rows)


def format_value(value: float | None, target: Target) -> str:
    """A figure as printed: thousands separators, one decimal for 亩 and %, ``—`` when unknown.

    Examples
    --------
    >>> format_value(12345.678, load_targets()["reclaimed_land_mu"])
    '12,345.7'
    """
    if value is None or pd.isna(value) or not math.isfinite(value):
        return "—"
    if target.unit_en in ("mu", "%"):
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def format_amount(value: float | None, target: Target, language: str = "zh") -> str:
    """:func:`format_value` with the target's unit: ``12,345.7 亩``, ``38.4%``, ``3 个``, ``第 9 名``; ``—`` when
    unknown.

    Examples
    --------
    >>> format_amount(3, load_targets()["strategic_parks"], "en")
    '3 parks'
    """
    text = format_value(value, target)
    if text == "—":
        return text
    if target.unit_en == "rank":
        return by_language(f"第 {text} 名", f"No. {text}", language)
    unit = target.unit(language, count=text)
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"
