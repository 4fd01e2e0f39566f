"""Feature exports: the filtered map layers as zipped GeoJSON, GeoPackage or zipped Shapefile, as bytes."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from spaces.geo.crs import STORAGE_CRS
from spaces.planning.filters import MAP_LAYERS, Filters, apply_filters
from spaces.reference.i18n import t
from spaces.reference.schema import SHAPEFILE_FIELD_WIDTH, load_schemas
from spaces.store import canonical

METADATA_TABLE = "export_metadata"
# GeoPackage geometry type per layer (communities mix polygons and points).
GPKG_GEOMETRY = {"parks": "MultiPolygon", "communities": "Unknown", "plots": "MultiPolygon", "factories": "Point"}
# Shapefiles hold one geometry type each: communities are split in two files.
SHAPEFILE_PARTS = {
    "parks": (("parks", "Polygon"),),
    "communities": (("communities_polygons", "Polygon"), ("communities_points", "Point")),
    "plots": (("plots", "Polygon"),),
    "factories": (("factories", "Point"),),
}
DBF_MAX_BYTES = 254


def feature_layers(layers: dict[str, pd.DataFrame], filters: Filters) -> dict[str, gpd.GeoDataFrame]:
    """The map layers that ``filters`` select, with every schema column in its canonical type.

    The ``source`` column (sample / import) and the other provenance columns are kept; plots gain
    ``status_as_of`` (their status at the end of the filter year). Inputs are not changed.
    """
    selected = apply_filters(layers, filters)
    schemas = load_schemas()
    out = {}
    for name in MAP_LAYERS:
        frame = canonical(selected[name], schemas[name])
        if "status_as_of" in frame.columns:
            frame["status_as_of"] = frame["status_as_of"].astype(object).where(frame["status_as_of"].notna(), None)
        geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else "geometry"
        columns = [c for c in frame.columns if c != geometry]
        out[name] = gpd.GeoDataFrame(frame[columns], geometry=frame[geometry].to_numpy(), crs=STORAGE_CRS)
    return out


def _metadata_rows(metadata: dict) -> pd.DataFrame:
    rows = []
    for key, value in metadata.items():
        text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
        rows.append({"key": key, "value": None if text is None else str(text)})
    return pd.DataFrame(rows)


def _metadata_json(metadata: dict) -> bytes:
    return json.dumps(metadata, ensure_ascii=False, indent=2).encode("utf-8")


def _readme(metadata: dict, language: str, extra: list[str] = ()) -> bytes:
    lines = [t("export_readme_title", language), "", *metadata["about"], f"CRS: {STORAGE_CRS} (WGS-84)", "",
        t("export_readme_columns", language),
        *extra,
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def geojson_zip(frames: dict[str, gpd.GeoDataFrame], metadata: dict, *, language: str = "zh") -> bytes:
    """A zip of ``<layer>.geojson`` FeatureCollections (RFC 7946, WGS-84), ``metadata.json`` and ``README.txt``.

    Each collection also carries ``name`` and the export ``metadata`` as foreign members.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in frames.items():
            collection = json.loads(frame.to_json(na="null", drop_id=True, to_wgs84=True))
            collection = {"type": "FeatureCollection", "name": name, "metadata": metadata,
                          "features": collection["features"]}
            archive.writestr(f"{name}.geojson", json.dumps(collection, ensure_ascii=False))
        archive.writestr("metadata.json", _metadata_json(metadata))
        archive.writestr("README.txt", _readme(metadata, language))
    return buffer.getvalue()


def _writable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    # Columns that are None in every row have no type OGR can infer: write them as text.
    out = frame.copy()
    for column in out.columns:
        if column != out.geometry.name and out[column].dtype == object:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def geopackage(frames: dict[str, gpd.GeoDataFrame], metadata: dict) -> bytes:
    """A GeoPackage with one layer per map layer and an ``export_metadata`` table (key, value)."""
    with tempfile.TemporaryDirectory(prefix="spaces-export-") as folder:
        path = Path(folder) / "features.gpkg"
        for name, frame in frames.items():
            pyogrio.write_dataframe(_writable(frame), path, layer=name, driver="GPKG",
                                    geometry_type=GPKG_GEOMETRY[name],
                                    promote_to_multi=GPKG_GEOMETRY[name] == "MultiPolygon",
                                    layer_metadata={"DESCRIPTION": metadata.get("notice") or ""})
        pyogrio.write_dataframe(_metadata_rows(metadata), path, layer=METADATA_TABLE, driver="GPKG")
        return path.read_bytes()


def shapefile_field_names(columns: list[str]) -> dict[str, str]:
    """Column -> DBF field name of at most 10 characters, unique within the file.

    A plain truncation is kept when it is unique, since the importer reads truncations back
    (``district_a`` -> ``district_adcode``); later clashes become ``<first 8>_<n>``.

    Examples
    --------
    >>> shapefile_field_names(["green_park_level", "green_park_year", "park_id"])
    {'green_park_level': 'green_park', 'green_park_year': 'green_pa_1', 'park_id': 'park_id'}
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        candidate = column[:SHAPEFILE_FIELD_WIDTH]
        number = 0
        while candidate.lower() in taken:
            number += 1
            suffix = f"_{number}"
            candidate = column[:SHAPEFILE_FIELD_WIDTH - len(suffix)] + suffix
        taken.add(candidate.lower())
        names[column] = candidate
    return names


def _shapefile_part(frame: gpd.GeoDataFrame, geometry_type: str) -> gpd.GeoDataFrame:
    kinds = frame.geometry.geom_type
    wanted = kinds.isin(["Polygon", "MultiPolygon"]) if geometry_type == "Polygon" else kinds == "Point"
    return frame.loc[wanted.to_numpy()]


def _long_values(frame: pd.DataFrame, fields: dict[str, str]) -> list[str]:
    """Fields whose longest UTF-8 value exceeds what a DBF field can hold (254 bytes): they get cut."""
    cut = []
    for column, field in fields.items():
        if frame[column].dtype == object:
            lengths = frame[column].dropna().map(lambda text: len(str(text).encode("utf-8")))
            if len(lengths) and lengths.max() > DBF_MAX_BYTES:
                cut.append(field)
    return cut


def shapefile_zip(frames: dict[str, gpd.GeoDataFrame], metadata: dict, *, language: str = "zh") -> bytes:
    """A zip of Shapefiles (``.shp .shx .dbf .prj .cpg``, UTF-8), one per layer and geometry type.

    Communities become ``communities_polygons`` and ``communities_points``. Field names are cut to 10
    characters; ``README.txt`` lists every file's field -> column mapping, and ``metadata.json`` the
    year, filters, sample flag and export time.
    """
    mapping_lines: list[str] = []
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="spaces-export-") as folder, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in frames.items():
            columns = [c for c in frame.columns if c != frame.geometry.name]
            fields = shapefile_field_names(columns)
            for part, geometry_type in SHAPEFILE_PARTS[name]:
                chosen = _writable(_shapefile_part(frame, geometry_type)).rename(columns=fields)
                path = Path(folder) / f"{part}.shp"
                pyogrio.write_dataframe(chosen, path, driver="ESRI Shapefile", encoding="UTF-8",
                                        geometry_type=geometry_type)
                for sibling in sorted(Path(folder).glob(f"{part}.*")):
                    archive.write(sibling, sibling.name)
                mapping_lines.append(f"{part}.shp ({len(chosen)}):")
                mapping_lines += [f"  {field:<10} = {column}" for column, field in fields.items()]
                cut = _long_values(frame, fields)
                if cut:
                    mapping_lines.append("  " + t("export_readme_cut", language).format(fields=", ".join(cut)))
        archive.writestr("metadata.json", _metadata_json(metadata))
        archive.writestr("README.txt", _readme(metadata, language, ["", t("export_readme_fields", language),
                                                                    *mapping_lines]))
    return buffer.getvalue()
