"""The store's audit trail and roles table: who changed what, when, from which file; who may change what.

A change's entry is written in the same atomic write as the change. Events that change no data (a sign-in, a
failed one, a refused change) go to a small SQLite file beside the store (:func:`events_path`): written into the
store they would change its version, and every cached layer would be read again after each sign-in.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import pandas as pd

from spaces.errors import AccessError

from .access import MAX_USER_LENGTH, Actor, Role, clean_user, parse_districts

AUDIT_TABLE = "audit_log"
AUDIT_COLUMNS = ("id", "time", "user", "role", "via", "action", "layer", "file", "districts", "change_id", "detail")
ROLES_TABLE = "user_roles"
ROLES_COLUMNS = ("user", "role", "districts", "granted_by", "granted_at")
# Longer texts are cut: a log line names a change, it does not store a file.
MAX_DETAIL = 500


class Action(StrEnum):
    INIT = "init"
    IMPORT = "import"
    STATUS_UPDATE = "status_update"
    UNDO = "undo"
    ROLE_CHANGE = "role_change"
    REFUSED = "refused"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILURE = "sign_in_failure"


_AUDIT_SQL = (f"CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, "
              "user TEXT, role TEXT, via TEXT, action TEXT NOT NULL, layer TEXT, file TEXT, districts TEXT, "
              "change_id INTEGER, detail TEXT)")
_ROLES_SQL = (f"CREATE TABLE IF NOT EXISTS {ROLES_TABLE} (user TEXT PRIMARY KEY, role TEXT NOT NULL, "
              "districts TEXT, granted_by TEXT, granted_at TEXT)")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _register(db: sqlite3.Connection, table: str, description: str) -> None:
    """Listed in gpkg_contents as an attributes table, so the file stays a valid GeoPackage and QGIS shows it."""
    db.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
               "VALUES (?, 'attributes', ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))", (table, table, description))


def _has_table(db: sqlite3.Connection, table: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is not None


def audit_row(actor: Actor, action: Action, *, layer: str = "", file: str = "", districts: frozenset[str] = frozenset(),
              change_id: int | None = None, detail: str = "") -> dict:
    return {"time": now(), "user": actor.shown[:MAX_USER_LENGTH], "role": actor.role.value, "via": actor.via.value,
            "action": action.value, "layer": layer, "file": file, "districts": ",".join(sorted(districts)),
            "change_id": change_id, "detail": detail[:MAX_DETAIL]}


def events_path(store: Path) -> Path:
    """Where the events that change no data are kept: ``spaces.gpkg.events.sqlite`` beside ``spaces.gpkg``."""
    return store.with_name(store.name + ".events.sqlite")


def append_audit(path: Path, rows: list[dict]) -> None:
    """Add ``rows`` to the audit trail of the GeoPackage at ``path`` (the copy a change is written to)."""
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(_AUDIT_SQL)
        _register(db, AUDIT_TABLE, "who changed what, when, from which file")
        _insert(db, rows)


def record_event(store: Path, row: dict, *, once: bool = False) -> None:
    """Add an event that changes no data to the file beside the store; SQLite serialises concurrent writers.
    ``once``: not if the same user already has the same action with the same detail (a sign-in seen again)."""
    with closing(sqlite3.connect(events_path(store), timeout=30)) as db, db:
        db.execute(_AUDIT_SQL)
        if once and db.execute(f"SELECT 1 FROM {AUDIT_TABLE} WHERE action = ? AND user = ? AND detail = ? LIMIT 1",
                               (row["action"], row["user"], row["detail"])).fetchone():
            return
        _insert(db, [row])


def _insert(db: sqlite3.Connection, rows: list[dict]) -> None:
    names = AUDIT_COLUMNS[1:]
    db.executemany(f"INSERT INTO {AUDIT_TABLE} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                   [tuple(row.get(name) for name in names) for row in rows])


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=list(AUDIT_COLUMNS))
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        if not _has_table(db, AUDIT_TABLE):
            return pd.DataFrame(columns=list(AUDIT_COLUMNS))
        return pd.read_sql_query(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM {AUDIT_TABLE} ORDER BY id", db)


def read_audit(store: Path) -> pd.DataFrame:
    """The audit trail, oldest first: the store's changes and the events beside it, by time (``id`` drops out:
    the two files number their entries apart)."""
    parts = [frame for frame in (_read_table(store), _read_table(events_path(store))) if len(frame)]
    if not parts:
        return pd.DataFrame(columns=list(AUDIT_COLUMNS[1:])).astype({"change_id": "Int64"})
    frame = pd.concat(parts, ignore_index=True).drop(columns="id")
    frame = frame.sort_values("time", kind="stable").reset_index(drop=True)
    frame["change_id"] = pd.to_numeric(frame["change_id"]).astype("Int64")
    return frame


def visible_audit(audit: pd.DataFrame, actor: Actor) -> pd.DataFrame:
    """What ``actor`` may read of the trail: an admin all of it, an editor their own entries and their districts'."""
    if actor.is_admin:
        return audit
    if actor.role is not Role.EDITOR:
        return audit.iloc[:0]
    own = audit["user"].map(clean_user) == clean_user(actor.user)
    theirs = audit["districts"].fillna("").map(
        lambda text: bool(text) and set(text.split(",")) <= actor.districts)
    return audit[own | theirs]


def district_of_change(path: Path, change_id: int) -> frozenset[str] | None:
    """The districts the change ``change_id`` touched, as its audit entry says; None without one."""
    audit = _read_table(path)
    match = audit[(audit["change_id"] == change_id) & (audit["action"] != Action.UNDO.value)]
    if not len(match):
        return None
    return frozenset(d for d in str(match.iloc[0]["districts"] or "").split(",") if d)


# -- roles --------------------------------------------------------------------------------------
def read_roles(path: Path) -> pd.DataFrame:
    """The roles table: ``user, role, districts, granted_by, granted_at`` (empty when none was granted)."""
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        if not _has_table(db, ROLES_TABLE):
            return pd.DataFrame(columns=list(ROLES_COLUMNS))
        return pd.read_sql_query(f"SELECT {', '.join(ROLES_COLUMNS)} FROM {ROLES_TABLE} ORDER BY user", db)


def checked_role(user: object, role: object, districts: object) -> tuple[str, Role, frozenset[str]]:
    """A role grant as stored, or :class:`AccessError` naming what is wrong with it."""
    name = clean_user(user)
    if not name or len(name) > MAX_USER_LENGTH:
        raise AccessError(f"a user is an e-mail address or the provider's subject (1 to {MAX_USER_LENGTH} characters),"
                          f" not {str(user)[:40]!r}", key="role_bad_user")
    try:
        role = Role(str(role))
    except ValueError:
        raise AccessError(f"unknown role {str(role)[:40]!r}; one of viewer, editor, admin",
                          key="role_unknown", params={"role": str(role)[:40]}) from None
    codes = parse_districts(districts)
    if role is Role.EDITOR and not codes:
        raise AccessError(f"an editor needs at least one district ({name})", key="role_editor_needs_district")
    return name, role, codes if role is Role.EDITOR else frozenset()


def write_role(path: Path, user: str, role: Role | None, districts: frozenset[str], *, granted_by: str,
               granted_at: str | None = None) -> None:
    """Set (or with ``role`` None remove) the role of ``user`` in the copy at ``path``."""
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(_ROLES_SQL)
        _register(db, ROLES_TABLE, "who may change what: viewer, editor (districts), admin")
        db.execute(f"DELETE FROM {ROLES_TABLE} WHERE user = ?", (user,))
        if role is not None:
            db.execute(f"INSERT INTO {ROLES_TABLE} ({', '.join(ROLES_COLUMNS)}) VALUES (?, ?, ?, ?, ?)",
                       (user, role.value, ",".join(sorted(districts)), granted_by, granted_at or now()))


def copy_tables(source: Path, target: Path) -> None:
    """Carry the roles and the audit trail of ``source`` into the new store ``target`` (an init keeps both)."""
    if not source.exists():
        return
    try:
        roles, audit = read_roles(source), _read_table(source).drop(columns="id")
    except (sqlite3.DatabaseError, OSError):  # a damaged old store: the new one starts without them
        return
    for row in roles.itertuples(index=False):
        write_role(target, row.user, Role(row.role), parse_districts(row.districts), granted_by=row.granted_by or "",
                   granted_at=row.granted_at)
    if len(audit):
        append_audit(target, audit.astype(object).where(audit.notna(), None).to_dict("records"))


class EventLog(logging.Handler):
    """A logging handler that records each message at WARNING or above as ``action`` in the store's events: how a
    failed sign-in, which the web server only logs, reaches the audit trail."""

    def __init__(self, store: Path, action: Action, actor: Actor):
        super().__init__(level=logging.WARNING)
        self.store, self.action, self.actor = Path(store), action, actor

    def emit(self, record: logging.LogRecord) -> None:
        try:
            record_event(self.store, audit_row(self.actor, self.action, detail=record.getMessage()))
        except (sqlite3.Error, OSError):
            self.handleError(record)
