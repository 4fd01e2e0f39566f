"""A file's geometries: the source CRS, conversion to WGS-84, repair, inside Ningbo, district and area."""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spaces.errors import Choices, CrsError, ValidationError
from spaces.geo import crs as crs_module
from spaces.geo.spatial import assign_districts
from spaces.reference.districts import load_city_outline
from spaces.reference.schema import LayerSchema

from .findings import Findings
from .limits import REPAIR_SECONDS_VARIABLE, VERTICES_VARIABLE, current_limits
from .repair import repaired

AREA_TOLERANCE = 0.05
# Features farther than this from the city outline (degrees, about 2 km) are outside Ningbo.
OUTSIDE_TOLERANCE_DEG = 0.02
# Where a planner says which CRS a file is in: the upload form on the Data page, or the CLI option.
CHOOSE_CRS = "choose its CRS (坐标系 on the Data page, --crs on the command line)"
GEOMETRY_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
                       5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection", -1: "missing"}


def source_crs(file: str, file_crs: str | None, override: str | None, findings: Findings):
    """The CRS the coordinates are in: ``override``, else the file's own, else EPSG:4326 (with a warning)."""
    declared = override or file_crs
    if declared:
        try:
            return crs_module.parse_crs(declared)
        except CrsError as exc:
            if override:
                findings.add("error", str(exc), key=exc.key, params=exc.params)
            else:
                # The catalogue has the whole sentence, with parse_crs's text in it.
                findings.add("error", f"the file's own CRS cannot be used: {exc}; {CHOOSE_CRS}",
                             key="file_crs_unknown" if exc.key == "unknown_crs" else None, params=exc.params)
            raise ValidationError(file, findings.items) from exc
    findings.add("warning", f"the file declares no CRS; assumed EPSG:4326 (WGS-84). If it is not, {CHOOSE_CRS}",
                 key="no_crs")
    return crs_module.parse_crs("EPSG:4326")


def geometry_checks(out, geometries, schema: LayerSchema, source, findings: Findings, *,
                    may_be_missing: np.ndarray | None = None) -> gpd.GeoDataFrame:
    """``out`` with the file's geometries in WGS-84, repaired, checked to lie in Ningbo, with districts and areas.

    ``may_be_missing``: rows allowed to come without geometry (an enterprise linked to a plot).
    """
    geometries = np.asarray(geometries, dtype=object)
    absent = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    missing = absent if may_be_missing is None else absent & ~may_be_missing
    if missing.any():
        findings.add("error", "the feature has no geometry", key="no_geometry", rows=missing, column="geometry")
    # Heights (CAD exports, GPS) mean nothing for plots and a NaN z poisons reprojection and areas.
    geometries = shapely.force_2d(np.where(absent, None, geometries))
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
        findings.add("error", str(exc), column="geometry", key=exc.key, params=exc.params)
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


def _repair(frame: gpd.GeoDataFrame, schema: LayerSchema, findings: Findings) -> gpd.GeoDataFrame:
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
    # Checked before is_valid and make_valid: repairing a huge self-crossing ring takes minutes.
    max_vertices = current_limits().max_vertices
    vertices = shapely.get_num_coordinates(geometries)
    too_complex = present & ~wrong & (vertices > max_vertices)
    if too_complex.any():
        findings.add("error", f"the geometry has more vertices than the limit of {max_vertices} "
                     f"(set ${VERTICES_VARIABLE} to change it)", key="too_many_vertices",
                     params={"limit": max_vertices, "variable": VERTICES_VARIABLE}, rows=too_complex,
                     column="geometry", values=pd.Series(vertices, index=frame.index))
        geometries[too_complex] = None
    invalid = present & ~wrong & ~too_complex & ~shapely.is_valid(geometries)
    budget = current_limits().repair_seconds
    fixed = repaired(geometries[invalid], budget_seconds=budget) if invalid.any() else None
    if invalid.any() and fixed is None:
        findings.add("error", f"repairing the invalid geometries did not finish within {budget:g} s (set "
                     f"${REPAIR_SECONDS_VARIABLE} to change it)", key="repair_budget",
                     params={"seconds": f"{budget:g}", "variable": REPAIR_SECONDS_VARIABLE}, rows=invalid,
                     column="geometry", values=pd.Series(vertices, index=frame.index))
        too_complex = too_complex | invalid
        invalid = np.zeros_like(invalid)
    elif invalid.any():
        findings.add("warning", "invalid geometry repaired with make_valid", key="repaired", rows=invalid,
                     column="geometry",
                     values=pd.Series(shapely.is_valid_reason(geometries), index=frame.index).where(invalid, None))
        geometries[invalid] = [_keep_kind(g, schema) for g in fixed]
    collapsed = invalid & shapely.is_empty(geometries)
    if collapsed.any():
        findings.add("error", "the geometry is empty after repair (a degenerate polygon)", key="empty_after_repair",
                     rows=collapsed, column="geometry")
    # Wrong kinds and collapsed shapes are reported; dropping them keeps later checks from judging them twice.
    geometries[wrong | collapsed | too_complex] = None
    return frame.set_geometry(gpd.GeoSeries(geometries, index=frame.index, crs=frame.crs))


def _keep_kind(geometry, schema: LayerSchema):
    """After make_valid, keep the polygonal parts of a polygon layer's geometry (slivers become lines)."""
    if "polygon" not in schema.geometry or geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)


def _check_inside_ningbo(frame: gpd.GeoDataFrame, source, source_bounds, findings: Findings) -> None:
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


def _assign_and_measure(frame: gpd.GeoDataFrame, schema: LayerSchema, findings: Findings) -> gpd.GeoDataFrame:
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
