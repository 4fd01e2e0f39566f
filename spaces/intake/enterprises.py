"""The rules of the enterprises layer (亩均评价): credit codes, land, years, energy units, plots and parks."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from spaces.reference.credit_code import credit_code_problem

from .findings import Findings, is_blank

# Evaluations began with 浙政发〔2018〕5号's forerunners; the issue accepts 2015 onwards.
FIRST_EVALUATION_YEAR = 2015
# A firm's energy per 亩 this many times its district's median is taken for a unit slip (kgce for tce).
ENERGY_UNIT_FACTOR = 1000
# What credit_code_problem finds, with the finding's catalogue key and message.
CREDIT_CODE_FINDINGS = (
    {"kind": "length", "key": "credit_code_length", "text": "is not 18 characters long"},
    {"kind": "characters", "key": "credit_code_characters",
     "text": "holds characters a credit code cannot (I, O, Z, S, V or symbols)"},
    {"kind": "check_digit", "key": "credit_code_check_digit", "text": "has a wrong check digit (GB 32100-2015)"},
)


@dataclass(frozen=True)
class Known:
    """What the store holds that an enterprise row may point to: plots (with their districts) and parks."""

    plot_districts: dict[str, str | None] = field(default_factory=dict)
    park_ids: frozenset[str] = frozenset()

    @classmethod
    def from_layers(cls, layers: dict[str, pd.DataFrame]) -> Known:
        plots = layers.get("plots", pd.DataFrame(columns=["plot_id", "district_adcode"]))
        parks = layers.get("parks", pd.DataFrame(columns=["park_id"]))
        districts = plots["district_adcode"].astype(object).where(plots["district_adcode"].notna(), None)
        return cls(dict(zip(plots["plot_id"].astype(str), districts, strict=True)),
                   frozenset(parks["park_id"].astype(str)))


def enterprise_rules(out: pd.DataFrame, context, findings: Findings) -> pd.DataFrame:
    """Checks of each row and of the file that the column types cannot make (see the README's table)."""
    given = context.table
    codes = out["enterprise_id"].map(lambda v: None if is_blank(v) else credit_code_problem(str(v)))
    for finding in CREDIT_CODE_FINDINGS:
        rows = (codes == finding["kind"]).to_numpy(dtype=bool)
        if rows.any():
            findings.add("warning", f"enterprise_id {finding['text']}: kept; check the 统一社会信用代码",
                         key=finding["key"], rows=rows, column="enterprise_id", values=given["enterprise_id"])
    zero_land = (out["land_mu"] == 0).fillna(False).to_numpy(dtype=bool)
    if zero_land.any():
        findings.add("error", "land_mu must be more than 0: no per-mu figure can be computed without land",
                     key="land_not_positive", rows=zero_land, column="land_mu", values=given["land_mu"])
    years = out["year"].astype("Float64")
    outside = (years.notna() & ~years.between(FIRST_EVALUATION_YEAR, context.this_year)).to_numpy(dtype=bool)
    if outside.any():
        findings.add("error", f"year must be between {FIRST_EVALUATION_YEAR} and this year ({context.this_year})",
                     key="evaluation_year_out_of_range",
                     params={"first": FIRST_EVALUATION_YEAR, "last": context.this_year},
                     rows=outside, column="year", values=given["year"])
    slips = energy_unit_slips(out)
    if slips.any():
        findings.add("warning", f"energy_tce per mu is {ENERGY_UNIT_FACTOR:,} times the district's median or more: "
                     "is it in kg of standard coal instead of tonnes (吨标煤)? kept as given",
                     key="energy_unit", params={"factor": f"{ENERGY_UNIT_FACTOR:,}"}, rows=slips,
                     column="energy_tce", values=given.get("energy_tce"))
    return out


def energy_unit_slips(out: pd.DataFrame) -> np.ndarray:
    """Rows whose energy per 亩 is :data:`ENERGY_UNIT_FACTOR` times the median of their district (of the file's
    rows with energy and land) or more; rows without a district are judged against the whole file.

    Energy per 亩, not energy: a refinery may use 1,000 times a workshop's energy, not 1,000 times per 亩.

    Examples
    --------
    >>> rows = pd.DataFrame({"district_adcode": ["330206"] * 3, "land_mu": [10.0, 20, 10],
    ...                      "energy_tce": [50.0, 90, 60_000]})
    >>> energy_unit_slips(rows).tolist()
    [False, False, True]
    """
    intensity = (pd.to_numeric(out["energy_tce"], errors="coerce") / out["land_mu"].where(out["land_mu"] > 0))
    intensity = intensity.where(intensity > 0)
    district = out["district_adcode"].astype(object).where(out["district_adcode"].notna(), "")
    median = intensity.groupby(district.to_numpy()).transform("median")
    median = median.where(district != "", intensity.median())
    return (intensity >= ENERGY_UNIT_FACTOR * median).fillna(False).to_numpy(dtype=bool)


def link_enterprises(out: pd.DataFrame, known: Known | None, findings: Findings) -> pd.DataFrame:
    """Check ``plot_id`` and ``park_id`` against the store (unknown ones: warning, kept) and give a row with
    no location and no district its plot's district; a row left without any district is refused."""
    out = out.copy()
    if known is not None:
        for column, ids in (("plot_id", known.plot_districts), ("park_id", known.park_ids)):
            unknown = (out[column].notna() & ~out[column].astype(str).isin(list(ids))).to_numpy(dtype=bool)
            if unknown.any():
                findings.add("warning", f"{column} is not in the store: kept; the firm is linked to nothing yet",
                             key="unknown_reference", params={"column": column}, rows=unknown, column=column,
                             values=out[column])
        from_plot = out["plot_id"].map(lambda v: None if v is None else known.plot_districts.get(str(v)))
        out["district_adcode"] = out["district_adcode"].where(out["district_adcode"].notna(), from_plot)
    nowhere = out["district_adcode"].isna().to_numpy(dtype=bool)
    if nowhere.any():
        findings.add("error", "no district: give lon/lat, a district_adcode or the plot_id of a plot in the store",
                     key="enterprise_without_district", rows=nowhere, column="district_adcode",
                     values=out["plot_id"])
    return out
