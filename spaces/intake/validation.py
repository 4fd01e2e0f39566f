"""Validation of an imported file against its layer's schema, producing store-ready rows or errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd

from spaces.errors import Problem, ValidationError
from spaces.geo import crs as crs_module
from spaces.planning.calendar import today_in_beijing
from spaces.reference.schema import load_schemas

from .columns import check_ids, coerce, id_series, rename_columns
from .enterprises import Known, link_enterprises
from .findings import Findings, is_blank
from .geometry import geometry_checks, source_crs
from .limits import Limits
from .readers import read_any, read_bytes
from .result import Intake
from .rules import RowRules, apply_rules


def validate_file(path: str | Path, layer: str, *, crs: str | None = None, known: Known | None = None) -> Intake:
    """Read and validate ``path`` as ``layer``; raises :class:`ValidationError` listing every error.

    ``crs`` overrides the CRS the file declares (any pyproj string, or ``gcj02`` / ``bd09``). ``known``: the
    store's plots and parks that enterprise rows may name (None: not checked).
    """
    raw = read_any(path)
    name = Path(path).name
    return validate_frame(raw.frame, layer, file=name, file_crs=raw.file_crs, crs=crs,
                          has_geometry=raw.has_geometry, notes=raw.notes, known=known)


def validate_bytes(name: str, data: bytes, layer: str, *, crs: str | None = None,
                   limits: Limits | None = None, known: Known | None = None) -> Intake:
    """Validate an upload held in memory (a name and its bytes) as ``layer``, as :func:`validate_file` does.

    The upload size and zip limits apply (:mod:`spaces.intake.limits`); nothing is written anywhere.
    """
    raw = read_bytes(name, data, limits=limits)
    label = PurePosixPath(name.replace("\\", "/")).name
    return validate_frame(raw.frame, layer, file=label, file_crs=raw.file_crs, crs=crs,
                          has_geometry=raw.has_geometry, notes=raw.notes, known=known)


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
    findings = Findings(file, None)
    canonical = {}
    for name, value in values.items():
        column = schema.columns.get(name)
        if column is None:
            findings.add("error", f"layer {layer!r} has no column {name!r}", key="unknown_column",
                         params={"layer": layer, "column": name}, column=name)
            continue
        coerced = coerce(pd.Series([value], dtype=object), column, findings).iloc[0]
        if is_blank(coerced):
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
    today: date | None = None,
    known: Known | None = None,
) -> Intake:
    """Validate an in-memory frame as ``layer`` (see :func:`validate_file`); ``frame`` is not changed.

    ``file_crs`` defaults to the CRS a GeoDataFrame carries; with neither, EPSG:4326 is assumed (with a warning).
    Each layer's cross-column rules (:mod:`spaces.intake.rules`) judge years against ``today``
    (default: today in 北京时间). A layer whose rows may go without geometry (enterprises linked to a plot by
    ``plot_id``) takes a file without any, or rows without; ``known`` (the store's plots and parks) checks
    what they point to.
    """
    schemas = load_schemas()
    if layer not in schemas:
        layers = ", ".join(schemas)
        raise ValidationError(file, [Problem("error", file, f"unknown layer {layer!r}; use one of {layers}",
                                             key="unknown_layer", params={"layer": layer, "layers": layers})])
    schema = schemas[layer]
    findings = Findings(file, None)
    for note in notes or []:
        findings.add("warning", note, key=getattr(note, "key", None), params=getattr(note, "params", None))
    if len(frame) == 0:
        findings.add("error", "the file holds no rows", key="no_rows")
        raise ValidationError(file, findings.items)
    if file_crs is None and isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
        file_crs = frame.crs.to_string()

    table = rename_columns(frame, schema, findings)
    if findings.has_errors:
        raise ValidationError(file, findings.items)
    findings.ids = id_series(table, schema)
    out = pd.DataFrame(index=table.index)
    for column in schema.columns.values():
        if column.name in table.columns:
            out[column.name] = coerce(table[column.name], column, findings)
        else:
            out[column.name] = pd.Series([None] * len(table), index=table.index, dtype=object)
    extra = [c for c in table.columns if c not in schema.columns and c != "geometry"]
    for column in extra:
        out[column] = table[column]
    check_ids(out, schema, findings)
    out = apply_rules(layer, out, RowRules(table=table, this_year=(today or today_in_beijing()).year), findings)

    source_label = None
    optional = schema.geometry_optional_when
    if schema.is_spatial:
        geometry_present = has_geometry if has_geometry is not None else isinstance(frame, gpd.GeoDataFrame)
        geometry_present = geometry_present and isinstance(frame, gpd.GeoDataFrame)
        linked = None if optional is None else out[optional].notna().to_numpy(dtype=bool)
        # A firm of an official list (a table: no coordinates, no plot) counts in its district, undrawn.
        placed = None if linked is None else linked | out["district_adcode"].notna().to_numpy(dtype=bool)
        if not geometry_present and linked is not None:
            out = geometry_checks(out, np.full(len(out), None, dtype=object), schema,
                                  crs_module.parse_crs("EPSG:4326"), findings, may_be_missing=np.ones(len(out), bool))
            if not placed.all():
                findings.add("error", f"no location: give lon/lat (or a point geometry), a {optional} or a "
                             "district_adcode", key="no_location", params={"column": optional}, rows=~placed,
                             column=optional)
        elif not geometry_present:
            findings.add("error", f"layer {layer!r} needs geometry: a vector file, or CSV/XLSX with lon/lat or WKT columns",
                         key="needs_geometry", params={"layer": layer})
            raise ValidationError(file, findings.items)
        else:
            source = source_crs(file, file_crs, crs, findings)
            source_label = source.label
            out = geometry_checks(out, frame.geometry.to_numpy(), schema, source, findings, may_be_missing=placed)
        if optional is not None and not findings.has_errors:
            out = link_enterprises(out, known, findings)
            unplaced = ~linked & (out.geometry.isna() | out.geometry.is_empty).to_numpy(dtype=bool)
            if unplaced.any():
                findings.add("warning", f"no location and no {optional}: kept and counted in its district, but not "
                             "drawn on the map nor found in a park or community", key="not_drawn",
                             params={"column": optional}, rows=unplaced, column="district_adcode",
                             values=out["district_adcode"])
    elif isinstance(frame, gpd.GeoDataFrame) and has_geometry:
        findings.add("warning", f"layer {layer!r} is a table; the geometry in the file is ignored",
                     key="geometry_ignored", params={"layer": layer})
    if findings.has_errors:
        raise ValidationError(file, findings.items)
    return Intake(layer=layer, file=file, frame=out.reset_index(drop=True), problems=findings.items,
                  source_crs=source_label)
