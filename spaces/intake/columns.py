"""A file's columns as the schema names them: headers and aliases, extra columns, ids, and one coercer per type."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from spaces.reference.districts import CITY_ADCODE, HISTORICAL_ADCODES, HISTORICAL_NAMES, adcode_lookup
from spaces.reference.schema import PROVENANCE_COLUMNS, Column, LayerSchema, fold_header
from spaces.reference.targets import TARGET_KEYS
from spaces.reference.vocab import load_vocabularies, split_industries

from .findings import Findings, is_blank

YEAR_RANGE = (1949, 2035)
TRUE_WORDS = {"true", "t", "yes", "y", "1", "是", "对", "√", "1.0"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "否", "不是", "", "0.0"}
# Names the store uses itself (GeoPackage's feature id and geometry column, provenance, the area
# a file supplied); a file's column with one of them, in any case, is kept under another name.
RESERVED_COLUMNS = ("fid", "geom", "geometry", *PROVENANCE_COLUMNS, "area_mu_supplied")
# Whole numbers beyond 2**53 are not exact in float64, which is how pandas reads numeric text.
LARGEST_WHOLE_NUMBER = 2**53


def rename_columns(frame: pd.DataFrame, schema: LayerSchema, findings: Findings) -> pd.DataFrame:
    """``frame`` without its geometry, its headers (any alias, any case) renamed to the schema's names."""
    lookup = schema.header_lookup()
    renames: dict[object, str] = {}
    claimed: dict[str, str] = {}
    kept: list[object] = []
    geometry_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    for header in frame.columns:
        if header == geometry_name:
            continue
        canonical = lookup.get(fold_header(header))
        if canonical is None:
            kept.append(header)
            continue
        if canonical in claimed:
            findings.add("error", f"columns {claimed[canonical]!r} and {header!r} both mean {canonical!r}; keep one",
                         key="duplicate_column", params={"first": claimed[canonical], "second": header,
                                                         "canonical": canonical}, column=header)
            continue
        claimed[canonical] = header
        renames[header] = canonical
    missing = [c for c in schema.required if c.name not in claimed]
    if missing:
        accepted = "; ".join(schema.describe(c.name) for c in missing)
        found = ", ".join(map(str, frame.columns))
        findings.add("error", f"missing required column(s) for layer {schema.name!r}: {accepted}. Found: {found}",
                     key="missing_columns", params={"layer": schema.name, "accepted": accepted, "found": found})
    renames.update(_keep_extra_columns(kept, schema, findings))
    table = pd.DataFrame(frame.drop(columns=[geometry_name]) if geometry_name else frame).rename(columns=renames)
    return table


def _keep_extra_columns(headers: list[object], schema: LayerSchema, findings: Findings) -> dict[object, str]:
    """New names for columns outside the schema that the store could not hold under their own name.

    A GeoPackage compares column names without regard to case and reserves ``fid`` and ``geom``;
    the store adds the provenance columns itself. ArcGIS exports carry ``FID``, and two headers may
    differ only in case (``Remark``, ``remark``): such columns are kept as ``<name>_in_file``.
    """
    taken = {fold_header(name) for name in (*schema.columns, *RESERVED_COLUMNS)}
    renames: dict[object, str] = {}
    for header in headers:
        name = str(header)
        if fold_header(name) in taken:
            name = f"{header}_in_file"
            suffix = 2
            while fold_header(name) in taken:
                name = f"{header}_in_file_{suffix}"
                suffix += 1
            if header not in PROVENANCE_COLUMNS:  # the store's own columns are renamed as a matter of course
                findings.add("warning", f"column {header!r} kept as {name!r}: the store reserves that name "
                             "or another column differs from it only in case", key="column_renamed",
                             params={"column": header, "name": name}, column=str(header))
        taken.add(fold_header(name))
        if name != header:
            renames[header] = name
    return renames


def id_series(table: pd.DataFrame, schema: LayerSchema) -> pd.Series | None:
    """Each row's id as findings name it (``a/b`` for a two-column id); None when the file has no id column."""
    present = [c for c in schema.id_columns if c in table.columns]
    if not present:
        return None
    return table[present].astype(str).agg("/".join, axis=1) if len(present) > 1 else table[present[0]]


def check_ids(out: pd.DataFrame, schema: LayerSchema, findings: Findings) -> None:
    """Every row has its own id; a feature belongs to one district, not to the whole city."""
    keys = out[list(schema.id_columns)]
    complete = keys.notna().all(axis=1)
    duplicated = keys.duplicated(keep=False) & complete
    if duplicated.any():
        label = "+".join(schema.id_columns)
        findings.add("error", f"duplicate {label}: every row needs its own id", key="duplicate_id",
                     params={"column": label}, rows=duplicated.to_numpy(), column=label, values=findings.ids)
    if not schema.is_spatial:  # tables (indicators, allocations) may hold city-wide rows
        return
    city_rows = out.get("district_adcode", pd.Series(dtype=object)) == CITY_ADCODE
    if city_rows.any():
        findings.add("error", f"a feature belongs to one district, not to the whole city ({CITY_ADCODE})",
                     key="whole_city", params={"city": CITY_ADCODE}, rows=city_rows.to_numpy(),
                     column="district_adcode", values=out["district_adcode"])


def coerce(values: pd.Series, column: Column, findings: Findings) -> pd.Series:
    """``values`` of one column in canonical form by the coercer of its type; what fails is reported."""
    blank = values.map(is_blank).astype(bool)
    if not column.nullable and blank.any():
        findings.add("error", f"{column.name} must not be empty", key="empty", params={"column": column.name},
                     rows=blank.to_numpy(), column=column.name, values=values)
    # Built as an object Series so a blank is None: pandas' string dtype would turn it into NaN,
    # which str() makes the text "nan".
    text = pd.Series([None if empty else str(v).strip() for v, empty in zip(values, blank, strict=True)],
                     index=values.index, dtype=object)
    return COERCERS[column.type](text, column, findings, values)


# Each coercer takes the cells as stripped text (None where blank), the column, the findings and the
# cells as the file gave them (shown in findings); it returns the canonical values.
Coercer = Callable[[pd.Series, Column, Findings, pd.Series], pd.Series]


def _as_text(text: pd.Series, column: Column, findings: Findings, values: pd.Series) -> pd.Series:
    return text


def _as_number(text: pd.Series, column: Column, findings: Findings, values: pd.Series) -> pd.Series:
    """``int``, ``year`` and ``float`` columns; whole numbers as Int64, missing where a value was reported."""
    name, kind = column.name, column.type
    blank = text.isna()
    numbers = pd.to_numeric(text, errors="coerce").astype(float)
    bad = ~blank & numbers.isna()
    if bad.any():
        findings.add("error", f"{name} must be a number", key="not_a_number", params={"column": name},
                     rows=bad.to_numpy(), column=name, values=values)
    infinite = np.isinf(numbers)
    if infinite.any():
        findings.add("error", f"{name} must be a finite number", key="not_finite", params={"column": name},
                     rows=infinite.to_numpy(), column=name, values=values)
    finite = numbers.notna() & ~infinite
    if kind in ("int", "year"):
        fractional = finite & (numbers != np.floor(numbers))
        if fractional.any():
            findings.add("error", f"{name} must be a whole number", key="not_whole", params={"column": name},
                         rows=fractional.to_numpy(), column=name, values=values)
        finite &= ~fractional
    if kind == "year":
        out_of_range = finite & ~numbers.between(*YEAR_RANGE)
        if out_of_range.any():
            findings.add("error", f"{name} must be a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}",
                         key="year_out_of_range", params={"column": name, "first": YEAR_RANGE[0], "last": YEAR_RANGE[1]},
                         rows=out_of_range.to_numpy(), column=name, values=values)
        finite &= ~out_of_range
    else:
        negative = finite & (numbers < 0)
        if negative.any():
            findings.add("error", f"{name} must not be negative", key="negative", params={"column": name},
                         rows=negative.to_numpy(), column=name, values=values)
    if kind == "int":
        too_large = finite & (numbers.abs() > LARGEST_WHOLE_NUMBER)
        if too_large.any():
            findings.add("error", f"{name} is too large", key="too_large", params={"column": name},
                         rows=too_large.to_numpy(), column=name, values=values)
        finite &= ~too_large
    if kind == "float":
        return numbers.where(~infinite)
    # Values already reported above become missing, so the cast to whole numbers cannot fail.
    return numbers.where(finite).astype("Int64")


def _as_yes_no(text: pd.Series, column: Column, findings: Findings, values: pd.Series) -> pd.Series:
    """Yes/no columns; an empty cell is the column's ``empty_means`` (strategic_park: yes), else no."""
    folded = text.map(lambda v: "" if v is None else v.lower())
    truth = folded.isin(TRUE_WORDS)
    unknown = ~truth & ~folded.isin(FALSE_WORDS)
    if unknown.any():
        findings.add("error", f"{column.name} must be yes/no (是/否, true/false, 1/0)", key="not_yes_no",
                     params={"column": column.name}, rows=unknown.to_numpy(), column=column.name, values=values)
    if column.empty_means is not None:
        truth = truth.where(text.notna(), bool(column.empty_means))
    return truth


def _as_vocabulary(text: pd.Series, column: Column, findings: Findings, values: pd.Series) -> pd.Series:
    """``status``, ``level`` and ``designation`` columns: any spelling of the vocabulary of that name, as its canonical value."""
    kind = column.type
    vocabulary = load_vocabularies()[kind]
    canonical = text.map(lambda v: None if v is None else vocabulary.normalise(v))
    unknown = text.notna() & canonical.isna()
    if unknown.any():
        # One key per vocabulary, so the Chinese text can name it (级别, 状态).
        findings.add("error", f"unknown {kind}; accepted: {vocabulary.accepted()}", key=f"unknown_{kind}",
                     params={"accepted": vocabulary.accepted()}, rows=unknown.to_numpy(), column=column.name,
                     values=values)
    return canonical


def _as_designation(text: pd.Series, column: Column, findings: Findings, values: pd.Series) -> pd.Series:
    """万亩千亿 培育 / 命名. Old files say only yes/no: 否 reads as not a platform; 是 (true, 1) as accepted,
    with a warning: it does not say whether the platform is cultivating, nor from which year it counts."""
    yes = text.map(lambda v: v is not None and v.lower() in TRUE_WORDS).astype(bool)
    if yes.any():
        year_column = f"{column.name}_year"
        findings.add("warning", f"{column.name} yes read as accepted; its acceptance year is needed in {year_column}: "
                     "without it the platform counts as accepted before the plan (2021 or earlier), not towards it; "
                     "write cultivating if it is not yet accepted", key="designation_yes_accepted",
                     params={"column": column.name, "year_column": year_column}, rows=yes.to_numpy(),
                     column=column.name, values=values)
    text = text.map(lambda v: None if v is None or v.lower() in FALSE_WORDS else ("accepted" if v.lower() in TRUE_WORDS
                                                                                  else v))
    return _as_vocabulary(text, column, findings, values)


def _as_industries(text: pd.Series, column: Column, findings: Findings, values: pd.Series) -> pd.Series:
    return text.map(lambda v: ";".join(split_industries(v)) or None)


def _adcode_key(value: str) -> str:
    """A district spelling as looked up: Excel's floats (330212.0) lose their ``.0``, names are case-folded."""
    key = value[:-2] if value.endswith(".0") else value
    return key.lower()


def _as_adcode(text: pd.Series, column: Column, findings: Findings, values: pd.Series) -> pd.Series:
    name = column.name
    lookup = adcode_lookup()
    codes = text.map(lambda value: None if value is None else lookup.get(_adcode_key(value)))
    unknown = text.notna() & codes.isna()
    if unknown.any():
        findings.add("error", "not a Ningbo district (use an adcode such as 330212, or a name such as 鄞州区)",
                     key="unknown_district", rows=unknown.to_numpy(), column=name, values=values)
    retired = set(HISTORICAL_ADCODES) | set(HISTORICAL_NAMES)
    historical = text.map(lambda value: value is not None and _adcode_key(value) in retired).astype(bool)
    if historical.any():
        findings.add("warning", "pre-2016 district code or name, mapped to today's district (江东区→鄞州区, 奉化市→奉化区)",
                     key="historical_district", rows=historical.to_numpy(), column=name, values=values)
    return codes


def _as_target_key(text: pd.Series, column: Column, findings: Findings, values: pd.Series) -> pd.Series:
    unknown = text.notna() & ~text.isin(TARGET_KEYS)
    if unknown.any():
        keys = ", ".join(TARGET_KEYS)
        findings.add("error", f"unknown target key; use one of {keys}", key="unknown_target_key",
                     params={"keys": keys}, rows=unknown.to_numpy(), column=column.name, values=values)
    return text


# One coercer per column type of geodata/layers.toml (schema.COLUMN_TYPES; the schema refuses any other).
COERCERS: dict[str, Coercer] = {
    "text": _as_text,
    "int": _as_number,
    "year": _as_number,
    "float": _as_number,
    "bool": _as_yes_no,
    "status": _as_vocabulary,
    "level": _as_vocabulary,
    "designation": _as_designation,
    "group": _as_vocabulary,
    "grade": _as_vocabulary,
    "industries": _as_industries,
    "adcode": _as_adcode,
    "target_key": _as_target_key,
}
