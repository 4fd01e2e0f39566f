"""The catalogue of optional tile basemaps (geodata/basemaps.toml): their tiles, keys and coordinate system."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlparse

from spaces.errors import ReferenceDataError, UnknownBasemapError
from spaces.paths import GEODATA_DIR

from .i18n import label

BASEMAPS_FILE = GEODATA_DIR / "basemaps.toml"
NO_BASEMAP = "none"
TILE_CRS = ("wgs84", "cgcs2000", "gcj02")
_PLACEHOLDERS = re.compile(r"\{([^{}]*)\}")
_ALLOWED_PLACEHOLDERS = {"x", "y", "z", "s", "key"}
_BASEMAP_FIELDS = {"id", "label_zh", "label_en", "crs", "attribution", "max_zoom", "key_env", "key_secret", "layer"}
_LAYER_FIELDS = {"url", "subdomains"}


@dataclass(frozen=True)
class TileLayer:
    """One raster layer of a basemap: an XYZ URL template, spread over ``subdomains`` when it holds ``{s}``."""

    url: str
    subdomains: tuple[str, ...] = ()

    def urls(self, key: str | None = None) -> list[str]:
        """The URL templates a GL style lists for this layer: one per subdomain, the key filled in."""
        filled = self.url.replace("{key}", quote(key, safe="")) if key is not None else self.url
        return [filled.replace("{s}", s) for s in self.subdomains] if "{s}" in filled else [filled]

    @property
    def hosts(self) -> set[str]:
        return {urlparse(url).hostname or "" for url in self.urls("KEY")}


@dataclass(frozen=True)
class Basemap:
    """A basemap as declared in geodata/basemaps.toml."""

    id: str
    label_zh: str
    label_en: str
    crs: str
    attribution: str
    max_zoom: int
    layers: tuple[TileLayer, ...]
    key_env: str | None = None
    key_secret: str | None = None

    @property
    def needs_key(self) -> bool:
        return self.key_env is not None

    def label(self, language: str = "zh") -> str:
        return label(self, language)


@cache
def load_basemaps(path: Path = BASEMAPS_FILE) -> dict[str, Basemap]:
    """Every basemap of ``path`` by id, in file order ("none" first); raises ReferenceDataError if malformed."""
    with path.open("rb") as fh:
        entries = tomllib.load(fh).get("basemap", [])
    basemaps: dict[str, Basemap] = {}
    for number, entry in enumerate(entries, start=1):
        basemap = _parse(entry, where=f"{path}: basemap #{number} ({entry.get('id', 'no id')!r})")
        if basemap.id in basemaps:
            raise ReferenceDataError(f"{path}: basemap id {basemap.id!r} appears twice")
        basemaps[basemap.id] = basemap
    if next(iter(basemaps), None) != NO_BASEMAP or basemaps[NO_BASEMAP].layers:
        raise ReferenceDataError(f"{path}: the first basemap must be {NO_BASEMAP!r}, without layers (the offline default)")
    return basemaps


def _parse(entry: dict, *, where: str) -> Basemap:
    unknown = set(entry) - _BASEMAP_FIELDS
    if unknown:
        raise ReferenceDataError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for name in ("id", "label_zh", "label_en", "crs"):
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise ReferenceDataError(f"{where}: {name} must be a non-empty string")
    if entry["crs"] not in TILE_CRS:
        raise ReferenceDataError(f"{where}: crs {entry['crs']!r} is not one of {', '.join(TILE_CRS)}")
    max_zoom = entry.get("max_zoom")
    if not isinstance(max_zoom, int) or isinstance(max_zoom, bool) or not 1 <= max_zoom <= 22:
        raise ReferenceDataError(f"{where}: max_zoom {max_zoom!r} must be a whole number from 1 to 22")
    if ("key_env" in entry) != ("key_secret" in entry):
        raise ReferenceDataError(f"{where}: give both key_env and key_secret, or neither")
    layers = tuple(_parse_layer(layer, where=f"{where}, layer #{n}") for n, layer in enumerate(entry.get("layer", []), 1))
    uses_key = any("{key}" in layer.url for layer in layers)
    if uses_key != ("key_env" in entry):
        raise ReferenceDataError(f"{where}: URLs with {{key}} need key_env/key_secret, and only they may have them")
    if entry["id"] != NO_BASEMAP and not layers:
        raise ReferenceDataError(f"{where}: a basemap needs at least one [[basemap.layer]]")
    return Basemap(id=entry["id"], label_zh=entry["label_zh"], label_en=entry["label_en"], crs=entry["crs"],
                   attribution=str(entry.get("attribution", "")), max_zoom=max_zoom, layers=layers,
                   key_env=entry.get("key_env"), key_secret=entry.get("key_secret"))


def _parse_layer(entry: dict, *, where: str) -> TileLayer:
    unknown = set(entry) - _LAYER_FIELDS
    if unknown:
        raise ReferenceDataError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    url = entry.get("url")
    if not isinstance(url, str) or not url.startswith("https://"):
        raise ReferenceDataError(f"{where}: url {url!r} must be an https:// template")
    placeholders = set(_PLACEHOLDERS.findall(url))
    if not {"x", "y", "z"} <= placeholders or placeholders - _ALLOWED_PLACEHOLDERS:
        raise ReferenceDataError(f"{where}: url {url!r} must hold {{x}} {{y}} {{z}} and no placeholder but {{s}} {{key}}")
    subdomains = entry.get("subdomains", [])
    if ("s" in placeholders) != bool(subdomains) or not all(isinstance(s, str) and s for s in subdomains):
        raise ReferenceDataError(f"{where}: subdomains (non-empty strings) go with an {{s}} in the url, and only then")
    return TileLayer(url=url, subdomains=tuple(subdomains))


def basemap_by_id(basemap_id: str) -> Basemap:
    """The basemap ``basemap_id`` of the catalogue; raises UnknownBasemapError (naming the choices) if none.

    Examples
    --------
    >>> basemap_by_id("amap").crs
    'gcj02'
    """
    basemaps = load_basemaps()
    if basemap_id not in basemaps:
        raise UnknownBasemapError(basemap_id, list(basemaps))
    return basemaps[basemap_id]


def needs_gcj02(basemap_id: str) -> bool:
    """Whether overlays must be shifted to GCJ-02 to sit on this basemap's streets (AMap).

    Examples
    --------
    >>> needs_gcj02("amap"), needs_gcj02("tianditu_vec"), needs_gcj02("none")
    (True, False, False)
    """
    return basemap_by_id(basemap_id).crs == "gcj02"
