"""Exceptions that carry the offending file, row, column and value."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


class Choices(tuple):
    """Alternatives in a message's params: ``A or B`` in English; a format spec gives another joining word.

    Examples
    --------
    >>> "try {c}; 试试 {c:或}".format(c=Choices(["EPSG:4549", "EPSG:4550"]))
    'try EPSG:4549 or EPSG:4550; 试试 EPSG:4549或EPSG:4550'
    """

    def __format__(self, joiner: str) -> str:
        return (joiner or " or ").join(map(str, self))

    def __str__(self) -> str:
        return format(self)


@dataclass(frozen=True)
class Problem:
    """One finding about one value of an input file.

    ``row`` is the 1-based data row as a planner counts it in the file (header excluded);
    ``feature_id`` is the row's id when it has one. ``message`` is English (the CLI prints it); ``key``
    and ``params`` name the same text in the catalogue, ``problem_<key>`` in geodata/ui_text.toml, so
    the app can show it in Chinese (:func:`spaces.intake.upload.problem_text`). A problem without a key is shown
    as its message.
    """

    severity: str  # "error" or "warning"
    file: str
    message: str
    row: int | None = None
    feature_id: str | None = None
    column: str | None = None
    value: str | None = None
    key: str | None = None
    params: dict = field(default_factory=dict, hash=False)

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.feature_id is not None:
            where.append(f"id {self.feature_id!r}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        return f"{self.severity}: {', '.join(where)}: {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


class SpacesError(Exception):
    """Base class of every error this package raises on purpose."""


class ValidationError(SpacesError):
    """A file was rejected; ``problems`` lists every error (and the warnings found on the way)."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        shown = "\n".join(f"  {p}" for p in errors[:20])
        more = f"\n  … and {len(errors) - 20} more" if len(errors) > 20 else ""
        noun = "error" if len(errors) == 1 else "errors"  # errors.py imports nothing of spaces (i18n.counted)
        super().__init__(f"{file}: {len(errors)} {noun}; nothing was written.\n{shown}{more}")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class ReadError(SpacesError):
    """A file cannot be read at all (missing, unreadable, empty, unknown format).

    ``key`` and ``params`` name the message in the text catalogue, as :class:`Problem`'s do.
    """

    def __init__(self, message: str, *, key: str | None = None, params: dict | None = None):
        super().__init__(message)
        self.key = key
        self.params = dict(params or {})


class CrsError(SpacesError):
    """A CRS is missing, unknown, or does not fit the coordinates.

    ``key`` and ``params`` name the message in the text catalogue, as :class:`ReadError`'s do.
    """

    def __init__(self, message: str, *, key: str | None = None, params: dict | None = None):
        super().__init__(message)
        self.key = key
        self.params = dict(params or {})


class ReferenceDataError(SpacesError):
    """A file in geodata/ is malformed (a bug in the shipped data, or a bad local edit)."""


class StoreError(SpacesError):
    """The store cannot be opened or written."""


class YearError(SpacesError, ValueError):
    """A year outside the plan's 2022–2026 (a ValueError too, as it was before it had a name)."""


class TodayError(SpacesError, ValueError):
    """``SPACES_TODAY`` is set but is not a date written YYYY-MM-DD."""


class LeafletMissingError(SpacesError):
    """The vendored Leaflet files are not there (the install step did not run)."""


class ExportError(SpacesError):
    """An export kind or format that the registry does not have."""


class MissingFontError(SpacesError):
    """No font with Chinese glyphs was found, so a printed export would show empty boxes."""


class BasemapError(SpacesError):
    """A basemap cannot be used as asked."""


class UnknownBasemapError(BasemapError):
    """The id is not in geodata/basemaps.toml (for example a stale id in a shared URL)."""

    def __init__(self, basemap_id: str, known: list[str]):
        self.basemap_id = basemap_id
        super().__init__(f"unknown basemap {basemap_id!r}; choose one of {', '.join(known)}")


class MissingBasemapKeyError(BasemapError):
    """The basemap needs an access key (Tianditu's ``tk``) and none was given."""

    def __init__(self, basemap_id: str, env_var: str, secret: str):
        self.basemap_id = basemap_id
        self.env_var = env_var
        self.secret = secret
        super().__init__(
            f"basemap {basemap_id!r} needs an access key: set the environment variable {env_var} "
            f"or the Streamlit secret {secret} (a 天地图 browser key from console.tianditu.gov.cn)"
        )


class AccessError(SpacesError):
    """The acting user's role does not allow the change (a viewer writing, an editor undoing another's change).

    ``key`` and ``params`` name the text in the catalogue (``problem_<key>`` is not used: ``<key>`` itself).
    """

    def __init__(self, message: str, *, key: str | None = None, params: dict | None = None):
        super().__init__(message)
        self.key = key
        self.params = dict(params or {})
