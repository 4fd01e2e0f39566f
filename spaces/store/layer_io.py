"""A store's layers and tables as GDAL (pyogrio) reads and writes them, in canonical columns and dtypes."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from spaces.errors import StoreError
from spaces.geo.crs import STORAGE_CRS
from spaces.reference.schema import LayerSchema, load_schemas

from . import sql
from .rows import as_text, canonical, empty_layer

GEOMETRY_TYPES = {("polygon",): "MultiPolygon", ("point",): "Point", ("polygon", "point"): "Unknown"}


def read_canonical(path: Path, layer: str, *, where: str | None = None,
                   fids: np.ndarray | None = None) -> pd.DataFrame:
    """The layer (or the rows ``where`` selects, an SQLite condition, or the features ``fids``) with canonical
    columns and dtypes, in feature id order."""
    schema = load_schemas()[layer]
    if fids is not None and not len(fids):
        where, fids = "0", None  # no row, every column
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, use_arrow=True, where=where,
                                       fids=None if fids is None else np.sort(fids))
    except (DataLayerError, DataSourceError) as exc:
        if "not found" in str(exc).lower() or isinstance(exc, DataLayerError):
            return empty_layer(schema)
        raise StoreError(f"{path}: cannot read layer {layer!r}: {exc}") from exc
    if schema.is_spatial:
        if not isinstance(frame, gpd.GeoDataFrame):
            frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame), crs=STORAGE_CRS))
        frame = frame.set_crs(STORAGE_CRS, allow_override=True)
    return canonical(frame, schema)


def write_layer(path: Path, name: str, frame: pd.DataFrame, schema: LayerSchema) -> None:
    write_rows(path, name, frame, schema, append=False)
    # Writing a layer drops and recreates its table, and with it the index in-place updates look ids up in.
    with closing(sqlite3.connect(path)) as db, db:
        sql.ensure_id_index(db, name, schema.id_columns)


def write_rows(path: Path, name: str, frame: pd.DataFrame, schema: LayerSchema, *, append: bool) -> None:
    """``frame`` as the layer ``name`` (or appended to it): one writer for both, so rows are stored alike."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object and column != "geometry":
            frame[column] = as_text(frame[column])
    if schema.is_spatial:
        geometry_type = GEOMETRY_TYPES[schema.geometry]
        pyogrio.write_dataframe(gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_CRS), path,
                                layer=name, driver="GPKG", geometry_type=geometry_type,
                                promote_to_multi=geometry_type == "MultiPolygon", append=append)
    elif append:
        pyogrio.write_dataframe(pd.DataFrame(frame), path, layer=name, driver="GPKG", append=True)
    else:
        write_table(path, name, pd.DataFrame(frame))


def write_table(path: Path, name: str, frame: pd.DataFrame) -> None:
    pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
