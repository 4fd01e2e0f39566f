"""Validation of an imported file against its layer's schema, producing store-ready rows or errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import crs as crs_module
from .districts import CITY_ADCODE, HISTORICAL_ADCODES, HISTORICAL_NAMES, adcode_lookup, load_city_outline
from .errors import CrsError, Problem, ValidationError
from .readers import read_any
from .schema import PROVENANCE_COLUMNS, LayerSchema, fold_header, load_schemas
from .spatial import assign_districts
from .targets import TARGET_KEYS
from .vocab import load_vocabularies, split_industries

YEAR_RANGE = (1949, 2035)
AREA_TOLERANCE = 0.05
# Features farther than this from the city outline (degrees, about 2 km) are outside Ningbo.
OUTSIDE_TOLERANCE_DEG = 0.02
MAX_PROBLEMS_PER_CHECK = 200
TRUE_WORDS = {"true", "t", "yes", "y", "1", "是", "对", "√", "1.0"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "否", "不是", "", "0.0"}


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
    """Collects problems for one file, capping repeats of one check so huge files stay readable."""

    def __init__(self, file: str, ids: pd.Series | None):
        self.file = file
        self.ids = ids
        self.items: list[Problem] = []

    def add(self, severity, message, *, rows=None, column=None, values=None):
        if rows is None:
            self.items.append(Problem(severity, self.file, message, column=column))
            return
        positions = np.asarray(rows).nonzero()[0] if np.asarray(rows).dtype == bool else np.asarray(rows)
        for count, position in enumerate(positions):
            if count == MAX_PROBLEMS_PER_CHECK:
                self.items.append(Problem(severity, self.file, f"… {len(positions) - count} more rows: {message}",
                                          column=column))
                break
            feature_id = None
            if self.ids is not None:
                raw_id = self.ids.iloc[position]
                feature_id = None if _is_blank(raw_id) else str(raw_id)
            value = None if values is None else _show(values.iloc[position])
            self.items.append(Problem(severity, self.file, message, row=int(position) + 1,
                                      feature_id=feature_id, column=column, value=value))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.items)


def _is_blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in ("", "nan", "None", "NULL", "null")


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
    """Validate an in-memory frame as ``layer`` (see :func:`validate_file`); ``frame`` is not changed."""
    schemas = load_schemas()
    if layer not in schemas:
        raise ValidationError(file, [Problem("error", file, f"unknown layer {layer!r}; use one of {', '.join(schemas)}")])
    schema = schemas[layer]
    findings = _Findings(file, None)
    for note in notes or []:
        findings.add("warning", note)
    if len(frame) == 0:
        findings.add("error", "the file holds no rows")
        raise ValidationError(file, findings.items)

    table = _rename_columns(frame, schema, findings)
    if findings.has_errors:
        raise ValidationError(file, findings.items)
    findings.ids = _id_series(table, schema)
    out = pd.DataFrame(index=table.index)
    for column in schema.columns.values():
        if column.name in table.columns:
            out[column.name] = _coerce(table[column.name], column, schema, findings)
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
            findings.add("error", f"layer {layer!r} needs geometry: a vector file, or CSV/XLSX with lon/lat or WKT columns")
            raise ValidationError(file, findings.items)
        source = _source_crs(file, file_crs, crs, findings)
        source_label = source.label
        out = _geometry_checks(out, frame.geometry.to_numpy(), schema, source, findings)
    elif isinstance(frame, gpd.GeoDataFrame) and has_geometry:
        findings.add("warning", f"layer {layer!r} is a table; the geometry in the file is ignored")
    if findings.has_errors:
        raise ValidationError(file, findings.items)
    return Intake(layer=layer, file=file, frame=out.reset_index(drop=True), problems=findings.items,
                  source_crs=source_label)


def _rename_columns(frame: pd.DataFrame, schema: LayerSchema, findings: _Findings) -> pd.DataFrame:
    lookup = schema.header_lookup()
    renames: dict[str, str] = {}
    claimed: dict[str, str] = {}
    geometry_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    for header in frame.columns:
        if header == geometry_name:
            continue
        canonical = lookup.get(fold_header(header))
        if canonical is None:
            if header in PROVENANCE_COLUMNS:
                renames[header] = f"{header}_in_file"
            continue
        if canonical in claimed:
            findings.add("error", f"columns {claimed[canonical]!r} and {header!r} both mean {canonical!r}; keep one",
                         column=header)
            continue
        claimed[canonical] = header
        renames[header] = canonical
    missing = [c for c in schema.required if c.name not in claimed]
    if missing:
        accepted = "; ".join(schema.describe(c.name) for c in missing)
        findings.add("error", f"missing required column(s) for layer {schema.name!r}: {accepted}. "
                     f"Found: {', '.join(map(str, frame.columns))}")
    table = pd.DataFrame(frame.drop(columns=[geometry_name]) if geometry_name else frame).rename(columns=renames)
    return table


def _id_series(table: pd.DataFrame, schema: LayerSchema) -> pd.Series | None:
    present = [c for c in schema.id_columns if c in table.columns]
    if not present:
        return None
    return table[present].astype(str).agg("/".join, axis=1) if len(present) > 1 else table[present[0]]


def _coerce(values: pd.Series, column, schema: LayerSchema, findings: _Findings) -> pd.Series:
    blank = values.map(_is_blank).astype(bool)
    if not column.nullable and blank.any():
        findings.add("error", f"{column.name} must not be empty", rows=blank.to_numpy(), column=column.name,
                     values=values)
    kind = column.type
    text = values.where(~blank, None).map(lambda v: None if v is None else str(v).strip())
    if kind == "text":
        return text
    if kind in ("int", "year", "float"):
        numbers = pd.to_numeric(text, errors="coerce")
        bad = ~blank & numbers.isna()
        if bad.any():
            findings.add("error", f"{column.name} must be a number", rows=bad.to_numpy(), column=column.name,
                         values=values)
        if kind in ("int", "year"):
            fractional = numbers.notna() & (numbers != np.floor(numbers))
            if fractional.any():
                findings.add("error", f"{column.name} must be a whole number", rows=fractional.to_numpy(),
                             column=column.name, values=values)
        if kind == "year":
            out_of_range = numbers.notna() & ~numbers.between(*YEAR_RANGE)
            if out_of_range.any():
                findings.add("error", f"{column.name} must be a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}",
                             rows=out_of_range.to_numpy(), column=column.name, values=values)
        else:
            negative = numbers.notna() & (numbers < 0)
            if negative.any():
                findings.add("error", f"{column.name} must not be negative", rows=negative.to_numpy(),
                             column=column.name, values=values)
        return numbers.astype("Int64") if kind in ("int", "year") and not (bad.any()) else numbers.astype(float)
    if kind == "bool":
        folded = text.map(lambda v: "" if v is None else v.lower())
        truth = folded.isin(TRUE_WORDS)
        unknown = ~truth & ~folded.isin(FALSE_WORDS)
        if unknown.any():
            findings.add("error", f"{column.name} must be yes/no (是/否, true/false, 1/0)",
                         rows=unknown.to_numpy(), column=column.name, values=values)
        return truth
    if kind in ("status", "level"):
        vocabulary = load_vocabularies()[kind]
        canonical = text.map(lambda v: None if v is None else vocabulary.normalise(v))
        unknown = text.notna() & canonical.isna()
        if unknown.any():
            findings.add("error", f"unknown {kind}; accepted: {vocabulary.accepted()}",
                         rows=unknown.to_numpy(), column=column.name, values=values)
        return canonical
    if kind == "industries":
        return text.map(lambda v: ";".join(split_industries(v)) or None)
    if kind == "adcode":
        return _coerce_adcode(text, column.name, findings, values)
    if kind == "target_key":
        unknown = text.notna() & ~text.isin(TARGET_KEYS)
        if unknown.any():
            findings.add("error", f"unknown target key; use one of {', '.join(TARGET_KEYS)}",
                         rows=unknown.to_numpy(), column=column.name, values=values)
        return text
    raise AssertionError(f"unhandled column type {kind}")  # schema.py rejects unknown types on load


def _coerce_adcode(text: pd.Series, name: str, findings: _Findings, values: pd.Series) -> pd.Series:
    lookup = adcode_lookup()

    def to_code(value):
        if value is None:
            return None
        key = value[:-2] if value.endswith(".0") else value
        return lookup.get(key, lookup.get(key.lower()))

    codes = text.map(to_code)
    unknown = text.notna() & codes.isna()
    if unknown.any():
        findings.add("error", "not a Ningbo district (use an adcode such as 330212, or a name such as 鄞州区)",
                     rows=unknown.to_numpy(), column=name, values=values)
    historical = text.isin(list(HISTORICAL_ADCODES) + list(HISTORICAL_NAMES))
    if historical.any():
        findings.add("warning", "pre-2016 district code or name, mapped to today's district (江东区→鄞州区, 奉化市→奉化区)",
                     rows=historical.to_numpy(), column=name, values=values)
    return codes


def _check_ids(out: pd.DataFrame, schema: LayerSchema, findings: _Findings) -> None:
    keys = out[list(schema.id_columns)]
    complete = keys.notna().all(axis=1)
    duplicated = keys.duplicated(keep=False) & complete
    if duplicated.any():
        label = "+".join(schema.id_columns)
        findings.add("error", f"duplicate {label}: every row needs its own id", rows=duplicated.to_numpy(),
                     column=label, values=findings.ids)
    if schema.name in ("indicators", "allocations"):
        return
    city_rows = out.get("district_adcode", pd.Series(dtype=object)) == CITY_ADCODE
    if city_rows.any():
        findings.add("error", "a feature belongs to one district, not to the whole city (330200)",
                     rows=city_rows.to_numpy(), column="district_adcode", values=out["district_adcode"])


def _source_crs(file: str, file_crs: str | None, override: str | None, findings: _Findings):
    if override:
        try:
            return crs_module.parse_crs(override)
        except CrsError as exc:
            findings.add("error", str(exc))
            raise ValidationError(file, findings.items) from exc
    if file_crs:
        return crs_module.parse_crs(file_crs)
    findings.add("warning", "the file declares no CRS; assumed EPSG:4326 (WGS-84). Pass --crs if it is not")
    return crs_module.parse_crs("EPSG:4326")


def _geometry_checks(out, geometries, schema: LayerSchema, source, findings: _Findings) -> gpd.GeoDataFrame:
    geometries = np.asarray(geometries, dtype=object)
    missing = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    if missing.any():
        findings.add("error", "the feature has no geometry", rows=missing, column="geometry")
    frame = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(np.where(missing, None, geometries), index=out.index))
    finite = np.array([g is None or np.isfinite(shapely.get_coordinates(g)).all() for g in frame.geometry])
    if not finite.all():
        findings.add("error", "the geometry has non-numeric coordinates (NaN or infinite)", rows=~finite,
                     column="geometry")
        frame.loc[~finite, "geometry"] = None
    try:
        frame = crs_module.to_storage_crs(frame, source, file=findings.file)
    except CrsError as exc:
        findings.add("error", str(exc), column="geometry")
        raise ValidationError(findings.file, findings.items) from exc
    frame = _repair(frame, schema, findings)
    _check_inside_ningbo(frame, source, findings)
    if findings.has_errors:
        return frame
    return _assign_and_measure(frame, schema, findings)


def _repair(frame: gpd.GeoDataFrame, schema: LayerSchema, findings: _Findings) -> gpd.GeoDataFrame:
    geometries = frame.geometry.to_numpy()
    present = ~shapely.is_missing(geometries)
    invalid = present & ~shapely.is_valid(geometries)
    if invalid.any():
        reasons = pd.Series(shapely.is_valid_reason(geometries[invalid]), index=frame.index[invalid])
        findings.add("warning", "invalid geometry repaired with make_valid", rows=invalid, column="geometry",
                     values=pd.Series(shapely.is_valid_reason(geometries), index=frame.index).where(invalid, None))
        repaired = shapely.make_valid(geometries[invalid])
        geometries = geometries.copy()
        geometries[invalid] = [_keep_kind(g, schema) for g in repaired]
        del reasons
    kinds = shapely.get_type_id(geometries)
    allowed = set()
    if "polygon" in schema.geometry:
        allowed |= {3, 6}
    if "point" in schema.geometry:
        allowed |= {0, 4}
    wrong = present & ~np.isin(kinds, list(allowed))
    if wrong.any():
        names = pd.Series(shapely.get_type_id(geometries), index=frame.index).map(
            {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
             6: "MultiPolygon", 7: "GeometryCollection", -1: "missing"})
        findings.add("error", f"layer {schema.name!r} takes {' or '.join(schema.geometry)} geometries",
                     rows=wrong, column="geometry", values=names)
    collapsed = present & shapely.is_empty(geometries)
    if collapsed.any():
        findings.add("error", "the geometry is empty after repair (a degenerate polygon)", rows=collapsed,
                     column="geometry")
    return frame.set_geometry(gpd.GeoSeries(geometries, index=frame.index, crs=frame.crs))


def _keep_kind(geometry, schema: LayerSchema):
    """After make_valid, keep the polygonal parts of a polygon layer's geometry (slivers become lines)."""
    if "polygon" not in schema.geometry or geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    merged = shapely.union_all(parts)
    return merged


def _check_inside_ningbo(frame: gpd.GeoDataFrame, source, findings: _Findings) -> None:
    geometries = frame.geometry.to_numpy()
    present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    if not present.any():
        return
    city = load_city_outline().geometry.iloc[0].buffer(OUTSIDE_TOLERANCE_DEG)
    shapely.prepare(city)
    points = shapely.point_on_surface(geometries[present])
    inside = np.ones(len(geometries), dtype=bool)
    inside[present] = shapely.contains_xy(city, shapely.get_x(points), shapely.get_y(points))
    if not inside.all():
        positions = ~inside
        where = pd.Series(
            [f"{p.x:.5f}, {p.y:.5f}" if p is not None else "" for p in shapely.point_on_surface(geometries)],
            index=frame.index,
        )
        hint = ""
        if positions.all():
            hint = (f" — none of the file lies in Ningbo; is the CRS right? It was read as {source.label}"
                    f"{'; metres suggest ' + ' or '.join(crs_module.suggest_crs(tuple(shapely.total_bounds(geometries)))) if not source.is_geographic else ''}")
        findings.add("error", f"the feature lies outside Ningbo (WGS-84 lon, lat shown){hint}", rows=positions,
                     column="geometry", values=where)


def _assign_and_measure(frame: gpd.GeoDataFrame, schema: LayerSchema, findings: _Findings) -> gpd.GeoDataFrame:
    spatial = assign_districts(frame.geometry)
    supplied = frame["district_adcode"]
    filled = supplied.isna()
    mismatch = ~filled & spatial.notna() & (supplied != spatial)
    if mismatch.any():
        findings.add("warning", "district_adcode differs from the district the geometry lies in "
                     "(kept as supplied; the geometry lies mostly in " + "another district)",
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
                findings.add("warning", f"area_mu differs from the area of the geometry by more than "
                             f"{AREA_TOLERANCE:.0%}; the computed area is used",
                             rows=off.to_numpy(), column="area_mu",
                             values=given.round(2).astype(str) + " vs computed " + pd.Series(computed, index=frame.index).round(2).astype(str))
            frame["area_mu_supplied"] = given
        frame["area_mu"] = computed
    return frame
