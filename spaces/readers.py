"""Reading planners' files (GeoJSON, GeoPackage, zipped Shapefile, CSV, XLSX) into (Geo)DataFrames."""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from .errors import ReadError

VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".zip", ".shp"}
TABLE_SUFFIXES = {".csv", ".xlsx", ".xls"}
LON_HEADERS = ("lon", "lng", "long", "longitude", "x", "经度")
LAT_HEADERS = ("lat", "latitude", "y", "纬度")
WKT_HEADERS = ("wkt", "geometry", "geom", "the_geom", "几何")
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass
class RawFile:
    """What a file holds before validation.

    ``frame`` is a GeoDataFrame when the file has geometry, else a DataFrame; ``file_crs`` is the
    CRS the file declares (None when it declares none); ``notes`` are warnings about reading.
    """

    frame: pd.DataFrame
    file_crs: str | None
    has_geometry: bool
    notes: list[str]


def read_any(path: str | Path) -> RawFile:
    """Read ``path`` by its suffix; raises :class:`ReadError` naming the file when it cannot."""
    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ReadError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES | VECTOR_SUFFIXES:
        raise ReadError(
            f"{path}: unknown format {suffix!r}; use GeoJSON, GeoPackage, a zipped Shapefile, CSV or XLSX"
        )
    try:
        if suffix in TABLE_SUFFIXES:
            raw = _read_table(path)
        elif suffix == ".zip":
            raw = _read_zipped_shapefile(path)
        else:
            encoding = _shapefile_encoding(path) if suffix == ".shp" else None
            raw = _read_vector(str(path), path, encoding=encoding)
            if encoding:
                raw.notes.append(f"no .cpg file; text read as {encoding}")
    except OSError as exc:
        # A directory, a locked network share, a file that vanished: say which, not a traceback.
        raise ReadError(f"{path}: cannot read the file: {exc.strerror or exc}") from exc
    if len(raw.frame) == 0:
        raise ReadError(f"{path}: the file holds no rows")
    return raw


def _read_vector(source: str, path: Path, *, encoding: str | None = None) -> RawFile:
    notes = []
    try:
        layers = pyogrio.list_layers(source)
        if len(layers) > 1:
            notes.append(f"{len(layers)} layers; read the first, {layers[0][0]!r}")
        frame = pyogrio.read_dataframe(source, layer=0 if len(layers) else None, encoding=encoding)
        info_crs = pyogrio.read_info(source, layer=0).get("crs")
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise ReadError(f"{path}: cannot read as a vector file: {exc}") from exc
    has_geometry = isinstance(frame, gpd.GeoDataFrame) and frame.geometry.notna().any()
    return RawFile(frame=frame, file_crs=info_crs, has_geometry=has_geometry, notes=notes)


def _read_zipped_shapefile(path: Path) -> RawFile:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
            shapefiles = [m for m in members if m.lower().endswith(".shp") and not m.startswith("__MACOSX")]
            if not shapefiles:
                raise ReadError(f"{path}: the zip holds no .shp file (members: {', '.join(members[:10])})")
            shp = shapefiles[0]
            stem = shp[:-4]
            by_lower = {m.lower(): m for m in members}
            dbf = by_lower.get(stem.lower() + ".dbf")
            has_cpg = (stem.lower() + ".cpg") in by_lower
            dbf_bytes = archive.read(dbf) if dbf else b""
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ReadError(f"{path}: not a valid zip file ({exc})") from exc
    except NotImplementedError as exc:
        # Windows' "send to compressed folder" uses Deflate64 for big files; neither Python nor GDAL reads it.
        raise ReadError(f"{path}: the zip uses a compression method that cannot be read ({exc}); "
                        "re-zip it with standard Deflate") from exc
    except RuntimeError as exc:
        raise ReadError(f"{path}: the zip is password-protected or unreadable ({exc})") from exc
    encoding = None if has_cpg else _guess_dbf_encoding(dbf_bytes)
    raw = _read_vector(f"/vsizip/{path}/{shp}", path, encoding=encoding)
    if len(shapefiles) > 1:
        raw.notes.append(f"{len(shapefiles)} Shapefiles in the zip; read {shp!r}")
    if encoding:
        raw.notes.append(f"no .cpg file; text read as {encoding}")
    return raw


def _shapefile_encoding(path: Path) -> str | None:
    if _sidecar(path, ".cpg") is not None:
        return None
    dbf = _sidecar(path, ".dbf")
    return _guess_dbf_encoding(dbf.read_bytes()) if dbf is not None else None


def _sidecar(path: Path, suffix: str) -> Path | None:
    """The file next to a .shp with ``suffix`` in either case (DOS-era tools write PLOTS.SHP, PLOTS.DBF)."""
    return next((p for p in (path.with_suffix(suffix), path.with_suffix(suffix.upper())) if p.exists()), None)


def _guess_dbf_encoding(dbf: bytes) -> str:
    """UTF-8 when the DBF field names and records decode as UTF-8, else GB18030 (a superset of GBK).

    Chinese GIS tools write GBK without a .cpg far more often than anything else; a DBF whose
    bytes are valid UTF-8 is almost never GBK text, because GBK pairs rarely form UTF-8 sequences.
    """
    if len(dbf) < 32:
        return "utf-8"
    # Field names (32-byte descriptors after the 32-byte header) are in the same encoding as the
    # records: a GBK file with Chinese headers and ASCII-only values must not be taken for UTF-8.
    # Names are NUL-padded; the descriptor's binary fields (type, length) are ASCII or small bytes.
    header_length = int.from_bytes(dbf[8:10], "little")
    names = b"".join(dbf[start:start + 11].split(b"\0")[0] for start in range(32, header_length - 1, 32))
    records = dbf[header_length:]
    try:
        names.decode("utf-8")
        records.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _read_table(path: Path) -> RawFile:
    notes = []
    if path.suffix.lower() == ".csv":
        data = path.read_bytes()
        frame = None
        for encoding in TEXT_ENCODINGS:
            try:
                frame = pd.read_csv(io.BytesIO(data), encoding=encoding, dtype=str, keep_default_na=False)
                if encoding != "utf-8-sig":
                    notes.append(f"not UTF-8; read as {encoding}")
                break
            except UnicodeDecodeError:
                continue
            except pd.errors.ParserError as exc:
                raise ReadError(f"{path}: not a readable CSV file: {exc}") from exc
            except pd.errors.EmptyDataError as exc:
                raise ReadError(f"{path}: the file holds no rows") from exc
        if frame is None:
            raise ReadError(f"{path}: text is neither UTF-8 nor GB18030")
    else:
        try:
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        except ImportError as exc:
            # Only .xlsx has an engine installed (openpyxl); old .xls workbooks need another.
            raise ReadError(f"{path}: cannot read this Excel format; save it as .xlsx") from exc
        except (ValueError, zipfile.BadZipFile, KeyError) as exc:
            raise ReadError(f"{path}: not a readable Excel file: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.replace({"": None})
    return _geometry_from_columns(frame, path, notes)


def _find(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    folded = {c.strip().lower(): c for c in frame.columns}
    return next((folded[n] for n in names if n in folded), None)


def _geometry_from_columns(frame: pd.DataFrame, path: Path, notes: list[str]) -> RawFile:
    lon, lat, wkt = _find(frame, LON_HEADERS), _find(frame, LAT_HEADERS), _find(frame, WKT_HEADERS)
    if wkt is not None:
        text = frame[wkt]
        geometries = shapely.from_wkt(text.where(text.notna(), None).to_numpy(), on_invalid="ignore")
        bad = text.notna() & shapely.is_missing(geometries)
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 1
            raise ReadError(f"{path}: row {row}, column {wkt!r}: not valid WKT: {str(text[bad].iloc[0])[:80]!r}")
        gdf = gpd.GeoDataFrame(frame.drop(columns=[wkt]), geometry=geometries)
        return RawFile(frame=gdf, file_crs=None, has_geometry=True, notes=notes)
    if lon is not None and lat is not None:
        x = pd.to_numeric(frame[lon], errors="coerce")
        y = pd.to_numeric(frame[lat], errors="coerce")
        for column, numbers in ((lon, x), (lat, y)):
            bad = frame[column].notna() & numbers.isna()
            if bad.any():
                row = int(bad.to_numpy().nonzero()[0][0]) + 1
                raise ReadError(f"{path}: row {row}, column {column!r}: not a number: {frame[column][bad].iloc[0]!r}")
        geometries = shapely.points(x.to_numpy(), y.to_numpy())
        geometries[x.isna().to_numpy() | y.isna().to_numpy()] = None
        gdf = gpd.GeoDataFrame(frame.drop(columns=[lon, lat]), geometry=geometries)
        return RawFile(frame=gdf, file_crs=None, has_geometry=True, notes=notes)
    return RawFile(frame=frame, file_crs=None, has_geometry=False, notes=notes)
