"""Atomic writes of a store file: an exclusive lock, a private copy renamed over the file, dead writers' copies swept."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from glob import escape as glob_escape
from pathlib import Path

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
    """A private copy of the store at ``path`` to change; renamed over the store when the block succeeds.

    Called with the lock held, so every other copy beside the store belongs to a writer that died.
    """
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
    """Delete the copies of the store at ``path`` that dead writers left (call with the lock held).

    Every writer holds the exclusive lock from its copy to its rename, so whoever holds it now is the only
    writer: whatever copies are there are a killed writer's (with SQLite's journal beside them), each the
    size of the store. Only this store's names: another store may share the folder.
    """
    own = re.compile(rf"\.{re.escape(path.stem)}\.[0-9a-f]{{32}}{re.escape(TEMP_SUFFIX)}(-journal|-wal|-shm)?")
    for leftover in path.parent.glob(f".{glob_escape(path.stem)}.*{TEMP_SUFFIX}*"):
        if own.fullmatch(leftover.name):
            leftover.unlink(missing_ok=True)


def sweep_when_idle(path: Path) -> None:
    """At start: remove dead writers' copies if no one is writing the store now; never waits, never fails.

    A folder where no writer ever ran, or one this process cannot write, is left alone.
    """
    lock_path = path.with_name(path.name + ".lock")
    # Every writer makes the lock file first: without one no writer ever ran here, and none is made for a read.
    if not lock_path.exists() or not os.access(path.parent, os.W_OK):
        return
    try:
        with open(lock_path) as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # a writer is at work: its copy is alive; the next write sweeps
                return
            try:
                remove_stale_temporaries(path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    except OSError:
        return
