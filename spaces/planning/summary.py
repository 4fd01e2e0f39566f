"""The district summary: the attainment table in the wide and nested shapes that exports share."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from spaces.reference.mujun_method import CLASSES, Method
from spaces.reference.targets import load_targets

from .attainment import compute_attainment
from .calendar import BEIJING
from .mujun_aggregates import mujun_blocks
from .provenance import DataSource, data_source

SAMPLE_NOTICE_ZH = "示例数据：除区县边界和有出处的名称外均为模拟，不是官方数据"
SAMPLE_NOTICE_EN = "SAMPLE DATA: simulated except district boundaries and sourced names; not official figures"


@dataclass
class Summary:
    """Attainment for one year, with what it was computed from."""

    year: int
    long: pd.DataFrame  # one row per (adcode, key), see compute_attainment
    data_source: DataSource
    store: str
    created_at: str = field(default_factory=lambda: datetime.now(BEIJING).isoformat(timespec="seconds"))
    provisional: bool = False  # the year's statistics are not final yet (进行中 / 预计)
    today: date | None = None  # the date the figures were read on (None: every year taken as over)
    mujun: dict[str, dict] | None = None  # per adcode, the 亩均 record of the year (None: no enterprises layer in use)

    @property
    def is_sample(self) -> bool:
        return self.data_source.is_sample


def build_summary(layers: dict[str, pd.DataFrame], *, year: int, store: str = "",
                  today: date | None = None, method: Method | None = None) -> Summary:
    """Compute the summary of ``layers`` (a store's content) for ``year``, read on ``today``
    (see :func:`~spaces.planning.attainment.compute_attainment`; None takes every year as over), with the
    enterprises scored by ``method`` (default: :func:`~spaces.reference.mujun_method.load_method`)."""
    long = compute_attainment(layers, layers["allocations"], year=year, today=today)
    provisional = bool(long["provisional"].any()) if len(long) else False
    return Summary(year=year, long=long, data_source=data_source(layers), store=store, provisional=provisional,
                   today=today, mujun=mujun_blocks(layers.get("enterprises"), year=year, method=method))


def wide_table(summary: Summary) -> pd.DataFrame:
    """One row per district then the city: ``adcode, district``, per target ``<key>_actual, _target,
    _attainment, _status, _baseline, _progress, _expected, _as_of, _projected_2026``, then ``provisional``
    (bool) and ``data_source``. ``_as_of`` is a nullable integer (the data year used)."""
    long = summary.long
    rows = []
    for adcode, group in long.groupby("adcode", sort=False):
        row = {"adcode": adcode, "district": group["district"].iloc[0]}
        for record in group.itertuples():
            row[f"{record.key}_actual"] = _round(record.actual, record.key)
            row[f"{record.key}_target"] = _json_number(record.target)
            row[f"{record.key}_attainment"] = None if pd.isna(record.attainment) else round(record.attainment, 4)
            row[f"{record.key}_status"] = _status(record.status)
            for name, value in _pace(record).items():
                row[f"{record.key}_{name}"] = value
            if record.key in SOURCED_KEYS:
                row[f"{record.key}_source"] = _status(getattr(record, "source", None))
        row.update(_mujun_columns(summary, adcode))
        row["provisional"] = summary.provisional
        row["data_source"] = summary.data_source
        rows.append(row)
    table = pd.DataFrame(rows)
    for column in [c for c in table.columns if c.endswith("_as_of")]:
        table[column] = table[column].astype("Int64")
    return table


def nested_records(summary: Summary) -> list[dict]:
    """``[{"adcode", "district", "metrics": {key: {...}}, "year", "provisional", "data_source"}]``; each metric
    holds ``actual, target, attainment, status, baseline, progress, expected, as_of, projected_2026, stale``."""
    records = []
    for adcode, group in summary.long.groupby("adcode", sort=False):
        metrics = {
            record.key: {
                "actual": _json_number(_round(record.actual, record.key)),
                "target": _json_number(record.target),
                "attainment": _json_number(None if pd.isna(record.attainment) else round(record.attainment, 4)),
                "status": _status(record.status),
                **{name: _json_number(value) for name, value in _pace(record).items()},
                "stale": bool(record.stale),
                "annual_task": _round(getattr(record, "annual_task", None), record.key),
                **({"source": _status(getattr(record, "source", None))} if record.key in SOURCED_KEYS else {}),
            }
            for record in group.itertuples()
        }
        records.append({"adcode": adcode, "district": group["district"].iloc[0], "metrics": metrics,
                        "mujun": None if summary.mujun is None else summary.mujun.get(adcode),
                        "year": summary.year, "provisional": summary.provisional,
                        "data_source": summary.data_source})
    return records


# The 亩均 targets, whose figures come from enterprises or indicators and say which (``source``).
SOURCED_KEYS = tuple(key for key, target in load_targets().items() if target.enterprise_group is not None)
MUJUN_COLUMNS = ("mujun_year", "mujun_enterprises", "mujun_land_mu", "mujun_tax_per_mu", "mujun_value_added_per_mu",
                 *(f"mujun_class_{c}" for c in CLASSES))


def _mujun_columns(summary: Summary, adcode: str) -> dict:
    """The wide table's columns of the ``mujun`` record (empty when the store has no enterprises)."""
    block = (summary.mujun or {}).get(adcode)
    if block is None:
        return dict.fromkeys(MUJUN_COLUMNS)
    return {"mujun_year": block["year"], "mujun_enterprises": block["enterprises"], "mujun_land_mu": block["land_mu"],
            "mujun_tax_per_mu": block["tax_per_mu"], "mujun_value_added_per_mu": block["value_added_per_mu"],
            **{f"mujun_class_{c}": block["classes"][c] for c in CLASSES}}


PACE_COLUMNS = ("baseline", "progress", "expected", "as_of", "projected_2026")


def rounded_share(value) -> float | None:
    """A share (progress, pace) as exports write it: 4 decimals, None when unknown or infinite.

    Examples
    --------
    >>> rounded_share(0.123456), rounded_share(float("-inf"))
    (0.1235, None)
    """
    return None if value is None or pd.isna(value) or not math.isfinite(value) else round(float(value), 4)


def _pace(record) -> dict:
    """The pace fields of one metric: baseline and projection in the target's unit, shares to 4 decimals."""
    return {
        "baseline": _round(record.baseline, record.key),
        "progress": rounded_share(record.progress),
        "expected": rounded_share(record.expected),
        "as_of": None if pd.isna(record.as_of) else int(record.as_of),
        "projected_2026": _round(record.projected_2026, record.key, decimals=1),
    }


def _round(value, key: str, *, decimals: int = 4):
    """A figure in its target's unit: 亩 and % to 2 decimals, counts whole (or to ``decimals`` when not:
    a projection of 18.27 parks is kept as 18.3)."""
    if value is None or pd.isna(value) or not math.isfinite(value):
        return None
    unit = load_targets()[key].unit_en
    if unit in ("mu", "%"):
        return round(float(value), 2)
    return int(value) if float(value).is_integer() else round(float(value), decimals)


def _status(value) -> str | None:
    return value if isinstance(value, str) else None


def _json_number(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
