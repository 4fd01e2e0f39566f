"""Tests for spaces.intake.limits: upload size, zip members, unpacked size, zip bombs and paths out of the zip."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from fixtures_intake import (
    plot_rows,
    plots_frame,
    with_wkt,
    write_csv,
    write_shapefile,
    write_vector,
    write_xlsx,
)

from spaces.errors import ReadError
from spaces.intake import readers
from spaces.intake.limits import MB, Limits, check_upload_size, current_limits, unsafe_member_path
from spaces.intake.readers import read_any, read_bytes
from spaces.intake.upload import check_upload, problem_text

LIMIT_VARIABLES = ("SPACES_MAX_UPLOAD_MB", "SPACES_MAX_UNZIPPED_MB", "SPACES_MAX_ZIP_MEMBERS", "SPACES_MAX_ZIP_RATIO")


@pytest.fixture(autouse=True)
def default_environment(monkeypatch):
    """Every test starts from the defaults, whatever the shell running the tests has set."""
    for variable in LIMIT_VARIABLES:
        monkeypatch.delenv(variable, raising=False)


def shapefile_zip(folder: Path, *, extra: dict[str, bytes] | None = None, prefix: str = "",
                  compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A valid zipped plots Shapefile, its members under ``prefix``, plus ``extra`` members."""
    shp = write_shapefile(plots_frame(), folder / "shp")
    path = folder / "plots.zip"
    with zipfile.ZipFile(path, "w", compression) as archive:
        for part in sorted(shp.parent.glob("plots.*")):
            archive.write(part, arcname=prefix + part.name)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


# --- settings -------------------------------------------------------------------------------------------


def test_defaults():
    limits = current_limits()
    assert limits == Limits()
    assert (limits.max_upload_bytes, limits.max_unzipped_bytes) == (100 * MB, 1024 * MB)
    assert (limits.max_zip_members, limits.max_compression_ratio) == (200, 500)


def test_environment_overrides_every_limit(monkeypatch):
    for variable, value in zip(LIMIT_VARIABLES, ("50", "2.5", "12", "80"), strict=True):
        monkeypatch.setenv(variable, value)
    assert current_limits() == Limits(max_upload_bytes=50 * MB, max_unzipped_bytes=round(2.5 * MB),
                                      max_zip_members=12, max_compression_ratio=80)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "inf", "nan", "200MB"])
def test_a_mistyped_setting_is_refused_not_ignored(monkeypatch, value):
    """A typo must neither lift the limit (inf, nan) nor block every upload (0) without a word."""
    monkeypatch.setenv("SPACES_MAX_UPLOAD_MB", value)
    with pytest.raises(ReadError, match=rf"\$SPACES_MAX_UPLOAD_MB must be a positive number, got '{re.escape(value)}'"):
        current_limits()


def test_upload_size_message_names_file_size_and_limit():
    with pytest.raises(ReadError) as caught:
        check_upload_size("地块.zip", 101 * MB + MB // 2, Limits())
    assert str(caught.value) == ("地块.zip: the file is 101.5 MB, more than the upload limit of 100.0 MB "
                                 "(set $SPACES_MAX_UPLOAD_MB to change it)")
    check_upload_size("地块.zip", 100 * MB, Limits())  # exactly at the limit is allowed


def test_upload_limit_from_the_environment_applies_to_read_bytes(monkeypatch):
    data = b"factory_id,lon,lat\n" + b"F1,121.55,29.87\n" * 200  # 3.2 kB
    assert len(read_bytes("f.csv", data).frame) == 200
    monkeypatch.setenv("SPACES_MAX_UPLOAD_MB", "0.002")  # 2 kB
    with pytest.raises(ReadError, match=r"f\.csv: the file is 0\.0 MB, more than the upload limit of 0\.0 MB"):
        read_bytes("f.csv", data)


def test_upload_limit_does_not_apply_to_files_on_disk(tmp_path, monkeypatch):
    """The CLI imports city-wide files from disk; only uploads through the app are capped."""
    path = tmp_path / "f.csv"
    path.write_bytes(b"factory_id,lon,lat\n" + b"F1,121.55,29.87\n" * 200)
    monkeypatch.setenv("SPACES_MAX_UPLOAD_MB", "0.001")
    assert len(read_any(path).frame) == 200


# --- member paths ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "unsafe"),
    [
        ("plots.shp", False),
        ("地块/plots.shp", False),
        ("a..b/plots..shp", False),  # dots inside a name are not a parent folder
        ("../plots.shp", True),
        ("shp/../../etc/cron.d/x", True),
        ("/etc/passwd", True),
        ("\\\\server\\share\\plots.shp", True),
        ("C:/Windows/plots.shp", True),
        ("c:plots.shp", True),
        ("shp\\..\\..\\plots.shp", True),
    ],
)
def test_unsafe_member_paths(member, unsafe):
    assert unsafe_member_path(member) is unsafe


@pytest.mark.parametrize("member", ["../evil.txt", "/tmp/evil.txt", "C:\\evil.txt", "shp/../../evil.txt"])
@pytest.mark.parametrize("how", ["path", "bytes"])
def test_zip_with_a_path_out_of_it_is_refused(tmp_path, member, how):
    """Even though nothing is unpacked, a zip built to escape a folder is hostile: refuse it whole."""
    path = shapefile_zip(tmp_path, extra={member: b"x"})
    with pytest.raises(ReadError, match=r"plots\.zip: the zip member .* points outside the zip") as caught:
        read_any(path) if how == "path" else read_bytes("plots.zip", path.read_bytes())
    assert member in str(caught.value) or repr(member)[1:-1] in str(caught.value)


# --- counts, sizes and bombs ----------------------------------------------------------------------------


def test_zip_with_too_many_members(tmp_path):
    path = shapefile_zip(tmp_path, extra={f"notes/{n}.txt": b"x" for n in range(10)})
    assert len(read_any(path, limits=Limits(max_zip_members=15)).frame) == 3  # 5 Shapefile parts + 10
    with pytest.raises(ReadError, match=r"plots\.zip: the zip holds 15 members, more than the limit of 14"):
        read_any(path, limits=Limits(max_zip_members=14))


def test_zip_unpacking_to_more_than_the_limit(tmp_path):
    path = shapefile_zip(tmp_path, extra={"padding.bin": bytes(3 * MB)})
    with pytest.raises(ReadError, match=r"plots\.zip: the zip unpacks to 3\.0 MB, more than the limit of 2\.0 MB"):
        read_any(path, limits=Limits(max_unzipped_bytes=2 * MB))


def test_zip_bomb_is_refused_by_its_ratio(tmp_path):
    """8 MB of zeros pack to about 8 kB (1000:1): refused before GDAL or Python unpacks a byte of it."""
    path = shapefile_zip(tmp_path, extra={"plots_bomb.dbf": bytes(8 * MB)})
    with pytest.raises(ReadError, match=r"plots_bomb\.dbf' unpacks \d+ times its packed size .* 500:1"):
        read_any(path)


def test_small_members_may_pack_at_any_ratio(tmp_path):
    """A .prj or a tiny DBF of blanks packs at hundreds to one; below 1 MB the ratio is not checked."""
    path = shapefile_zip(tmp_path, extra={"readme.txt": bytes(MB)})
    assert len(read_any(path).frame) == 3


def test_a_real_zipped_shapefile_passes_the_default_limits(tmp_path):
    """The limits must not stop the files planners send: a plain zipped Shapefile reads as before."""
    path = shapefile_zip(tmp_path, prefix="地块/")
    assert len(read_any(path).frame) == 3
    assert len(read_bytes("plots.zip", path.read_bytes()).frame) == 3


# --- rows of an upload (memory: about 2 KB a row, benchmarks/upload_memory.py) --------------------------


def plots_file(folder: Path, kind: str, rows: int, *, quoted_breaks: bool = False) -> Path:
    """``rows`` valid plots as ``kind``; ``quoted_breaks``: names with a line break inside quotes."""
    frame = plots_frame(plot_rows(rows))
    if quoted_breaks:
        frame["name_zh"] = [f"地块\n{n}" for n in range(rows)]
    if kind == "csv":
        return write_csv(with_wkt(frame), folder / "地块.csv")
    if kind == "xlsx":
        return write_xlsx(with_wkt(frame), folder / "地块.xlsx")
    if kind in ("geojson", "gpkg"):
        return write_vector(frame, folder / f"地块.{kind}")
    return write_shapefile(frame, folder / "shp", zipped=True)


KINDS = ["csv", "xlsx", "geojson", "gpkg", "shp-zip"]


@pytest.fixture
def no_row_limit_set(monkeypatch):
    monkeypatch.delenv("SPACES_MAX_UPLOAD_ROWS", raising=False)


def test_row_limit_default_and_setting(no_row_limit_set, monkeypatch):
    assert current_limits().max_upload_rows == Limits().max_upload_rows == 200_000
    monkeypatch.setenv("SPACES_MAX_UPLOAD_ROWS", "5")
    assert current_limits().max_upload_rows == 5
    monkeypatch.setenv("SPACES_MAX_UPLOAD_ROWS", "lots")
    with pytest.raises(ReadError, match=r"\$SPACES_MAX_UPLOAD_ROWS must be a positive number, got 'lots'"):
        current_limits()


@pytest.mark.parametrize("kind", KINDS)
def test_an_upload_over_the_row_limit_is_refused_naming_file_rows_limit_and_setting(tmp_path, monkeypatch, kind):
    path = plots_file(tmp_path, kind, 6)
    monkeypatch.setenv("SPACES_MAX_UPLOAD_ROWS", "6")  # exactly at the limit is allowed
    assert check_upload(path.name, path.read_bytes(), layer="plots", crs=None).ok
    monkeypatch.setenv("SPACES_MAX_UPLOAD_ROWS", "5")
    check = check_upload(path.name, path.read_bytes(), layer="plots", crs=None)
    assert check.intake is None  # no confirm button, nothing to write
    [problem] = check.problems
    assert problem.message == (f"{path.name}: the file holds 6 rows, more than the upload limit of 5 rows (set "
                               "$SPACES_MAX_UPLOAD_ROWS to change it, or import the file with the command line)")
    assert problem_text(problem, "zh") == (f"{path.name}：文件有 6 行，超过上传上限 5 行（可用环境变量 "
                                           "$SPACES_MAX_UPLOAD_ROWS 调整，或用命令行导入该文件）")
    assert problem.key == "upload_rows"  # a sheet is read one row past the limit, then its recorded size counts


def test_a_sheet_without_its_size_is_refused_without_a_count(tmp_path, monkeypatch):
    path = plots_file(tmp_path, "xlsx", 6)
    monkeypatch.setattr(readers, "_sheet_rows", lambda data: 0)  # a writer that records no <dimension>
    with pytest.raises(ReadError) as caught:
        read_bytes(path.name, path.read_bytes(), limits=Limits(max_upload_rows=5))
    assert str(caught.value) == (f"{path.name}: the file holds more rows than the upload limit of 5 rows (set "
                                 "$SPACES_MAX_UPLOAD_ROWS to change it, or import the file with the command line)")
    assert caught.value.key == "upload_rows_over"


def test_csv_rows_are_rows_not_lines(tmp_path):
    """Line breaks inside quoted names make more lines than rows: 6 rows of 13 lines are within a limit of 6."""
    path = plots_file(tmp_path, "csv", 6, quoted_breaks=True)
    assert len(read_bytes(path.name, path.read_bytes(), limits=Limits(max_upload_rows=6)).frame) == 6
    with pytest.raises(ReadError, match="holds 6 rows, more than the upload limit of 5 rows"):
        read_bytes(path.name, path.read_bytes(), limits=Limits(max_upload_rows=5))


def test_gbk_csv_over_the_row_limit_is_counted_in_its_encoding(tmp_path):
    table = with_wkt(plots_frame(plot_rows(6)))
    table["name_zh"] = "镇海炼化北侧地块"
    path = write_csv(table, tmp_path / "地块.csv", encoding="gbk")
    with pytest.raises(ReadError, match="holds 6 rows, more than the upload limit of 5 rows"):
        read_bytes(path.name, path.read_bytes(), limits=Limits(max_upload_rows=5))


@pytest.mark.parametrize("kind", KINDS)
def test_no_frame_over_the_row_limit_is_built_while_refusing(tmp_path, monkeypatch, kind):
    """The memory an upload takes is bounded by the limit: no reader returns more than one row over it
    (a CSV is counted in chunks of one column; a vector layer is refused by its feature count, unread)."""
    built = []

    class Chunks:
        """pandas' chunked reader, noting each chunk's size."""

        def __init__(self, reader):
            self.reader = reader

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.reader.close()

        def __iter__(self):
            for chunk in self.reader:
                built.append((len(chunk), len(chunk.columns)))
                yield chunk

    def spy(function):
        def wrapped(*args, **kwargs):
            result = function(*args, **kwargs)
            if not isinstance(result, pd.DataFrame):
                return Chunks(result)
            built.append((len(result), len(result.columns)))
            return result
        return wrapped

    for name, function in (("read_csv", pd.read_csv), ("read_excel", pd.read_excel)):
        monkeypatch.setattr(readers.pd, name, spy(function))
    monkeypatch.setattr(readers.pyogrio, "read_dataframe", spy(pyogrio.read_dataframe))
    monkeypatch.setattr(readers, "COUNT_CHUNK", 4)
    path = plots_file(tmp_path, kind, 40)
    with pytest.raises(ReadError, match="more than the upload limit of 5 rows"):
        read_bytes(path.name, path.read_bytes(), limits=Limits(max_upload_rows=5))
    assert built and all(rows <= 6 for rows, _ in built) if kind in ("csv", "xlsx") else built == []


def test_row_limit_does_not_apply_to_files_on_disk(tmp_path, monkeypatch):
    """The CLI imports city-wide files from disk; only uploads through the app are capped."""
    path = plots_file(tmp_path, "csv", 6)
    monkeypatch.setenv("SPACES_MAX_UPLOAD_ROWS", "5")
    assert len(read_any(path).frame) == 6


def test_streamlit_lets_through_what_the_upload_limit_allows_and_no_more():
    """Streamlit refuses a larger file before the app's own check; the two must say the same number."""
    import tomllib

    config = tomllib.loads((Path(__file__).parents[2] / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["maxUploadSize"] * MB == Limits().max_upload_bytes
