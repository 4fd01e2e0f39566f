"""Tests for spaces.intake.readers: every supported format, every text encoding planners send, every way a file breaks."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from fixtures_intake import (
    YINZHOU,
    factory_rows,
    inside,
    plot_rows,
    plots_frame,
    with_lonlat,
    with_wkt,
    write_csv,
    write_shapefile,
    write_vector,
    write_xlsx,
)

from spaces.errors import ReadError
from spaces.intake import validate_file
from spaces.intake.readers import read_any, read_bytes

CHINESE_NAMES = ["鄞州区姜山镇低效地块", "海曙区<b>高桥</b>厂房", "慈溪市周巷镇"]


def factories_frame(n: int = 2) -> gpd.GeoDataFrame:
    """``n`` green factories as points, for the lon/lat table formats."""
    return gpd.GeoDataFrame(pd.DataFrame(factory_rows(n)), geometry="geometry", crs="EPSG:4326")


def chinese_plots() -> gpd.GeoDataFrame:
    """Plots with Chinese names and Chinese status words, as a 区县 office exports them."""
    frame = plots_frame(plot_rows(3))
    frame["name_zh"] = CHINESE_NAMES
    frame["status"] = ["已盘活", "处置中", "待处置"]
    return frame


# --- files that cannot be read at all -------------------------------------------------------------


def test_missing_file_names_the_path(tmp_path):
    """A typo in the path must say which path, not raise FileNotFoundError from deep inside GDAL."""
    with pytest.raises(ReadError, match=r"nope\.geojson: no such file"):
        read_any(tmp_path / "nope.geojson")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".geojson", ".gpkg", ".zip", ".shp"])
def test_empty_file_is_reported_as_empty(tmp_path, suffix):
    """A 0-byte upload (an interrupted copy) is the commonest broken file; every format says 'empty'."""
    path = tmp_path / f"plots{suffix}"
    path.write_bytes(b"")
    with pytest.raises(ReadError, match=rf"plots\{suffix}: the file is empty"):
        read_any(path)


def _header_only_csv(path):
    """The import template as downloaded: headers, no rows."""
    path.write_text("plot_id,status,reclaimed_year,lon,lat\n", encoding="utf-8")


def _header_only_bom_csv(path):
    """The same from Excel's 'CSV UTF-8': a BOM, Chinese headers, CRLF."""
    path.write_bytes("\ufeff地块编号,状态,盘活年份,经度,纬度\r\n".encode())


def _header_only_xlsx(path):
    """A workbook with a header row only."""
    write_xlsx(pd.DataFrame(columns=["plot_id", "status", "lon", "lat"]), path)


def _empty_feature_collection(path):
    """A GeoJSON export of an empty selection."""
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")


def _empty_geopackage(path):
    """A GeoPackage whose layer has the schema but no features."""
    write_vector(plots_frame().iloc[:0], path, layer="plots")


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("plots.csv", _header_only_csv),
        ("plots_bom.csv", _header_only_bom_csv),
        ("plots.xlsx", _header_only_xlsx),
        ("plots.geojson", _empty_feature_collection),
        ("plots.gpkg", _empty_geopackage),
    ],
)
def test_header_without_rows_is_reported(tmp_path, name, build):
    """A template filled in with nothing must be rejected as 'no rows', not pass as an empty import."""
    path = tmp_path / name
    build(path)
    with pytest.raises(ReadError, match=re.escape(f"{name}: the file holds no rows")):
        read_any(path)


@pytest.mark.parametrize("name", ["plots.kml", "plots.txt", "plots", "plots.geojson.bak"])
def test_unknown_extension_lists_the_formats(tmp_path, name):
    """Formats we do not read must be named, with the ones we do read, rather than guessed at."""
    path = tmp_path / name
    path.write_text("plot_id\nP1\n", encoding="utf-8")
    with pytest.raises(ReadError, match=r"unknown format") as caught:
        read_any(path)
    message = str(caught.value)
    assert name in message
    assert "GeoJSON" in message and "CSV" in message and "Shapefile" in message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plots.geojson", b'{"type": "FeatureCollection", "features": [ {"type": '),
        ("plots.json", b"\x00\x01\x02 not json at all"),
        ("plots.gpkg", b"SQLite format 3\x00" + b"\x00" * 200),
        ("plots.shp", b"\x00\x00\x27\x0a" + b"\xff" * 96),
        ("plots.xlsx", b"PK\x03\x04 this is not a workbook"),
        ("plots.csv", b"\xff\xfe\x00p\x00l\x00o\x00t\x80\x81"),
        ("plots.csv", b"plot_id,status\nP1,reclaimed\nP2,reclaimed,2021,extra\n"),
    ],
    ids=["truncated-geojson", "binary-json", "bad-gpkg", "bad-shp", "bad-xlsx", "utf16-csv", "ragged-csv"],
)
@pytest.mark.filterwarnings("ignore:GPKG. bad application_id:RuntimeWarning")
def test_unreadable_file_names_the_file(tmp_path, name, content):
    """Garbage in any format gives a ReadError that names the file, never a GDAL or pandas traceback."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReadError) as caught:
        read_any(path)
    assert str(caught.value).startswith(str(path))


@pytest.mark.parametrize("name", ["plots.csv", "plots.geojson", "plots.xlsx"])
def test_directory_with_a_file_name_is_a_read_error(tmp_path, name):
    """A folder named like a file (an unpacked export) cannot be read; say so with its path."""
    path = tmp_path / name
    path.mkdir()
    (path / "inner.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ReadError) as caught:
        read_any(path)
    assert name in str(caught.value)


def test_unreadable_permissions_are_a_read_error(tmp_path, monkeypatch):
    """A file the process may not open (a locked share) is a ReadError naming it, not a PermissionError.

    Tests may run as root, where chmod 000 does not stop reading, so the denial is simulated.
    """
    path = write_csv(with_lonlat(factories_frame()), tmp_path / "factories.csv")

    def deny(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(type(path), "read_bytes", deny)
    with pytest.raises(ReadError, match=r"factories\.csv.*Permission denied"):
        read_any(path)


def test_old_excel_format_is_a_read_error(tmp_path):
    """.xls needs an engine we do not ship; the planner must be told to save as .xlsx, not see ImportError."""
    path = tmp_path / "plots.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with pytest.raises(ReadError, match=r"plots\.xls.*xlsx"):
        read_any(path)


# --- zips ----------------------------------------------------------------------------------------------


def _good_zip(tmp_path):
    """A valid zipped GBK Shapefile, the starting point for the damaged zips below."""
    return write_shapefile(chinese_plots(), tmp_path / "shp", encoding="GBK", cpg=False, zipped=True)


def test_zip_that_is_not_a_zip(tmp_path):
    """A file renamed to .zip (often a .rar) must be reported as not a zip."""
    path = tmp_path / "plots.zip"
    path.write_bytes(b"Rar!\x1a\x07\x00" + b"\x00" * 64)
    with pytest.raises(ReadError, match=r"plots\.zip: not a valid zip file"):
        read_any(path)


def test_truncated_zip(tmp_path):
    """A download cut off half-way loses the zip's central directory."""
    good = _good_zip(tmp_path)
    path = tmp_path / "cut.zip"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ReadError, match=r"cut\.zip: not a valid zip file"):
        read_any(path)


def test_zip_with_corrupt_member(tmp_path):
    """Flipped bytes inside a compressed member (bad CRC or a broken deflate stream) are a ReadError."""
    good = _good_zip(tmp_path)
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo("plots.dbf")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in range(start + 2, start + info.compress_size - 2):
        data[offset] ^= 0x5A
    path = tmp_path / "corrupt.zip"
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError, match=r"corrupt\.zip"):
        read_any(path)


def _patch_zip_member(data: bytes, member: str, *, flag: int | None = None, method: int | None = None) -> bytes:
    """``data`` with the general-purpose flag or compression method of ``member`` rewritten in both headers."""
    patched = bytearray(data)
    name = member.encode()
    for signature, flag_at, method_at, name_at in ((b"PK\x03\x04", 6, 8, 30), (b"PK\x01\x02", 8, 10, 46)):
        start = patched.find(signature)
        while start != -1:
            if patched[start + name_at:start + name_at + len(name)] == name:
                if flag is not None:
                    patched[start + flag_at:start + flag_at + 2] = flag.to_bytes(2, "little")
                if method is not None:
                    patched[start + method_at:start + method_at + 2] = method.to_bytes(2, "little")
            start = patched.find(signature, start + 4)
    return bytes(patched)


@pytest.mark.parametrize(
    ("patch", "expected"),
    [({"flag": 0x0001}, "password-protected"), ({"method": 9}, "compression method")],
    ids=["encrypted", "deflate64"],
)
def test_zip_we_cannot_unpack(tmp_path, patch, expected):
    """Password-protected zips and Windows' Deflate64 zips open but cannot be unpacked; say which."""
    path = tmp_path / "locked.zip"
    path.write_bytes(_patch_zip_member(_good_zip(tmp_path).read_bytes(), "plots.dbf", **patch))
    with pytest.raises(ReadError, match=rf"locked\.zip: .*{expected}"):
        read_any(path)


def test_zip_without_shapefile_lists_its_members(tmp_path):
    """Planners zip the wrong folder; the message must list what the zip does hold."""
    path = tmp_path / "plots.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("说明.txt", "见附件")
        archive.writestr("plots.dbf", b"\x03")
    with pytest.raises(ReadError, match=r"plots\.zip: the zip holds no \.shp file") as caught:
        read_any(path)
    assert "说明.txt" in str(caught.value) and "plots.dbf" in str(caught.value)


def test_zip_with_shapefile_in_a_folder_and_macos_junk(tmp_path):
    """Zips made on a Mac carry __MACOSX/._plots.shp resource forks and a folder; the real .shp is read."""
    shp = write_shapefile(chinese_plots(), tmp_path / "shp", encoding="UTF-8")
    path = tmp_path / "plots.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__MACOSX/地块/._plots.shp", b"\x00\x05\x16\x07")
        for part in sorted(shp.parent.glob("plots.*")):
            archive.write(part, arcname=f"地块/{part.name}")
    raw = read_any(path)
    assert raw.frame["name_zh"].tolist() == CHINESE_NAMES


def test_zip_with_gbk_member_names(tmp_path):
    """Chinese Windows zips 地块.shp with GBK names and no UTF-8 flag; the member must still be found and read."""
    shp = write_shapefile(chinese_plots(), tmp_path / "shp", stem="abcd", encoding="GBK", cpg=False)
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as archive:
        for part in sorted(shp.parent.glob("abcd.*")):
            archive.write(part, arcname=part.name)
    path = tmp_path / "地块.zip"
    path.write_bytes(plain.read_bytes().replace(b"abcd.", "地块.".encode("gbk")))  # same length: 4 bytes
    with zipfile.ZipFile(path) as archive:
        assert not any(info.flag_bits & 0x800 for info in archive.infolist())  # really no UTF-8 flag
    assert read_any(path).frame["name_zh"].tolist() == CHINESE_NAMES


# --- Shapefile encodings ---------------------------------------------------------------------------


def test_zipped_gbk_shapefile_without_cpg_reads_chinese(tmp_path):
    """The commonest real file: ArcGIS on Chinese Windows writes GBK and no .cpg; text must not turn to mojibake."""
    path = write_shapefile(chinese_plots(), tmp_path / "shp", encoding="GBK", cpg=False, zipped=True)
    with zipfile.ZipFile(path) as archive:
        assert not any(n.lower().endswith(".cpg") for n in archive.namelist())
    raw = read_any(path)
    assert raw.frame["name_zh"].tolist() == CHINESE_NAMES
    assert raw.frame["status"].tolist() == ["已盘活", "处置中", "待处置"]
    assert any("gb18030" in note for note in raw.notes)


def test_gbk_shapefile_on_disk_without_cpg_reads_chinese(tmp_path):
    """The same GBK Shapefile opened unzipped (.shp next to its .dbf)."""
    path = write_shapefile(chinese_plots(), tmp_path / "shp", encoding="GBK", cpg=False)
    assert not path.with_suffix(".cpg").exists()
    raw = read_any(path)
    assert raw.frame["name_zh"].tolist() == CHINESE_NAMES
    assert raw.file_crs == "EPSG:4326"


def test_upper_case_gbk_shapefile_without_cpg(tmp_path):
    """Old tools write PLOTS.SHP / PLOTS.DBF; the encoding guess must still find the .DBF."""
    path = write_shapefile(chinese_plots(), tmp_path / "shp", encoding="GBK", cpg=False)
    for part in list(path.parent.glob("plots.*")):
        part.rename(part.with_name("PLOTS" + part.suffix.upper()))
    raw = read_any(path.with_name("PLOTS.SHP"))
    assert raw.frame["name_zh"].tolist() == CHINESE_NAMES


def test_gbk_shapefile_with_chinese_headers_and_ascii_values(tmp_path):
    """Chinese field names in GBK, but only ASCII values: the encoding guess must look at the header too."""
    frame = plots_frame(plot_rows(2)).rename(columns={"plot_id": "地块编号", "status": "状态", "reclaimed_year": "盘活年份"})
    frame = frame.drop(columns=["name_zh"])
    path = write_shapefile(frame, tmp_path / "shp", encoding="GBK", cpg=False, zipped=True)
    raw = read_any(path)
    assert {"地块编号", "状态", "盘活年份"} <= set(raw.frame.columns)
    assert raw.frame["地块编号"].tolist() == ["P1", "P2"]


def test_gb18030_only_characters_read_without_cpg(tmp_path):
    """GB18030 adds characters GBK lacks (rare given-name characters in company names); they must survive."""
    frame = chinese_plots()
    frame["name_zh"] = ["𠮷野家宁波厂", "䶮记厂房", "普通地块"]
    path = write_shapefile(frame, tmp_path / "shp", encoding="GB18030", cpg=False, zipped=True)
    assert read_any(path).frame["name_zh"].tolist() == ["𠮷野家宁波厂", "䶮记厂房", "普通地块"]


@pytest.mark.parametrize("zipped", [False, True], ids=["on-disk", "zipped"])
def test_utf8_shapefile_with_cpg(tmp_path, zipped):
    """QGIS writes UTF-8 and a .cpg saying so; the .cpg wins and nothing is re-guessed."""
    path = write_shapefile(chinese_plots(), tmp_path / "shp", encoding="UTF-8", cpg=True, zipped=zipped)
    raw = read_any(path)
    assert raw.frame["name_zh"].tolist() == CHINESE_NAMES
    assert not any("no .cpg" in note for note in raw.notes)


def test_shapefile_without_prj_declares_no_crs(tmp_path):
    """No .prj means no CRS: the reader must report None so that intake can warn or reject."""
    path = write_shapefile(chinese_plots(), tmp_path / "shp", prj=False, zipped=True)
    assert read_any(path).file_crs is None


def test_geopackage_with_two_layers_reads_the_first_and_says_so(tmp_path):
    """A GeoPackage may hold several layers; reading one silently would hide the others."""
    path = tmp_path / "two.gpkg"
    write_vector(plots_frame(), path, layer="plots")
    write_vector(plots_frame(plot_rows(1)), path, layer="extra", append=False)
    raw = read_any(path)
    assert len(raw.frame) == 3
    assert any("2 layers" in note and "plots" in note for note in raw.notes)


# --- CSV and XLSX ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "lon", "lat", "note"),
    [
        ("utf-8", "lon", "lat", None),
        ("utf-8-sig", "经度", "纬度", None),
        ("gbk", "经度", "纬度", "gb18030"),
        ("gb18030", "Longitude", "LATITUDE", "gb18030"),
    ],
)
def test_csv_with_coordinates_in_every_encoding(tmp_path, encoding, lon, lat, note):
    """Excel on Chinese Windows saves CSV as GBK; Excel's 'CSV UTF-8' adds a BOM; both must read the same."""
    frame = factories_frame()
    frame["name_zh"] = ["宁波<b>绿色</b>工厂", "慈溪家电厂"]
    path = write_csv(with_lonlat(frame, lon, lat), tmp_path / "factories.csv", encoding=encoding)
    raw = read_any(path)
    assert raw.has_geometry
    assert raw.file_crs is None
    assert list(raw.frame.columns[:2]) == ["factory_id", "name_zh"]  # a BOM must not stick to the first header
    assert raw.frame["name_zh"].tolist() == ["宁波<b>绿色</b>工厂", "慈溪家电厂"]
    assert raw.frame.geometry.x.tolist() == pytest.approx(frame.geometry.x.tolist(), abs=1e-7)
    assert raw.frame.geometry.y.tolist() == pytest.approx(frame.geometry.y.tolist(), abs=1e-7)
    assert lon not in raw.frame.columns and lat not in raw.frame.columns
    assert any(note in n for n in raw.notes) if note else raw.notes == []


def test_csv_with_wkt_polygons(tmp_path):
    """Polygons travel in CSV as a WKT column (PostGIS and QGIS exports)."""
    frame = plots_frame()
    path = write_csv(with_wkt(frame, "WKT"), tmp_path / "plots.csv")
    raw = read_any(path)
    assert raw.has_geometry and "WKT" not in raw.frame.columns
    assert shapely.equals_exact(raw.frame.geometry.to_numpy(), frame.geometry.to_numpy(), tolerance=1e-7).all()


def test_csv_with_wkt_and_an_empty_cell(tmp_path):
    """A row without WKT is a row without geometry (intake reports it), not a reader crash."""
    table = with_wkt(plots_frame(), "geometry")
    table.loc[1, "geometry"] = ""
    raw = read_any(write_csv(table, tmp_path / "plots.csv"))
    assert raw.frame.geometry.isna().tolist() == [False, True, False]


def test_csv_with_bad_wkt_names_row_column_and_value(tmp_path):
    """A mistyped WKT must point at the row, the column and the text."""
    table = with_wkt(plots_frame(), "wkt")
    table.loc[2, "wkt"] = "POLYGON ((121.5 29.8, oops))"
    with pytest.raises(ReadError) as caught:
        read_any(write_csv(table, tmp_path / "plots.csv"))
    message = str(caught.value)
    assert "plots.csv" in message and "row 3" in message and "'wkt'" in message and "oops" in message


@pytest.mark.parametrize("column", ["lon", "lat"])
def test_csv_with_non_numeric_coordinate_names_row_column_and_value(tmp_path, column):
    """Degrees-minutes-seconds typed into a lon/lat column must be pointed at, not silently dropped."""
    table = with_lonlat(factories_frame())
    table[column] = table[column].astype(object)
    table.loc[1, column] = "121°33′E"
    with pytest.raises(ReadError) as caught:
        read_any(write_csv(table, tmp_path / "factories.csv"))
    message = str(caught.value)
    assert "factories.csv" in message and "row 2" in message and f"'{column}'" in message and "121°33′E" in message


def test_csv_without_coordinates_is_a_table(tmp_path):
    """Indicator tables have no geometry: the reader says so instead of inventing any."""
    path = write_csv(pd.DataFrame({"区县": ["鄞州区"], "年份": [2024], "亩均税收": [35.2]}), tmp_path / "ind.csv")
    raw = read_any(path)
    assert not raw.has_geometry and not isinstance(raw.frame, gpd.GeoDataFrame)
    assert raw.frame.iloc[0].tolist() == ["鄞州区", "2024", "35.2"]


def test_csv_blank_cells_become_missing(tmp_path):
    """Empty cells are missing values, not empty strings, so 'required' checks see them."""
    path = tmp_path / "f.csv"
    path.write_text(f"factory_id,name_zh,lon,lat\nF1,,{inside(YINZHOU)[0]},{inside(YINZHOU)[1]}\n", encoding="utf-8")
    raw = read_any(path)
    assert pd.isna(raw.frame["name_zh"].iloc[0])


def test_xlsx_with_lon_lat(tmp_path):
    """Excel workbooks from the 经信局 carry factories as lon/lat columns with Chinese headers."""
    frame = factories_frame()
    path = write_xlsx(with_lonlat(frame, "经度", "纬度"), tmp_path / "factories.xlsx")
    raw = read_any(path)
    assert raw.has_geometry
    assert raw.frame["factory_id"].tolist() == ["F1", "F2"]
    assert raw.frame.geometry.x.tolist() == pytest.approx(frame.geometry.x.tolist(), abs=1e-7)
    assert raw.frame.geometry.y.tolist() == pytest.approx(frame.geometry.y.tolist(), abs=1e-7)


def test_xlsx_bytes_that_are_a_csv(tmp_path):
    """A CSV renamed to .xlsx is not a workbook; the error names the file."""
    path = tmp_path / "factories.xlsx"
    buffer = io.StringIO()
    with_lonlat(factories_frame()).to_csv(buffer, index=False)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    with pytest.raises(ReadError, match=r"factories\.xlsx: not a readable Excel file"):
        read_any(path)


# --- uploads held in memory ------------------------------------------------------------------------


def _write_gpkg(frame, path):
    return write_vector(frame, path, layer="plots")


UPLOAD_FORMATS = {
    "plots.geojson": lambda p: write_vector(chinese_plots(), p / "plots.geojson"),
    "plots.gpkg": lambda p: _write_gpkg(chinese_plots(), p / "plots.gpkg"),
    "plots.zip": lambda p: write_shapefile(chinese_plots(), p / "shp", encoding="GBK", cpg=False, zipped=True),
    "plots.csv": lambda p: write_csv(with_wkt(chinese_plots()), p / "plots.csv", encoding="gbk"),
    "plots.xlsx": lambda p: write_xlsx(with_wkt(chinese_plots()), p / "plots.xlsx"),
}


@pytest.fixture
def private_temp(tmp_path, monkeypatch):
    """Python's temporary folder pointed at an empty folder, to see what an upload leaves in it."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize("name", list(UPLOAD_FORMATS))
def test_an_upload_in_memory_reads_as_the_file_does(tmp_path, private_temp, name):
    """st.file_uploader hands over a name and bytes; the caller writes no file and gets what read_any gives."""
    path = UPLOAD_FORMATS[name](tmp_path)
    from_disk = read_any(path)
    uploaded = read_bytes(name, path.read_bytes())
    assert uploaded.frame["name_zh"].tolist() == from_disk.frame["name_zh"].tolist() == CHINESE_NAMES
    assert uploaded.file_crs == from_disk.file_crs
    assert uploaded.notes == from_disk.notes
    assert shapely.equals_exact(uploaded.frame.geometry.to_numpy(), from_disk.frame.geometry.to_numpy(), 1e-12).all()
    assert list(private_temp.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("../../etc/地块.zip", b"Rar!\x1a\x07\x00" + b"\x00" * 64, r"^地块\.zip: not a valid zip file"),
        ("C:\\Users\\规划科\\地块.geojson", b'{"type": "Feature', r"^地块\.geojson: cannot read as a vector file"),
        ("plots.gpkg", b"SQLite format 3\x00" + b"\x00" * 200, r"^plots\.gpkg: cannot read as a vector file"),
        ("plots.csv", b"", r"^plots\.csv: the file is empty$"),
        ("plots.csv", b"plot_id,status\n", r"^plots\.csv: the file holds no rows$"),
        ("plots.kml", b"<kml/>", r"^plots\.kml: unknown format '\.kml'"),
        ("plots.shp", b"\x00\x00\x27\x0a" + b"\x00" * 96, r"^plots\.shp: a Shapefile is several files .* one \.zip$"),
    ],
    ids=["bad-zip-with-folders", "windows-path", "bad-gpkg", "empty", "header-only", "kml", "lone-shp"],
)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_broken_upload_is_named_by_its_file_name_only(private_temp, name, data, message):
    """Messages name the upload as the planner knows it, never a temporary path or the folders sent with it."""
    with pytest.raises(ReadError, match=message) as caught:
        read_bytes(name, data)
    assert str(private_temp) not in str(caught.value)
    assert list(private_temp.iterdir()) == []


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_two_columns_of_one_name_are_refused_naming_both(tmp_path, suffix):
    """pandas reads a second ``factory_id`` as ``factory_id.1``, which was then kept silently as an extra column."""
    table = with_lonlat(factories_frame())
    table.insert(3, "factory_id ", ["X1", "X2"])  # same name once the header is trimmed, as Excel users type it
    table.columns = [c.strip() for c in table.columns]
    path = tmp_path / f"factories.{suffix}"
    write_csv(table, path) if suffix == "csv" else write_xlsx(table, path)
    with pytest.raises(ReadError) as exc:
        read_any(path)
    assert f"factories.{suffix}: columns 1 and 4 are both named 'factory_id'" in str(exc.value)
    assert exc.value.key == "repeated_column"


def test_a_geom_column_in_a_csv_is_data_not_wkt(tmp_path):
    """The README keeps ``geom`` as ``geom_in_file``; it was read as WKT, so lon/lat files with one were refused."""
    table = with_lonlat(factories_frame())
    table["geom"] = ["A-1", "B-2"]
    intake = validate_file(write_csv(table, tmp_path / "factories.csv"), "factories")
    assert intake.frame["geom_in_file"].tolist() == ["A-1", "B-2"]
    assert intake.frame.geometry.geom_type.tolist() == ["Point", "Point"]
