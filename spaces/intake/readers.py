"""Reading planners' files (GeoJSON, GeoPackage, zipped Shapefile, CSV, XLSX) into (Geo)DataFrames."""

from __future__ import annotations

import codecs
import io
import tempfile
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from shapely.errors import GEOSException

from spaces.errors import ReadError

from .limits import Limits, check_upload_rows, check_upload_size, check_zip, current_limits

VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".zip", ".shp"}
TABLE_SUFFIXES = {".csv", ".xlsx", ".xls"}
LON_HEADERS = ("lon", "lng", "long", "longitude", "x", "经度")
LAT_HEADERS = ("lat", "latitude", "y", "纬度")
# Not "geom": the README keeps a column of that name as geom_in_file (a GeoPackage reserves it), never as WKT.
WKT_HEADERS = ("wkt", "geometry", "the_geom", "几何")
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
DBF_CHUNK = 1 << 20
# Rows of a CSV counted at a time when it may be over the upload's row limit (one column kept).
COUNT_CHUNK = 50_000


class Note(str):
    """A remark about reading a file, in English, naming its text in the catalogue (``problem_<key>``).

    A string, so code that reads notes as text keeps working; ``key`` and ``params`` let the app show it
    in Chinese.
    """

    key: str
    params: dict

    def __new__(cls, text: str, key: str, params: dict):
        note = super().__new__(cls, text)
        note.key, note.params = key, dict(params)
        return note

    def __getnewargs__(self):
        return str(self), self.key, self.params


def _note(key: str, text: str, **params) -> Note:
    return Note(text, key, params)


def _error(key: str, message: str, **params) -> ReadError:
    """A :class:`ReadError` whose message is also ``problem_<key>`` of the catalogue with ``params``."""
    return ReadError(message, key=key, params=params)


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


def read_any(path: str | Path, *, limits: Limits | None = None) -> RawFile:
    """Read ``path`` by its suffix; raises :class:`ReadError` naming the file when it cannot.

    Zips are held to ``limits`` (default: :func:`spaces.intake.limits.current_limits`); the upload size
    limit is not applied to files on disk (see :func:`read_bytes`).
    """
    path = Path(path)
    label = str(path)
    if not path.exists():
        raise _error("no_such_file", f"{path}: no such file", file=str(path))
    if path.stat().st_size == 0:
        raise _error("file_empty", f"{path}: the file is empty", file=str(path))
    suffix = _known_suffix(label)
    try:
        if suffix in TABLE_SUFFIXES:
            raw = _read_table(path.read_bytes(), suffix, label)
        elif suffix == ".zip":
            raw = _read_zipped_shapefile(path, label, limits or current_limits())
        else:
            encoding = _shapefile_encoding(path) if suffix == ".shp" else None
            raw = _read_vector(str(path), label, encoding=encoding)
            if encoding:
                raw.notes.append(_note("no_cpg", f"no .cpg file; text read as {encoding}", encoding=encoding))
    except OSError as exc:
        # A directory, a locked network share, a file that vanished: say which, not a traceback.
        reason = exc.strerror or exc
        raise _error("cannot_read_file", f"{path}: cannot read the file: {reason}", file=str(path),
                     reason=str(reason)) from exc
    return _with_rows(raw, label)


def read_bytes(name: str, data: bytes, *, limits: Limits | None = None) -> RawFile:
    """Read an uploaded file held in memory (``st.file_uploader`` gives a name and bytes).

    ``name`` picks the format by its suffix and names the file in every message; folders in it
    are dropped. The upload size limit applies (``$SPACES_MAX_UPLOAD_MB``, default 100 MB), and a
    zip is held to the zip limits. CSV, XLSX, GeoJSON and GeoPackage are read in memory; a zip is
    written, still zipped, into a private temporary folder for GDAL's /vsizip/ and removed at once.
    The row limit (``$SPACES_MAX_UPLOAD_ROWS``) is checked before the rows are read where that is cheap
    (the layer's feature count; a CSV counted a chunk at a time, one column kept), and no reader is
    asked for more than one row over it (a sheet is read up to that row).

    Examples
    --------
    >>> raw = read_bytes("factories.csv", "factory_id,lon,lat\\nF1,121.55,29.87\\n".encode())
    >>> raw.frame["factory_id"].tolist(), raw.has_geometry
    (['F1'], True)
    """
    limits = limits or current_limits()
    label = PurePosixPath(name.replace("\\", "/")).name or "upload"
    check_upload_size(label, len(data), limits)
    if not data:
        raise _error("file_empty", f"{label}: the file is empty", file=label)
    suffix = _known_suffix(label)
    if suffix == ".shp":
        raise _error("shapefile_not_zipped", f"{label}: a Shapefile is several files (.shp, .shx, .dbf, .prj); "
                     "upload them zipped together as one .zip", file=label)
    max_rows = limits.max_upload_rows
    if suffix in TABLE_SUFFIXES:
        raw = _read_table(data, suffix, label, max_rows=max_rows)
    elif suffix == ".zip":
        with tempfile.TemporaryDirectory(prefix="spaces-upload-") as folder:
            path = Path(folder) / "upload.zip"
            path.write_bytes(data)
            raw = _read_zipped_shapefile(path, label, limits, max_rows=max_rows)
    else:
        with warnings.catch_warnings():
            # GDAL names the in-memory copy without a suffix and then remarks that a GeoPackage lacks one.
            warnings.filterwarnings("ignore", message=".*non conformant file extension", category=RuntimeWarning)
            raw = _read_vector(bytes(data), label, max_rows=max_rows)
    return _with_rows(raw, label)


def _known_suffix(label: str) -> str:
    suffix = PurePosixPath(label).suffix.lower()
    if suffix not in TABLE_SUFFIXES | VECTOR_SUFFIXES:
        raise _error("unknown_format",
                     f"{label}: unknown format {suffix!r}; use GeoJSON, GeoPackage, a zipped Shapefile, CSV or XLSX",
                     file=label, suffix=suffix)
    return suffix


def _with_rows(raw: RawFile, label: str) -> RawFile:
    if len(raw.frame) == 0:
        raise _error("file_no_rows", f"{label}: the file holds no rows", file=label)
    return raw


def _read_vector(source: str | bytes, label: str, *, encoding: str | None = None,
                 max_rows: int | None = None) -> RawFile:
    """Read the first layer of ``source``; with ``max_rows``, refuse more features before reading them."""
    notes = []
    try:
        layers = pyogrio.list_layers(source)
        if len(layers) > 1:
            notes.append(_note("several_layers", f"{len(layers)} layers; read the first, {layers[0][0]!r}",
                               count=len(layers), layer=layers[0][0]))
        info = pyogrio.read_info(source, layer=0)
        if max_rows is not None and info.get("features", -1) >= 0:  # -1: a driver that cannot count cheaply
            check_upload_rows(label, int(info["features"]), max_rows)
        frame = pyogrio.read_dataframe(source, layer=0 if len(layers) else None, encoding=encoding,
                                       max_features=None if max_rows is None else max_rows + 1)
        if max_rows is not None and len(frame) > max_rows:
            check_upload_rows(label, None, max_rows)
        info_crs = info.get("crs")
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise _error("not_vector", f"{label}: cannot read as a vector file: {exc}", file=label,
                     detail=str(exc)) from exc
    except GEOSException as exc:
        # GEOS refuses some geometries outright while reading: a ring of 2 points, a ring that is not closed.
        raise _error("unreadable_geometry", f"{label}: a geometry in the file cannot be read (a ring needs at "
                     f"least 4 points and must be closed): {exc}", file=label, detail=str(exc)) from exc
    has_geometry = isinstance(frame, gpd.GeoDataFrame) and frame.geometry.notna().any()
    return RawFile(frame=frame, file_crs=info_crs, has_geometry=has_geometry, notes=notes)


def _read_zipped_shapefile(path: Path, label: str, limits: Limits, *, max_rows: int | None = None) -> RawFile:
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip(label, archive, limits)
            members = archive.namelist()
            shapefiles = [m for m in members if m.lower().endswith(".shp") and not m.startswith("__MACOSX")]
            if not shapefiles:
                listed = ", ".join(members[:10])
                raise _error("zip_without_shapefile", f"{label}: the zip holds no .shp file (members: {listed})",
                             file=label, members=listed)
            shp = shapefiles[0]
            stem = shp[:-4]
            by_lower = {m.lower(): m for m in members}
            dbf = by_lower.get(stem.lower() + ".dbf")
            has_cpg = (stem.lower() + ".cpg") in by_lower
            encoding = None
            if not has_cpg:
                if dbf:
                    with archive.open(dbf) as stream:
                        encoding = _guess_dbf_encoding(stream)
                else:
                    encoding = "utf-8"
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _error("zip_invalid", f"{label}: not a valid zip file ({exc})", file=label, detail=str(exc)) from exc
    except NotImplementedError as exc:
        # Windows' "send to compressed folder" uses Deflate64 for big files; neither Python nor GDAL reads it.
        raise _error("zip_compression", f"{label}: the zip uses a compression method that cannot be read ({exc}); "
                     "re-zip it with standard Deflate", file=label, detail=str(exc)) from exc
    except RuntimeError as exc:
        raise _error("zip_locked", f"{label}: the zip is password-protected or unreadable ({exc})", file=label,
                     detail=str(exc)) from exc
    raw = _read_vector(f"/vsizip/{path}/{shp}", label, encoding=encoding, max_rows=max_rows)
    if len(shapefiles) > 1:
        raw.notes.append(_note("several_shapefiles", f"{len(shapefiles)} Shapefiles in the zip; read {shp!r}",
                               count=len(shapefiles), member=shp))
    if encoding:
        raw.notes.append(_note("no_cpg", f"no .cpg file; text read as {encoding}", encoding=encoding))
    return raw


def _shapefile_encoding(path: Path) -> str | None:
    if _sidecar(path, ".cpg") is not None:
        return None
    dbf = _sidecar(path, ".dbf")
    if dbf is None:
        return None
    with dbf.open("rb") as stream:
        return _guess_dbf_encoding(stream)


def _sidecar(path: Path, suffix: str) -> Path | None:
    """The file next to a .shp with ``suffix`` in either case (DOS-era tools write PLOTS.SHP, PLOTS.DBF)."""
    return next((p for p in (path.with_suffix(suffix), path.with_suffix(suffix.upper())) if p.exists()), None)


def _guess_dbf_encoding(dbf: BinaryIO) -> str:
    """UTF-8 when the DBF field names and records decode as UTF-8, else GB18030 (a superset of GBK).

    Chinese GIS tools write GBK without a .cpg far more often than anything else; a DBF whose
    bytes are valid UTF-8 is almost never GBK text, because GBK pairs rarely form UTF-8 sequences.
    The records are decoded in chunks, so a DBF of a gigabyte is never held in memory whole.
    """
    head = dbf.read(32)
    if len(head) < 32:
        return "utf-8"
    # Field names (32-byte descriptors after the 32-byte header) are in the same encoding as the
    # records: a GBK file with Chinese headers and ASCII-only values must not be taken for UTF-8.
    # Names are NUL-padded; the descriptor's binary fields (type, length) are ASCII or small bytes.
    header_length = int.from_bytes(head[8:10], "little")
    header = head + dbf.read(max(header_length - 32, 0))
    names = b"".join(header[start:start + 11].split(b"\0")[0] for start in range(32, header_length - 1, 32))
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        names.decode("utf-8")
        while chunk := dbf.read(DBF_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _read_table(data: bytes, suffix: str, label: str, *, max_rows: int | None = None) -> RawFile:
    """Read a CSV or XLSX as text columns; with ``max_rows``, refuse more rows before reading them all."""
    notes = []
    nrows = None if max_rows is None else max_rows + 1
    if suffix == ".csv":
        frame = None
        for encoding in TEXT_ENCODINGS:
            try:
                if max_rows is not None and data.count(b"\n") > max_rows:  # lines bound the rows from above
                    check_upload_rows(label, _csv_rows(data, encoding), max_rows)
                frame = pd.read_csv(io.BytesIO(data), encoding=encoding, dtype=str, keep_default_na=False,
                                    nrows=nrows)
                header = pd.read_csv(io.BytesIO(data), encoding=encoding, dtype=str, keep_default_na=False,
                                     header=None, nrows=1)
                if encoding != "utf-8-sig":
                    notes.append(_note("not_utf8", f"not UTF-8; read as {encoding}", encoding=encoding))
                break
            except UnicodeDecodeError:
                continue
            except pd.errors.ParserError as exc:
                raise _error("csv_unreadable", f"{label}: not a readable CSV file: {exc}", file=label,
                             detail=str(exc)) from exc
            except pd.errors.EmptyDataError as exc:
                raise _error("file_no_rows", f"{label}: the file holds no rows", file=label) from exc
        if frame is None:
            raise _error("text_encoding", f"{label}: text is neither UTF-8 nor GB18030", file=label)
    else:
        try:
            frame = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False, nrows=nrows)
            header = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False, header=None, nrows=1)
        except ImportError as exc:
            # Only .xlsx has an engine installed (openpyxl); old .xls workbooks need another.
            raise _error("excel_format", f"{label}: cannot read this Excel format; save it as .xlsx",
                         file=label) from exc
        except (ValueError, zipfile.BadZipFile, KeyError) as exc:
            raise _error("excel_unreadable", f"{label}: not a readable Excel file: {exc}", file=label,
                         detail=str(exc)) from exc
    if max_rows is not None and len(frame) > max_rows:
        # A CSV over the limit was counted above; a sheet's recorded size may take in formatted empty rows,
        # which pandas drops, so it only names the count once the rows read went over the limit.
        recorded = _sheet_rows(data) if suffix != ".csv" else 0
        check_upload_rows(label, recorded if recorded > max_rows else None, max_rows)
    _refuse_repeated_headers(list(header.iloc[0]) if len(header) else [], label)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.replace({"": None})
    return _geometry_from_columns(frame, label, notes)


def _csv_rows(data: bytes, encoding: str) -> int:
    """The rows of a CSV (quoted line breaks and all), counted ``COUNT_CHUNK`` at a time in one column."""
    chunks = pd.read_csv(io.BytesIO(data), encoding=encoding, dtype=str, keep_default_na=False, usecols=[0],
                         chunksize=COUNT_CHUNK)
    with chunks:
        return sum(len(chunk) for chunk in chunks)


def _sheet_rows(data: bytes) -> int:
    """The data rows of a workbook's first sheet by its recorded size (a header row taken off), 0 when it
    records none."""
    from openpyxl import load_workbook  # pandas' own engine for .xlsx

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True)
    except (ValueError, zipfile.BadZipFile, KeyError, OSError):
        return 0  # pandas says what is wrong with it
    try:
        return max((workbook.worksheets[0].max_row or 1) - 1, 0) if workbook.worksheets else 0
    finally:
        workbook.close()


def _refuse_repeated_headers(names: list, label: str) -> None:
    """Two columns of one name: pandas would silently call the second ``name.1``; say which ones instead.

    Names differing in case (``remark``, ``REMARK``) are left to the column matching, which keeps or refuses them.
    """
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        folded = str(name).strip()
        if not folded:
            continue
        if folded in seen:
            raise _error("repeated_column", f"{label}: columns {seen[folded]} and {position} are both named "
                         f"{str(name).strip()!r}; keep one", file=label, first=seen[folded], second=position,
                         column=str(name).strip())
        seen[folded] = position


def _find(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    folded = {c.strip().lower(): c for c in frame.columns}
    return next((folded[n] for n in names if n in folded), None)


def _geometry_from_columns(frame: pd.DataFrame, label: str, notes: list[str]) -> RawFile:
    lon, lat, wkt = _find(frame, LON_HEADERS), _find(frame, LAT_HEADERS), _find(frame, WKT_HEADERS)
    if wkt is not None:
        text = frame[wkt]
        geometries = shapely.from_wkt(text.where(text.notna(), None).to_numpy(), on_invalid="ignore")
        bad = text.notna() & shapely.is_missing(geometries)
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 1
            value = str(text[bad].iloc[0])[:80]
            raise _error("invalid_wkt", f"{label}: row {row}, column {wkt!r}: not valid WKT: {value!r}", file=label,
                         row=row, column=wkt, value=value)
        gdf = gpd.GeoDataFrame(frame.drop(columns=[wkt]), geometry=geometries)
        return RawFile(frame=gdf, file_crs=None, has_geometry=True, notes=notes)
    if lon is not None and lat is not None:
        x = pd.to_numeric(frame[lon], errors="coerce")
        y = pd.to_numeric(frame[lat], errors="coerce")
        for column, numbers in ((lon, x), (lat, y)):
            bad = frame[column].notna() & numbers.isna()
            if bad.any():
                row = int(bad.to_numpy().nonzero()[0][0]) + 1
                value = frame[column][bad].iloc[0]
                raise _error("coordinate_not_a_number", f"{label}: row {row}, column {column!r}: not a number: {value!r}",
                             file=label, row=row, column=column, value=value)
        geometries = shapely.points(x.to_numpy(), y.to_numpy())
        geometries[x.isna().to_numpy() | y.isna().to_numpy()] = None
        gdf = gpd.GeoDataFrame(frame.drop(columns=[lon, lat]), geometry=geometries)
        return RawFile(frame=gdf, file_crs=None, has_geometry=True, notes=notes)
    return RawFile(frame=frame, file_crs=None, has_geometry=False, notes=notes)
