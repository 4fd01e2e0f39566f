"""Who may change what: roles (viewer, editor for districts, admin), the acting user, and the checks the store makes."""

from __future__ import annotations

import getpass
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd

from spaces.errors import AccessError, Problem, ValidationError
from spaces.reference.districts import CITY_ADCODE, DISTRICT_ADCODES


class Role(StrEnum):
    """What a user may do. A user the roles table does not name is a viewer."""

    VIEWER = "viewer"  # reads everything, changes nothing
    EDITOR = "editor"  # imports and updates rows of the districts granted, undoes own changes
    ADMIN = "admin"  # everything: every district, others' changes, roles


class Via(StrEnum):
    """How the acting user reached the store: recorded with every change."""

    CLI = "cli"  # python -m spaces, as the OS user
    DESKTOP = "desktop"  # the app in desktop mode (one user on 127.0.0.1), as the OS user
    WEB = "web"  # the app in server mode, signed in through the identity provider (or anonymous)
    STARTUP = "startup"  # the app making the sample store on its first start, as the OS user running it


ROLE_NAMES = tuple(role.value for role in Role)
# Districts an editor may be granted: the ten districts, and the city for city-wide rows (indicators, allocations).
GRANTABLE = (*DISTRICT_ADCODES, CITY_ADCODE)
# The user column holds an e-mail address or a provider's subject; longer is not a name but an attack.
MAX_USER_LENGTH = 200


@dataclass(frozen=True)
class Actor:
    """The user a change is made for, with what they may do.

    Examples
    --------
    >>> Actor("li@example.org", Role.EDITOR, frozenset({"330206"})).may_edit
    True
    >>> Actor("", Role.VIEWER).shown
    'anonymous'
    """

    user: str
    role: Role
    districts: frozenset[str] = field(default_factory=frozenset)
    via: Via = Via.WEB

    @property
    def may_edit(self) -> bool:
        return self.role in (Role.EDITOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def shown(self) -> str:
        return self.user or "anonymous"


def local_actor(via: Via = Via.CLI) -> Actor:
    """The OS user running the CLI or the desktop app: an admin (they can write the store's file anyway)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (a bare container)
        user = "local"
    return Actor(user, Role.ADMIN, via=via)


ANONYMOUS = Actor("", Role.VIEWER)


def clean_user(user: object) -> str:
    """A user name as stored and compared: trimmed, lower-case, without control or bidi characters.

    Examples
    --------
    >>> clean_user("  Li.Ming@Example.ORG\\u202e ")
    'li.ming@example.org'
    """
    text = "".join(ch for ch in str(user or "") if unicodedata.category(ch)[0] != "C")
    return text.strip().lower()


def parse_districts(values: object) -> frozenset[str]:
    """Districts as stored in the roles table (``330206,330211``) or given as a list; unknown codes refused.

    Examples
    --------
    >>> sorted(parse_districts("330211, 330206"))
    ['330206', '330211']
    """
    if values is None or (pd.api.types.is_scalar(values) and pd.isna(values)):
        return frozenset()
    items = str(values).split(",") if isinstance(values, str) else [str(v) for v in values]
    codes = frozenset(item.strip() for item in items if item.strip())
    if unknown := sorted(codes - set(GRANTABLE)):
        raise AccessError(f"unknown district code(s) {', '.join(unknown)}; known: {', '.join(GRANTABLE)}",
                          key="role_unknown_district", params={"codes": ", ".join(unknown)})
    return codes


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def desktop_mode(requested: str | None, address: str | None) -> bool:
    """Desktop mode (one user, edits as the OS user) only when asked for (``SPACES_MODE=desktop``) AND the server
    listens on this computer alone; any other start is server mode.

    Examples
    --------
    >>> desktop_mode("desktop", "127.0.0.1"), desktop_mode("desktop", ""), desktop_mode(None, "127.0.0.1")
    (True, False, False)
    """
    return (requested or "").strip().lower() == "desktop" and (address or "").strip() in LOOPBACK


def actor_for(identity: dict | None, roles: pd.DataFrame) -> Actor:
    """The actor a signed-in identity (its ``email`` and ``sub`` claims) is, by the roles table; viewer if not named.

    The table is looked up by e-mail first, then by subject: a provider may send either or both.
    """
    if not identity:
        return ANONYMOUS
    names = [clean_user(identity.get(claim)) for claim in ("email", "sub")]
    names = [name for name in names if name]
    if not names:
        return ANONYMOUS
    table = roles.assign(user=roles["user"].map(clean_user)) if len(roles) else roles
    for name in names:
        match = table[table["user"] == name] if len(table) else table
        if len(match):
            row = match.iloc[-1]
            return Actor(name, Role(row["role"]), parse_districts(row["districts"]), Via.WEB)
    return Actor(names[0], Role.VIEWER, via=Via.WEB)


def require_editor(actor: Actor, action: str) -> None:
    """Refuse a viewer any change."""
    if not actor.may_edit:
        raise AccessError(f"{actor.shown} is a viewer and may not {action}; an admin grants roles "
                          "(Data page, or `python -m spaces roles grant`)",
                          key="access_viewer", params={"user": actor.shown})


def require_admin(actor: Actor, action: str) -> None:
    if not actor.is_admin:
        raise AccessError(f"only an admin may {action}; {actor.shown} is {actor.role.value}",
                          key="access_admin_only", params={"user": actor.shown})


def check_rows(actor: Actor, frame: pd.DataFrame, *, file: str, id_columns: tuple[str, ...],
               stored: bool = False) -> None:
    """Refuse an editor rows outside their districts, naming each row (1-based, as in the file), its id and district.

    Admins pass; viewers are refused before any row is looked at. A row with no district is outside every
    editor's districts: only an admin may write it. ``stored``: the rows are the stored ones a change would
    replace (an id of another district's row, or the row a status update changes): named by id, not by row.
    """
    require_editor(actor, "import or update rows")
    if actor.is_admin or not len(frame):
        return
    districts = (frame["district_adcode"] if "district_adcode" in frame.columns
                 else pd.Series([None] * len(frame), index=frame.index))
    codes = districts.map(lambda v: "" if v is None or (pd.api.types.is_scalar(v) and pd.isna(v)) else str(v))
    outside = ~codes.isin(actor.districts).to_numpy()
    if not outside.any():
        return
    granted = ", ".join(sorted(actor.districts)) or "-"
    problems = []
    for position in outside.nonzero()[0]:
        row = frame.iloc[position]
        feature_id = "+".join(str(row[c]) for c in id_columns if c in frame.columns) or None
        if stored:
            key = "stored_outside_districts"
            where = "the row is stored in a district"
        else:
            key = "outside_districts"
            where = "the district is"
        problems.append(Problem("error", file, f"{where} not one of {actor.shown}'s districts ({granted}); "
                                "only an admin may write it",
                                row=None if stored else int(position) + 1, feature_id=feature_id,
                                column="district_adcode", value=codes.iloc[position],
                                key=key, params={"user": actor.shown, "granted": granted}))
    raise ValidationError(file, problems)


def may_undo(actor: Actor, change_user: str) -> bool:
    """Whether ``actor`` may undo a change made by ``change_user``: an admin anyone's, an editor their own."""
    return actor.is_admin or (actor.may_edit and clean_user(change_user) == clean_user(actor.user))


def check_undo(actor: Actor, *, change_user: str, change_districts: frozenset[str], change: str) -> None:
    """An editor undoes only their own changes, inside their districts; an admin undoes anything."""
    require_editor(actor, "undo changes")
    if actor.is_admin:
        return
    if not may_undo(actor, change_user):
        raise AccessError(f"{change} was made by {change_user or 'an unknown user'}; only an admin may undo "
                          "another user's change", key="access_undo_other",
                          params={"change": change, "user": change_user or "?"})
    if not change_districts <= actor.districts:
        raise AccessError(f"{change} touched districts outside {actor.shown}'s; only an admin may undo it",
                          key="access_undo_districts", params={"change": change, "user": actor.shown})


def touched_districts(frame: pd.DataFrame) -> frozenset[str]:
    """The district codes the rows of ``frame`` name (empty ones left out)."""
    if "district_adcode" not in frame.columns:
        return frozenset()
    return frozenset(str(v) for v in frame["district_adcode"].dropna().unique() if str(v))
