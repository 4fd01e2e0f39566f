"""The explorer's view state (filters, target, selection, layers) to and from URL query parameters."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from spaces.geo.window import format_focus, parse_focus
from spaces.planning import calendar
from spaces.planning.filters import Filters
from spaces.reference.basemap_catalogue import load_basemaps
from spaces.reference.districts import DISTRICT_ADCODES
from spaces.reference.targets import PLAN_END_YEAR, PLAN_START_YEAR, TARGET_KEYS
from spaces.reference.vocab import load_vocabularies

from .mapstate import format_view, parse_view

LAYER_CHOICES = ("districts", "parks", "communities", "plots", "factories", "enterprises")
SELECTION_KINDS = ("park", "community", "district", "enterprise")

# widget key -> (query parameter, kind)
FIELDS = {
    "language": ("lang", "choice"),
    "year": ("year", "year"),
    "industries": ("ind", "list"),
    "districts": ("d", "list"),
    "levels": ("lv", "list"),
    "statuses": ("st", "list"),
    "inside_parks": ("in", "bool"),
    "target": ("t", "choice"),
    "layers": ("ly", "list"),
    "selected": ("sel", "selection"),
    "basemap": ("bm", "choice"),
    "focus": ("f", "focus"),
    "view": ("v", "view"),  # where the map last flew (spaces/view/mapstate.py), so a link reopens it
}
CHOICES = {
    "language": ("zh", "en"),
    "target": TARGET_KEYS,
    "districts": DISTRICT_ADCODES,
    "layers": LAYER_CHOICES,
}
# Every default but the year, which moves with the calendar: see defaults().
DEFAULTS = {
    "language": "zh", "industries": [], "districts": [], "levels": [], "statuses": [],
    "inside_parks": False, "target": "reclaimed_land_mu", "layers": ["districts", "parks", "communities", "plots"],
    "selected": None, "basemap": "none", "focus": None, "view": None,
}


def defaults(*, today: date | None = None) -> dict:
    """Every widget's default value; the year is the latest whose statistics are final on ``today``
    (北京时间 today when None), so a year still in progress is never what a planner first sees.

    Examples
    --------
    >>> defaults(today=date(2026, 12, 5))["year"], defaults(today=date(2027, 4, 1))["year"]
    (2025, 2026)
    """
    today = calendar.today_in_beijing() if today is None else today
    return {**DEFAULTS, "year": calendar.latest_final_year(today=today)}


def _allowed(key: str) -> tuple[str, ...] | None:
    if key == "levels":
        return tuple(load_vocabularies()["level"].values)
    if key == "statuses":
        return tuple(load_vocabularies()["status"].values)
    if key == "basemap":
        return tuple(load_basemaps())
    return CHOICES.get(key)


def state_from_query(params: Mapping[str, str | list[str]], *, today: date | None = None) -> dict:
    """Widget values from query parameters; unknown or malformed values fall back to the defaults.

    Examples
    --------
    >>> state_from_query({"year": "2023", "d": "330203,999"})["districts"]
    ['330203']
    """
    state = defaults(today=today)
    for key, (name, kind) in FIELDS.items():
        raw = params.get(name)
        if raw is None:
            continue
        text = raw[-1] if isinstance(raw, list) else str(raw)
        allowed = _allowed(key)
        if kind == "year":
            if text.isdigit() and PLAN_START_YEAR <= int(text) <= PLAN_END_YEAR:
                state[key] = int(text)
        elif kind == "bool":
            state[key] = text == "1"
        elif kind == "list":
            values = [v for v in text.split(",") if v]
            state[key] = [v for v in values if allowed is None or v in allowed]
        elif kind == "focus":
            point = parse_focus(text)
            state[key] = None if point is None else format_focus(*point)
        elif kind == "view":
            state[key] = parse_view(text)
        elif kind == "selection":
            kind_, _, ident = text.partition(":")
            if kind_ in SELECTION_KINDS and ident:
                state[key] = f"{kind_}:{ident}"
        elif allowed is None or text in allowed:
            state[key] = text
    return state


def query_from_state(state: Mapping, *, today: date | None = None) -> dict[str, str]:
    """Query parameters for the values in ``state`` that differ from the defaults (short URLs)."""
    params = {}
    default = defaults(today=today)
    for key, (name, kind) in FIELDS.items():
        if key not in state:
            continue
        value = state[key]
        if value == default[key] or (kind == "list" and list(value or []) == default[key]):
            continue
        if kind == "list":
            params[name] = ",".join(value or [])
        elif kind == "bool":
            params[name] = "1" if value else "0"
        elif kind == "view":
            if format_view(value) is not None:
                params[name] = format_view(value)
        elif value is not None:
            params[name] = str(value)
    return params


def filters_from_state(state: Mapping, *, today: date | None = None) -> Filters:
    """The :class:`Filters` that the widget values in ``state`` describe."""
    year = state.get("year")
    return Filters(
        year=int(defaults(today=today)["year"] if year is None else year),
        industries=tuple(state.get("industries") or ()),
        districts=tuple(state.get("districts") or ()),
        levels=tuple(state.get("levels") or ()),
        statuses=tuple(state.get("statuses") or ()),
        inside_parks=bool(state.get("inside_parks", False)),
    )
