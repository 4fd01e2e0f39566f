"""Where the package finds its reference data and its default store."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
GEODATA_DIR = PROJECT_DIR / "geodata"
# Served at app/static/ when server.enableStaticServing is on (the folder beside streamlit_app.py).
STATIC_DIR = PROJECT_DIR / "static"
DEFAULT_STORE = PROJECT_DIR / "data" / "spaces.gpkg"


def default_store_location() -> str:
    """``$SPACES_STORE`` if set, else ``data/spaces.gpkg`` in the project."""
    return os.environ.get("SPACES_STORE") or str(DEFAULT_STORE)
