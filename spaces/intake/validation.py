"""Validation of an imported file against its layer's schema, producing store-ready rows or errors."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spaces.errors import Choices, CrsError, Problem, ValidationError
from spaces.geo import crs as crs_module
from spaces.geo.spatial import assign_districts
from spaces.reference.districts import (
    CITY_ADCODE,
    HISTORICAL_ADCODES,
    HISTORICAL_NAMES,
    adcode_lookup,
    load_city_outline,
)
from spaces.reference.i18n import t
from spaces.reference.schema import PROVENANCE_COLUMNS, LayerSchema, fold_header, load_schemas
from spaces.reference.targets import TARGET_KEYS
from spaces.reference.vocab import load_vocabularies, split_industries

from .limits import Limits
from .readers import read_any, read_bytes

YEAR_RANGE = (1949, 2035)
AREA_TOLERANCE = 0.05
# Features farther than this from the city outline (degrees, about 2 km) are outside Ningbo.
OUTSIDE_TOLERANCE_DEG = 0.02
MAX_PROBLEMS_PER_CHECK = 200
TRUE_WORDS = {"true", "t", "yes", "y", "1", "是", "对", "√", "1.0"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "否", "不是", "", "0.0"}
# Where a planner says which CRS a file is in: the upload form on the Data page, or the CLI option.
CHOOSE_CRS = "choose its CRS (坐标系 on the Data page, --crs on the command line)"
# Spellings of "no value" that spreadsheets and database exports leave in cells.
BLANK_WORDS = {"", "nan", "none", "null"}
# Names the store uses itself (GeoPackage's feature id and geometry column, provenance, the area
# a file supplied); a file's column with one of them, in any case, is kept under another name.
RESERVED_COLUMNS = ("fid", "geom", "geometry", *PROVENANCE_COLUMNS, "area_mu_supplied")
# Whole numbers beyond 2**53 are not exact in float64, which is how pandas reads numeric text.
LARGEST_WHOLE_NUMBER = 2**53


@dataclass
class Intake:
    """A validated file: ``frame`` holds canonical columns (EPSG:4326); ``problems`` only warnings."""

    layer: str
    file: str
    frame: pd.DataFrame
    problems: list[Problem]
    source_crs: str | None

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


class _Findings:
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
                feature_id = None if _is_blank(raw_id) else str(raw_id)
            value = None if values is None else _show(values.iloc[position])
            self.items.append(Problem(severity, self.file, message, row=int(position) + 1,
                                      feature_id=feature_id, column=column, value=value, key=key, params=params))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.items)


def _is_blank(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in BLANK_WORDS
    # None, NaN, pd.NA and NaT all count as missing; lists or other non-scalars never do.
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def _show(value) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def validate_file(path: str | Path, layer: str, *, crs: str | None = None) -> Intake:
    """Read and validate ``path`` as ``layer``; raises :class:`ValidationError` listing every error.

    ``crs`` overrides the CRS the file declares (any pyproj string, or ``gcj02`` / ``bd09``).
    """
    raw = read_any(path)
    name = Path(path).name
    return validate_frame(raw.frame, layer, file=name, file_crs=raw.file_crs, crs=crs,
                          has_geometry=raw.has_geometry, notes=raw.notes)


def validate_bytes(name: str, data: bytes, layer: str, *, crs: str | None = None,
                   limits: Limits | None = None) -> Intake:
    """Validate an upload held in memory (a name and its bytes) as ``layer``, as :func:`validate_file` does.

    The upload size and zip limits apply (:mod:`spaces.intake.limits`); nothing is written anywhere.
    """
    raw = read_bytes(name, data, limits=limits)
    label = PurePosixPath(name.replace("\\", "/")).name
    return validate_frame(raw.frame, layer, file=label, file_crs=raw.file_crs, crs=crs,
                          has_geometry=raw.has_geometry, notes=raw.notes)


def validate_values(layer: str, values: dict[str, object], *, file: str, feature_id: str | None = None) -> dict:
    """Check single values for columns of ``layer`` by the rules of an import; return them canonical.

    For edits made in the app: the same vocabularies, number and year rules as a file. Problems
    name ``feature_id``, the column and the value (no row: there is no file).

    Examples
    --------
    >>> validate_values("plots", {"status": "已腾退", "reclaimed_year": "2024"}, file="app")
    {'status': 'reclaimed', 'reclaimed_year': 2024}
    """
    schema = load_schemas()[layer]
    findings = _Findings(file, None)
    canonical = {}
    for name, value in values.items():
        column = schema.columns.get(name)
        if column is None:
            findings.add("error", f"layer {layer!r} has no column {name!r}", key="unknown_column",
                         params={"layer": layer, "column": name}, column=name)
            continue
        coerced = _coerce(pd.Series([value], dtype=object), column, findings).iloc[0]
        if _is_blank(coerced):
            coerced = None
        elif isinstance(coerced, np.generic):
            coerced = coerced.item()
        canonical[name] = coerced
    problems = [replace(p, row=None, feature_id=feature_id) for p in findings.items]
    if any(p.severity == "error" for p in problems):
        raise ValidationError(file, problems)
    return canonical


def validate_frame(
    frame: pd.DataFrame,
    layer: str,
    *,
    file: str,
    file_crs: str | None = None,
    crs: str | None = None,
    has_geometry: bool | None = None,
    notes: list[str] | None = None,
) -> Intake:
    """Validate an in-memory frame as ``layer`` (see :func:`validate_file`); ``frame`` is not changed.

    ``file_crs`` defaults to the CRS a GeoDataFrame carries; with neither, EPSG:4326 is assumed (with a warning).
    """
    schemas = load_schemas()
    if layer not in schemas:
        layers = ", ".join(schemas)
        raise ValidationError(file, [Problem("error", file, f"unknown layer {layer!r}; use one of {layers}",
                                             key="unknown_layer", params={"layer": layer, "layers": layers})])
    schema = schemas[layer]
    findings = _Findings(file, None)
    for note in notes or []:
        findings.add("warning", note, key=getattr(note, "key", None), params=getattr(note, "params", None))
    if len(frame) == 0:
        findings.add("error", "the file holds no rows", key="no_rows")
        raise ValidationError(file, findings.items)
    if file_crs is None and isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
        file_crs = frame.crs.to_string()

    table = _rename_columns(frame, schema, findings)
    if findings.has_errors:
        raise ValidationError(file, findings.items)
    findings.ids = _id_series(table, schema)
    out = pd.DataFrame(index=table.index)
    for column in schema.columns.values():
        if column.name in table.columns:
            out[column.name] = _coerce(table[column.name], column, findings)
        else:
            out[column.name] = pd.Series([None] * len(table), index=table.index, dtype=object)
    extra = [c for c in table.columns if c not in schema.columns and c != "geometry"]
    for column in extra:
        out[column] = table[column]
    _check_ids(out, schema, findings)

    source_label = None
    if schema.is_spatial:
        geometry_present = has_geometry if has_geometry is not None else isinstance(frame, gpd.GeoDataFrame)
        if not geometry_present or not isinstance(frame, gpd.GeoDataFrame):
            findings.add("error", f"layer {layer!r} needs geometry: a vector file, or CSV/XLSX with lon/lat or WKT columns",
                         key="needs_geometry", params={"layer": layer})
            raise ValidationError(file, findings.items)
        source = _source_crs(file, file_crs, crs, findings)
        source_label = source.label
        out = _geometry_checks(out, frame.geometry.to_numpy(), schema, source, findings)
    elif isinstance(frame, gpd.GeoDataFrame) and has_geometry:
        findings.add("warning", f"layer {layer!r} is a table; the geometry in the file is ignored",
                     key="geometry_ignored", params={"layer": layer})
    if findings.has_errors:
        raise ValidationError(file, findings.items)
    return Intake(layer=layer, file=file, frame=out.reset_index(drop=True), problems=findings.items,
                  source_crs=source_label)


def _rename_columns(frame: pd.DataFrame, schema: LayerSchema, findings: _Findings) -> pd.DataFrame:
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


def _keep_extra_columns(headers: list[object], schema: LayerSchema, findings: _Findings) -> dict[object, str]:
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


def _id_series(table: pd.DataFrame, schema: LayerSchema) -> pd.Series | None:
    present = [c for c in schema.id_columns if c in table.columns]
    if not present:
        return None
    return table[present].astype(str).agg("/".join, axis=1) if len(present) > 1 else table[present[0]]


def _coerce(values: pd.Series, column, findings: _Findings) -> pd.Series:
    blank = values.map(_is_blank).astype(bool)
    if not column.nullable and blank.any():
        findings.add("error", f"{column.name} must not be empty", key="empty", params={"column": column.name},
                     rows=blank.to_numpy(), column=column.name, values=values)
    kind = column.type
    # Built as an object Series so a blank is None: pandas' string dtype would turn it into NaN,
    # which str() makes the text "nan".
    text = pd.Series([None if is_blank else str(v).strip() for v, is_blank in zip(values, blank, strict=True)],
                     index=values.index, dtype=object)
    if kind == "text":
        return text
    if kind in ("int", "year", "float"):
        return _coerce_number(text, blank, column.name, kind, findings, values)
    if kind == "bool":
        folded = text.map(lambda v: "" if v is None else v.lower())
        truth = folded.isin(TRUE_WORDS)
        unknown = ~truth & ~folded.isin(FALSE_WORDS)
        if unknown.any():
            findings.add("error", f"{column.name} must be yes/no (是/否, true/false, 1/0)", key="not_yes_no",
                         params={"column": column.name}, rows=unknown.to_numpy(), column=column.name, values=values)
        return truth
    if kind == "designation":
        # Old files say only yes/no: 否 means not a platform; 是 is refused (cultivating or accepted?).
        text = text.map(lambda v: None if v is None or v.lower() in FALSE_WORDS else v)
    if kind in ("status", "level", "designation"):
        vocabulary = load_vocabularies()[kind]
        canonical = text.map(lambda v: None if v is None else vocabulary.normalise(v))
        unknown = text.notna() & canonical.isna()
        if unknown.any():
            # One key per vocabulary, so the Chinese text can name it (级别, 状态).
            findings.add("error", f"unknown {kind}; accepted: {vocabulary.accepted()}", key=f"unknown_{kind}",
                         params={"accepted": vocabulary.accepted()}, rows=unknown.to_numpy(), column=column.name,
                         values=values)
        return canonical
    if kind == "industries":
        return text.map(lambda v: ";".join(split_industries(v)) or None)
    if kind == "adcode":
        return _coerce_adcode(text, column.name, findings, values)
    if kind == "target_key":
        unknown = text.notna() & ~text.isin(TARGET_KEYS)
        if unknown.any():
            keys = ", ".join(TARGET_KEYS)
            findings.add("error", f"unknown target key; use one of {keys}", key="unknown_target_key",
                         params={"keys": keys}, rows=unknown.to_numpy(), column=column.name, values=values)
        return text
    raise AssertionError(f"unhandled column type {kind}")  # schema.py rejects unknown types on load


def _coerce_number(text: pd.Series, blank: pd.Series, name: str, kind: str, findings: _Findings,
                   values: pd.Series) -> pd.Series:
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


def _adcode_key(value: str) -> str:
    """A district spelling as looked up: Excel's floats (330212.0) lose their ``.0``, names are case-folded."""
    key = value[:-2] if value.endswith(".0") else value
    return key.lower()


def _coerce_adcode(text: pd.Series, name: str, findings: _Findings, values: pd.Series) -> pd.Series:
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


def _check_ids(out: pd.DataFrame, schema: LayerSchema, findings: _Findings) -> None:
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


def _source_crs(file: str, file_crs: str | None, override: str | None, findings: _Findings):
    declared = override or file_crs
    if declared:
        try:
            return crs_module.parse_crs(declared)
        except CrsError as exc:
            if override:
                findings.add("error", str(exc), **_catalogued(str(exc), "unknown_crs", crs=declared))
            else:
                message = f"the file's own CRS cannot be used: {exc}; {CHOOSE_CRS}"
                findings.add("error", message, **_catalogued(message, "file_crs_unknown", crs=declared))
            raise ValidationError(file, findings.items) from exc
    findings.add("warning", f"the file declares no CRS; assumed EPSG:4326 (WGS-84). If it is not, {CHOOSE_CRS}",
                 key="no_crs")
    return crs_module.parse_crs("EPSG:4326")


def _catalogued(message: str, key: str, **params) -> dict:
    """``key`` and ``params`` for a message built in :mod:`spaces.geo.crs`, if the catalogue's English says the same.

    Those messages are written there; should one change, it is shown as it is rather than in a Chinese
    text that no longer matches it.
    """
    if t(f"problem_{key}", "en").format(**params) != message:
        return {}
    return {"key": key, "params": params}


def _conversion_text(exc: CrsError, source, bounds: tuple[float, ...], file: str) -> dict:
    """The catalogue key of a :func:`spaces.geo.crs.to_storage_crs` error (it does not say which it raised)."""
    x, y = (f"{bounds[2]:.0f}", f"{bounds[3]:.0f}") if len(bounds) == 4 else ("", "")
    suggested = Choices(crs_module.suggest_crs(bounds) if np.all(np.isfinite(bounds)) else [])
    candidates = [
        ("coordinates_not_finite", {"file": file}),
        ("not_degrees_try", {"file": file, "x": x, "y": y, "crs": source.label, "suggested": suggested}),
        ("not_degrees", {"file": file, "x": x, "y": y, "crs": source.label}),
        ("cannot_transform", {"file": file, "crs": source.label, "storage": crs_module.STORAGE_CRS,
                              "detail": str(exc.__cause__)}),
    ]
    return next((found for key, params in candidates if (found := _catalogued(str(exc), key, **params))), {})


GEOMETRY_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
                       5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection", -1: "missing"}


def _geometry_checks(out, geometries, schema: LayerSchema, source, findings: _Findings) -> gpd.GeoDataFrame:
    geometries = np.asarray(geometries, dtype=object)
    missing = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    if missing.any():
        findings.add("error", "the feature has no geometry", key="no_geometry", rows=missing, column="geometry")
    # Heights (CAD exports, GPS) mean nothing for plots and a NaN z poisons reprojection and areas.
    geometries = shapely.force_2d(np.where(missing, None, geometries))
    finite = _finite(geometries)
    if not finite.all():
        findings.add("error", "the geometry has non-numeric coordinates (NaN or infinite)", key="non_numeric_coordinates",
                     rows=~finite, column="geometry")
        geometries = np.where(finite, geometries, None)
    frame = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geometries, index=out.index))
    # Suggestions about the CRS come from the coordinates as the file gives them, not as converted.
    source_bounds = tuple(shapely.total_bounds(geometries))
    try:
        frame = crs_module.to_storage_crs(frame, source, file=findings.file)
    except CrsError as exc:
        findings.add("error", str(exc), column="geometry", **_conversion_text(exc, source, source_bounds, findings.file))
        raise ValidationError(findings.file, findings.items) from exc
    lost = ~_finite(frame.geometry.to_numpy())
    if lost.any():
        # PROJ returns inf for coordinates outside what the CRS can convert (a zone-40 x in a CM 120E CRS).
        others = _other_crs(source, source_bounds)
        findings.add("error", f"the coordinates cannot be converted from {source.label} to WGS-84"
                     f"{_crs_hint(source, others)}", **_hint_text("unconvertible", source, others), rows=lost,
                     column="geometry", values=pd.Series(_first_vertex(geometries), index=frame.index))
        frame = frame.set_geometry(gpd.GeoSeries(np.where(lost, None, frame.geometry.to_numpy()),
                                                 index=frame.index, crs=frame.crs))
    frame = _repair(frame, schema, findings)
    _check_inside_ningbo(frame, source, source_bounds, findings)
    if findings.has_errors:
        return frame
    return _assign_and_measure(frame, schema, findings)


def _finite(geometries: np.ndarray) -> np.ndarray:
    """True where a geometry is missing or has only finite x and y coordinates."""
    return np.array([g is None or bool(np.isfinite(shapely.get_coordinates(g)).all())
                     for g in geometries], dtype=bool)


def _first_vertex(geometries: np.ndarray) -> list[str | None]:
    shown = []
    for geometry in geometries:
        xy = None if geometry is None else shapely.get_coordinates(geometry)
        shown.append(None if xy is None or len(xy) == 0 else f"{xy[0, 0]:.10g}, {xy[0, 1]:.10g}")
    return shown


def _other_crs(source, source_bounds: tuple[float, ...]) -> Choices:
    """CRSs other than ``source`` that coordinates within these bounds are usually in (none if not finite)."""
    if not np.all(np.isfinite(source_bounds)):
        return Choices()
    return Choices(c for c in crs_module.suggest_crs(source_bounds) if not c.startswith(source.label))


def _crs_hint(source, others: Choices) -> str:
    hint = f" — is the CRS right? It was read as {source.label}"
    if others:
        hint += f"; coordinates like these are usually in {others} ({CHOOSE_CRS})"
    return hint


def _hint_text(key: str, source, others: Choices) -> dict:
    """Key and params of a message ending in :func:`_crs_hint`: ``<key>_suggest`` when it suggests CRSs."""
    if others:
        return {"key": f"{key}_suggest", "params": {"crs": source.label, "suggested": others}}
    return {"key": key, "params": {"crs": source.label}}


def _repair(frame: gpd.GeoDataFrame, schema: LayerSchema, findings: _Findings) -> gpd.GeoDataFrame:
    geometries = frame.geometry.to_numpy().copy()
    present = ~shapely.is_missing(geometries)
    allowed = set()
    if "polygon" in schema.geometry:
        allowed |= {3, 6}
    if "point" in schema.geometry:
        allowed |= {0, 4}
    # The kind is judged as given: repairing a line first would turn it into an "empty polygon".
    kinds = shapely.get_type_id(geometries)
    wrong = present & ~np.isin(kinds, list(allowed))
    if wrong.any():
        # One key per layer's geometry kinds, so the Chinese text can name them (面, 点).
        findings.add("error", f"layer {schema.name!r} takes {' or '.join(schema.geometry)} geometries",
                     key=f"wrong_geometry_{'_'.join(schema.geometry)}", params={"layer": schema.name},
                     rows=wrong, column="geometry",
                     values=pd.Series(kinds, index=frame.index).map(GEOMETRY_TYPE_NAMES))
    invalid = present & ~wrong & ~shapely.is_valid(geometries)
    if invalid.any():
        findings.add("warning", "invalid geometry repaired with make_valid", key="repaired", rows=invalid,
                     column="geometry",
                     values=pd.Series(shapely.is_valid_reason(geometries), index=frame.index).where(invalid, None))
        geometries[invalid] = [_keep_kind(g, schema) for g in shapely.make_valid(geometries[invalid])]
    collapsed = invalid & shapely.is_empty(geometries)
    if collapsed.any():
        findings.add("error", "the geometry is empty after repair (a degenerate polygon)", key="empty_after_repair",
                     rows=collapsed, column="geometry")
    # Wrong kinds and collapsed shapes are reported; dropping them keeps later checks from judging them twice.
    geometries[wrong | collapsed] = None
    return frame.set_geometry(gpd.GeoSeries(geometries, index=frame.index, crs=frame.crs))


def _keep_kind(geometry, schema: LayerSchema):
    """After make_valid, keep the polygonal parts of a polygon layer's geometry (slivers become lines)."""
    if "polygon" not in schema.geometry or geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)


def _check_inside_ningbo(frame: gpd.GeoDataFrame, source, source_bounds, findings: _Findings) -> None:
    geometries = frame.geometry.to_numpy()
    present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    if not present.any():
        return
    city = _city_with_margin()
    points = np.full(len(geometries), None, dtype=object)
    points[present] = shapely.point_on_surface(geometries[present])
    inside = np.ones(len(geometries), dtype=bool)
    inside[present] = shapely.contains_xy(city, shapely.get_x(points[present]), shapely.get_y(points[present]))
    if inside.all():
        return
    where = pd.Series([f"{p.x:.5f}, {p.y:.5f}" if p is not None else None for p in points], index=frame.index)
    hint, text = "", {"key": "outside_ningbo"}
    if not inside[present].any():
        others = _other_crs(source, source_bounds)
        hint = " — none of the file lies in Ningbo" + _crs_hint(source, others).replace(" —", ";", 1)
        text = _hint_text("outside_ningbo_all", source, others)
    findings.add("error", f"the feature lies outside Ningbo (WGS-84 lon, lat shown){hint}", **text, rows=~inside,
                 column="geometry", values=where)


@cache
def _city_with_margin():
    city = load_city_outline().geometry.iloc[0].buffer(OUTSIDE_TOLERANCE_DEG)
    shapely.prepare(city)
    return city


def _assign_and_measure(frame: gpd.GeoDataFrame, schema: LayerSchema, findings: _Findings) -> gpd.GeoDataFrame:
    spatial = assign_districts(frame.geometry)
    supplied = frame["district_adcode"]
    filled = supplied.isna()
    mismatch = ~filled & spatial.notna() & (supplied != spatial)
    if mismatch.any():
        findings.add("warning", "district_adcode differs from the district the geometry lies in "
                     "(kept as supplied; value shows supplied vs geometry)", key="district_mismatch",
                     rows=mismatch.to_numpy(), column="district_adcode",
                     values=supplied.astype(str) + " vs " + spatial.astype(str))
    frame["district_adcode"] = supplied.where(~filled, spatial)
    computed = crs_module.area_mu(frame.geometry)
    if "polygon" in schema.geometry:
        point = np.isin(shapely.get_type_id(frame.geometry.to_numpy()), [0, 4])
        computed = np.where(point, np.nan, computed)
        if "area_mu" in frame.columns and frame["area_mu"].notna().any():
            given = frame["area_mu"].astype(float)
            off = given.notna() & (np.abs(given - computed) > AREA_TOLERANCE * computed)
            if off.any():
                tolerance = f"{AREA_TOLERANCE:.0%}"
                findings.add("warning", f"area_mu differs from the area of the geometry by more than "
                             f"{tolerance}; the computed area is used", key="area_mismatch",
                             params={"tolerance": tolerance},
                             rows=off.to_numpy(), column="area_mu",
                             values=given.round(2).astype(str) + " vs computed " + pd.Series(computed, index=frame.index).round(2).astype(str))
            frame["area_mu_supplied"] = given
        frame["area_mu"] = computed
    return frame
