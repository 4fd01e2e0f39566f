"""The layer store: a GeoPackage written atomically, with history and undo."""

from .base import Store, ValidatedRows, describe_store, dumps, store_name
from .geopackage import GeoPackageStore, open_store
from .history import LOG_COLUMNS, LogEntry, readable_time
from .rows import ChangeCounts, canonical, empty_layer

__all__ = [
    "LOG_COLUMNS",
    "ChangeCounts",
    "GeoPackageStore",
    "LogEntry",
    "Store",
    "ValidatedRows",
    "canonical",
    "describe_store",
    "dumps",
    "empty_layer",
    "open_store",
    "readable_time",
    "store_name",
]
