"""Limits on what an upload may be: its size and rows, for a zip its members, unpacked size and compression,
vertices per feature."""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass

from spaces.errors import ReadError

MB = 1 << 20
# Environment variables (whole or decimal megabytes / counts) and their defaults.
UPLOAD_MB_VARIABLE = "SPACES_MAX_UPLOAD_MB"
UNZIPPED_MB_VARIABLE = "SPACES_MAX_UNZIPPED_MB"
ZIP_MEMBERS_VARIABLE = "SPACES_MAX_ZIP_MEMBERS"
ZIP_RATIO_VARIABLE = "SPACES_MAX_ZIP_RATIO"
VERTICES_VARIABLE = "SPACES_MAX_VERTICES"
UPLOAD_ROWS_VARIABLE = "SPACES_MAX_UPLOAD_ROWS"
REPAIR_SECONDS_VARIABLE = "SPACES_REPAIR_SECONDS"
# Text costs memory too: a 200 MB CSV of 200,000 plots with a long remark each peaked at 1.1 GB (its text
# held as read, as validated and pickled in the Data page's cache); 93 MB of it, 0.57 GB.
DEFAULT_UPLOAD_MB = 100
DEFAULT_UNZIPPED_MB = 1024
DEFAULT_ZIP_MEMBERS = 200
# Deflate packs at most about 1030:1, which zip bombs (runs of zeros) reach; real DBFs of mostly empty,
# space-padded text fields reach about 200:1 (measured: 15 empty 80-character fields, 184:1), plots ~30:1.
DEFAULT_ZIP_RATIO = 500.0
# Repairing a self-crossing ring costs far more than linear time (20k vertices: a minute in make_valid);
# surveyed plots have tens to a few thousand vertices, so a feature over this is refused before repair.
DEFAULT_VERTICES = 10_000
# Checking an upload costs about 2 KB of memory per row whatever its format (shapely geometries, the columns
# as read and as validated, district assignment; benchmarks/upload_memory.py), so rows, not megabytes, bound
# it: 200,000 rows peak near 0.4 GB, seven uploads at once 2.8 GB. Counted before the rows are read.
DEFAULT_UPLOAD_ROWS = 200_000
# Crossings, not vertices, make a repair's cost (100 random vertices: 2.6 s): every repair has this budget.
DEFAULT_REPAIR_SECONDS = 5.0
# Small members may pack at any ratio and cannot hurt; only members larger than this are held to it.
RATIO_CHECKED_ABOVE = 1 * MB
DRIVE_LETTER = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Limits:
    """What an uploaded file may be.

    ``max_upload_bytes`` and ``max_upload_rows`` apply to uploads (:func:`spaces.intake.readers.read_bytes`),
    not to files a planner imports from disk with the CLI; the zip limits apply to every zip.
    """

    max_upload_bytes: int = DEFAULT_UPLOAD_MB * MB
    max_unzipped_bytes: int = DEFAULT_UNZIPPED_MB * MB
    max_zip_members: int = DEFAULT_ZIP_MEMBERS
    max_compression_ratio: float = DEFAULT_ZIP_RATIO
    max_vertices: int = DEFAULT_VERTICES
    max_upload_rows: int = DEFAULT_UPLOAD_ROWS
    repair_seconds: float = DEFAULT_REPAIR_SECONDS


def current_limits() -> Limits:
    """The limits in force: the defaults, each overridden by its environment variable when set.

    Examples
    --------
    >>> import os
    >>> os.environ["SPACES_MAX_UPLOAD_MB"] = "50"
    >>> current_limits().max_upload_bytes == 50 * MB
    True
    >>> del os.environ["SPACES_MAX_UPLOAD_MB"]
    """
    return Limits(
        max_upload_bytes=round(_setting(UPLOAD_MB_VARIABLE, DEFAULT_UPLOAD_MB) * MB),
        max_unzipped_bytes=round(_setting(UNZIPPED_MB_VARIABLE, DEFAULT_UNZIPPED_MB) * MB),
        max_zip_members=round(_setting(ZIP_MEMBERS_VARIABLE, DEFAULT_ZIP_MEMBERS)),
        max_compression_ratio=_setting(ZIP_RATIO_VARIABLE, DEFAULT_ZIP_RATIO),
        max_vertices=round(_setting(VERTICES_VARIABLE, DEFAULT_VERTICES)),
        max_upload_rows=round(_setting(UPLOAD_ROWS_VARIABLE, DEFAULT_UPLOAD_ROWS)),
        repair_seconds=_setting(REPAIR_SECONDS_VARIABLE, DEFAULT_REPAIR_SECONDS),
    )


def _setting(variable: str, default: float) -> float:
    text = os.environ.get(variable, "").strip()
    if not text:
        return float(default)
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    # A typo must not silently lift a limit (nan, inf) nor block every file (0 or negative).
    if not (0 < value < float("inf")):
        raise ReadError(f"${variable} must be a positive number, got {text!r} (default {default:g})")
    return value


def megabytes(size: int) -> str:
    """``size`` bytes for a message: ``'201.3 MB'``."""
    return f"{size / MB:.1f} MB"


def check_upload_size(name: str, size: int, limits: Limits) -> None:
    """Raise :class:`ReadError` naming the file, its size and the limit when ``size`` is over it."""
    if size > limits.max_upload_bytes:
        raise ReadError(f"{name}: the file is {megabytes(size)}, more than the upload limit of "
                        f"{megabytes(limits.max_upload_bytes)} (set ${UPLOAD_MB_VARIABLE} to change it)")


def check_upload_rows(name: str, rows: int | None, limit: int) -> None:
    """Raise :class:`ReadError` naming the file, its rows and the limit when ``rows`` is over ``limit``.

    ``rows`` None: the file was found to hold more than ``limit`` rows without counting them all.

    Examples
    --------
    >>> check_upload_rows("地块.csv", 200_000, 200_000)  # exactly at the limit is allowed
    >>> check_upload_rows("地块.csv", 250_000, 200_000)
    Traceback (most recent call last):
    ...
    spaces.errors.ReadError: 地块.csv: the file holds 250,000 rows, more than the upload limit of 200,000 \
rows (set $SPACES_MAX_UPLOAD_ROWS to change it, or import the file with the command line)
    """
    if rows is not None and rows <= limit:
        return
    params = {"file": name, "limit": f"{limit:,}", "variable": UPLOAD_ROWS_VARIABLE}
    tail = f"the upload limit of {limit:,} rows (set ${UPLOAD_ROWS_VARIABLE} to change it, or import the file " \
           "with the command line)"
    if rows is None:
        raise ReadError(f"{name}: the file holds more rows than {tail}", key="upload_rows_over", params=params)
    raise ReadError(f"{name}: the file holds {rows:,} rows, more than {tail}", key="upload_rows",
                    params={**params, "rows": f"{rows:,}"})


def check_zip(name: str, archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a zip with unsafe member paths, too many members, too much unpacked data or a bomb's ratio.

    The sizes are those of the central directory; both Python's zipfile and GDAL's /vsizip/ stop
    unpacking a member at its declared size, so a zip cannot smuggle more past this check.
    """
    members = archive.infolist()
    for info in members:
        if unsafe_member_path(info.filename):
            raise ReadError(f"{name}: the zip member {info.filename!r} points outside the zip "
                            "(an absolute path, a drive letter or '..'); such zips are refused")
    if len(members) > limits.max_zip_members:
        raise ReadError(f"{name}: the zip holds {len(members)} members, more than the limit of "
                        f"{limits.max_zip_members} (set ${ZIP_MEMBERS_VARIABLE} to change it)")
    unpacked = sum(info.file_size for info in members)
    if unpacked > limits.max_unzipped_bytes:
        raise ReadError(f"{name}: the zip unpacks to {megabytes(unpacked)}, more than the limit of "
                        f"{megabytes(limits.max_unzipped_bytes)} (set ${UNZIPPED_MB_VARIABLE} to change it)")
    for info in members:
        if info.file_size <= RATIO_CHECKED_ABOVE:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise ReadError(f"{name}: the zip member {info.filename!r} unpacks {ratio:.0f} times its packed size "
                            f"({megabytes(info.file_size)}), more than the limit of "
                            f"{limits.max_compression_ratio:g}:1 for a zip bomb (set ${ZIP_RATIO_VARIABLE} to change it)")


def unsafe_member_path(member: str) -> bool:
    """True for member names that would land outside a folder they were unpacked into.

    Examples
    --------
    >>> [unsafe_member_path(m) for m in ["地块/plots.shp", "../plots.shp", "/etc/passwd", "C:plots.shp", "a\\\\..\\\\b"]]
    [False, True, True, True, True]
    """
    path = member.replace("\\", "/")
    if path.startswith("/") or DRIVE_LETTER.match(path):
        return True
    return ".." in path.split("/")
