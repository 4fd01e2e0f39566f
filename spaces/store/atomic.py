"""Atomic writes of a store file: an exclusive lock, a private copy renamed over the file, stale copies swept."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from glob import escape as glob_escape
from pathlib import Path

STALE_TEMP_SECONDS = 3600
TEMP_SUFFIX = ".tmp.gpkg"


@contextmanager
def locked(path: Path, *, shared: bool = False) -> Iterator[None]:
    """Writers hold the lock exclusively for a whole write; a waiting reader holds it shared."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def transaction(path: Path, *, start_empty: bool = False) -> Iterator[Path]:
    """A private copy of the store at ``path`` to change; renamed over the store when the block succeeds."""
    remove_stale_temporaries(path)
    temporary = path.with_name(f".{path.stem}.{uuid.uuid4().hex}{TEMP_SUFFIX}")
    try:
        if not start_empty and path.exists():
            # In the kernel (sendfile): at a million plots the copy is most of an in-place write.
            shutil.copyfile(path, temporary)
        yield temporary
        if path.exists():  # keep the store's permissions: a shared store is often group-writable
            shutil.copymode(path, temporary)
        with open(temporary, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)


def remove_stale_temporaries(path: Path) -> None:
    """Delete the copies of the store at ``path`` that writers left over :data:`STALE_TEMP_SECONDS` ago."""
    # Left by a writer that was killed mid-write (with SQLite's journal beside them); the
    # store itself was never touched. Only this store's names: another store may share the folder.
    own = re.compile(rf"\.{re.escape(path.stem)}\.[0-9a-f]{{32}}{re.escape(TEMP_SUFFIX)}(-journal|-wal|-shm)?")
    for leftover in path.parent.glob(f".{glob_escape(path.stem)}.*{TEMP_SUFFIX}*"):
        if not own.fullmatch(leftover.name):
            continue
        try:
            age = time.time() - leftover.stat().st_mtime
        except FileNotFoundError:
            continue
        if age > STALE_TEMP_SECONDS:
            leftover.unlink(missing_ok=True)
