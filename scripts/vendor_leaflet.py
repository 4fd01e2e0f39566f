"""Fetch Leaflet from the npm registry into static/vendor/leaflet/ (git-ignored), for offline maps.

Run by ``make`` (the install step) and safe to run again: it does nothing when the pinned version is
already there. The tarball is checked against the pinned sha512 before anything is copied, and the
folder is replaced whole, so an interrupted run never leaves half a Leaflet behind.

    python scripts/vendor_leaflet.py            # fetch if missing or another version
    python scripts/vendor_leaflet.py --force    # fetch again

What lands in static/vendor/leaflet/: leaflet.js, leaflet.css, images/*.png, LICENSE and VERSION.
Streamlit serves it at /app/static/vendor/leaflet/ when ``server.enableStaticServing`` is on;
``spaces.exports.html_map`` inlines it into standalone HTML maps. The version is folium 0.20's Leaflet.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "leaflet"
VERSION = "1.9.3"
# `npm pack leaflet@1.9.3 --json` -> integrity; a different tarball is refused.
INTEGRITY = "sha512-iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ=="
DESTINATION = Path(__file__).resolve().parent.parent / "static" / "vendor" / "leaflet"
FILES = ("dist/leaflet.js", "dist/leaflet.css", "LICENSE")
IMAGES = "dist/images"


class VendorError(Exception):
    """The package could not be fetched, verified or unpacked."""


def is_current(destination: Path = DESTINATION) -> bool:
    """True when ``destination`` holds this script's pinned Leaflet."""
    stamp = destination / "VERSION"
    wanted = [destination / Path(name).name for name in FILES]
    return (stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == f"{VERSION} {INTEGRITY}"
            and all(path.is_file() for path in wanted) and (destination / "images").is_dir())


def _npm_pack(workdir: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise VendorError("npm was not found: install Node.js and npm (Debian: apt-get install npm), then run "
                          "`python scripts/vendor_leaflet.py` again")
    spec = f"{PACKAGE}@{VERSION}"
    result = subprocess.run([npm, "pack", spec, "--json", "--pack-destination", str(workdir)],
                            cwd=workdir, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise VendorError(f"`npm pack {spec}` failed (exit {result.returncode}):\n{result.stderr.strip()}")
    try:
        filename = json.loads(result.stdout)[0]["filename"]
    except (ValueError, LookupError) as error:
        raise VendorError(f"`npm pack {spec}` printed no tarball name: {result.stdout[:300]!r}") from error
    return workdir / filename


def _verify(tarball: Path) -> None:
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode("ascii")
    if digest != INTEGRITY:
        raise VendorError(f"{tarball.name}: integrity {digest} is not the pinned {INTEGRITY}")


def _unpack(tarball: Path, staging: Path) -> None:
    unpacked = staging.parent / "unpacked"
    with tarfile.open(tarball) as archive:
        archive.extractall(unpacked, filter="data")
    package = unpacked / "package"
    staging.mkdir()
    for name in FILES:
        source = package / name
        if not source.is_file():
            raise VendorError(f"{tarball.name} has no {name}")
        shutil.copy2(source, staging / source.name)
    images = package / IMAGES
    if not images.is_dir():
        raise VendorError(f"{tarball.name} has no {IMAGES}/")
    shutil.copytree(images, staging / "images")
    (staging / "VERSION").write_text(f"{VERSION} {INTEGRITY}\n", encoding="utf-8")


def vendor(destination: Path = DESTINATION, *, force: bool = False) -> bool:
    """Put the pinned Leaflet into ``destination``; False when it was already there."""
    if not force and is_current(destination):
        return False
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".leaflet-") as tmp:
        workdir = Path(tmp)
        tarball = _npm_pack(workdir)
        _verify(tarball)
        staging = workdir / "leaflet"
        _unpack(tarball, staging)
        if destination.exists():
            old = workdir / "old"
            destination.rename(old)
        staging.rename(destination)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="fetch again even when the pinned version is there")
    args = parser.parse_args(argv)
    try:
        fetched = vendor(force=args.force)
    except (VendorError, OSError, tarfile.TarError) as error:
        print(f"error: vendoring {PACKAGE}@{VERSION} into {DESTINATION}: {error}", file=sys.stderr)
        return 1
    state = "fetched" if fetched else "already present"
    print(f"{PACKAGE}@{VERSION} {state} in {DESTINATION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
