"""The layer store: a GeoPackage written atomically, with history and undo."""

from .access import ANONYMOUS, GRANTABLE, ROLE_NAMES, Actor, Role, Via, actor_for, local_actor
from .audit import AUDIT_COLUMNS, ROLES_COLUMNS, Action, visible_audit
from .base import Store, ValidatedRows, describe_store, dumps, store_name
from .geopackage import GeoPackageStore, open_store
from .history import LOG_COLUMNS, LogEntry, readable_time
from .rows import ChangeCounts, canonical, empty_layer

__all__ = [
    "ANONYMOUS",
    "GRANTABLE",
    "ROLE_NAMES",
    "AUDIT_COLUMNS",
    "ROLES_COLUMNS",
    "Action",
    "Actor",
    "Role",
    "Via",
    "actor_for",
    "local_actor",
    "visible_audit",
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
