"""Optional tile basemaps under the pydeck map (geodata/basemaps.toml), and the GCJ-02 shift AMap needs."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlparse

import geopandas as gpd
import pandas as pd

from spaces.errors import MissingBasemapKeyError, ReferenceDataError, UnknownBasemapError
from spaces.geo import chinacoords
from spaces.geo.crs import to_gcj02
from spaces.paths import GEODATA_DIR

BASEMAPS_FILE = GEODATA_DIR / "basemaps.toml"
NO_BASEMAP = "none"
TILE_CRS = ("wgs84", "cgcs2000", "gcj02")
# Streamlit draws a style URL with its bundled Mapbox GL 1.13 whatever the provider says; "maplibre"
# names the style format honestly and, unlike "carto" or "mapbox", triggers no provider-specific code.
STYLE_PROVIDER = "maplibre"
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
        return self.label_en if language == "en" else self.label_zh


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


def _basemap(basemap_id: str) -> Basemap:
    basemaps = load_basemaps()
    if basemap_id not in basemaps:
        raise UnknownBasemapError(basemap_id, list(basemaps))
    return basemaps[basemap_id]


def basemap_options(language: str = "zh") -> dict[str, str]:
    """Basemap id -> label, "none" (the offline default) first: the choices of the basemap widget.

    Examples
    --------
    >>> list(basemap_options())[0], basemap_options("en")["amap"]
    ('none', 'AMap (Gaode)')
    """
    return {basemap.id: basemap.label(language) for basemap in load_basemaps().values()}


def needs_gcj02(basemap_id: str) -> bool:
    """Whether overlays must be shifted to GCJ-02 to sit on this basemap's streets (AMap).

    Examples
    --------
    >>> needs_gcj02("amap"), needs_gcj02("tianditu_vec"), needs_gcj02("none")
    (True, False, False)
    """
    return _basemap(basemap_id).crs == "gcj02"


def basemap_key(basemap_id: str, *, secret: str | None = None,
                environ: Mapping[str, str] | None = None) -> str | None:
    """The access key of a basemap: ``secret`` (read by the page from st.secrets) else its environment
    variable; None when the basemap needs none. Raises MissingBasemapKeyError when it needs one and has none."""
    basemap = _basemap(basemap_id)
    if not basemap.needs_key:
        return None
    environ = os.environ if environ is None else environ
    key = (secret or "").strip() or (environ.get(basemap.key_env) or "").strip()
    if not key:
        raise MissingBasemapKeyError(basemap_id, basemap.key_env, basemap.key_secret)
    return key


def basemap_style(basemap_id: str, *, tianditu_key: str | None = None,
                  environ: Mapping[str, str] | None = None) -> dict:
    """The Mapbox/MapLibre GL style (version 8) drawing this basemap's raster layers, bottom to top."""
    basemap = _basemap(basemap_id)
    key = basemap_key(basemap_id, secret=tianditu_key, environ=environ)
    style: dict = {"version": 8, "name": basemap.id, "sources": {}, "layers": []}
    for number, layer in enumerate(basemap.layers):
        source = f"{basemap.id}-{number}"
        style["sources"][source] = {
            "type": "raster", "tiles": layer.urls(key), "tileSize": 256, "maxzoom": basemap.max_zoom,
            # Mapbox GL writes attributions as HTML; ours are plain text, and one entry per basemap is enough.
            **({"attribution": html.escape(basemap.attribution)} if number == 0 and basemap.attribution else {}),
        }
        style["layers"].append({"id": source, "type": "raster", "source": source})
    return style


def deck_basemap(basemap_id: str, *, tianditu_key: str | None = None,
                 environ: Mapping[str, str] | None = None) -> dict:
    """Keyword arguments for ``pdk.Deck`` that draw this basemap under the layers.

    "none" gives ``map_provider=None``: no basemap and no request at all. Any other basemap gives a GL
    style as a ``data:`` URL, because Streamlit's chart crashes on a style dict and loads any URL string
    (verified in Chromium with Streamlit 1.67; see tests/browser/test_basemaps_browser.py).
    ``tianditu_key`` is the Streamlit secret; without it the ``TIANDITU_KEY`` environment variable is used.
    Raises UnknownBasemapError, or MissingBasemapKeyError for Tianditu without a key.

    Examples
    --------
    >>> deck_basemap("none")
    {'map_provider': None}
    >>> deck_basemap("osm")["map_style"].startswith("data:application/json;base64,")
    True
    """
    if not _basemap(basemap_id).layers:
        return {"map_provider": None}
    style = json.dumps(basemap_style(basemap_id, tianditu_key=tianditu_key, environ=environ), ensure_ascii=False)
    return {"map_provider": STYLE_PROVIDER,
            "map_style": "data:application/json;base64," + base64.b64encode(style.encode()).decode("ascii")}


def tile_hosts(basemap_id: str) -> set[str]:
    """The hosts the browser fetches tiles from with this basemap (none for "none")."""
    return {host for layer in _basemap(basemap_id).layers for host in layer.hosts}


def shift_frame(frame: pd.DataFrame, basemap_id: str) -> pd.DataFrame:
    """``frame`` as drawn over ``basemap_id``: a GeoDataFrame shifted to GCJ-02 for AMap, else ``frame`` itself.

    Only for drawing: stored data, areas and detail panels stay in EPSG:4326.
    """
    if isinstance(frame, gpd.GeoDataFrame) and needs_gcj02(basemap_id):
        return to_gcj02(frame)
    return frame


def shift_overlays(layers: Mapping[str, pd.DataFrame], basemap_id: str) -> dict[str, pd.DataFrame]:
    """Every layer of ``layers`` through :func:`shift_frame` (tables without geometry pass unchanged)."""
    needs_gcj02(basemap_id)  # an unknown id fails here too, not only when a layer has geometry
    return {name: shift_frame(frame, basemap_id) for name, frame in layers.items()}


def shift_point(lon: float, lat: float, basemap_id: str) -> tuple[float, float]:
    """A WGS-84 point as drawn over ``basemap_id`` (GCJ-02 for AMap, else unchanged)."""
    if not needs_gcj02(basemap_id):
        return lon, lat
    shifted_lon, shifted_lat = chinacoords.wgs84_to_gcj02(lon, lat)
    return float(shifted_lon), float(shifted_lat)


def unshift_point(lon: float, lat: float, basemap_id: str) -> tuple[float, float]:
    """The WGS-84 point under a point drawn over ``basemap_id`` (the inverse of :func:`shift_point`)."""
    if not needs_gcj02(basemap_id):
        return lon, lat
    wgs_lon, wgs_lat = chinacoords.gcj02_to_wgs84(lon, lat)
    return float(wgs_lon), float(wgs_lat)


def shift_view(view: Mapping[str, float], basemap_id: str) -> dict[str, float]:
    """A view state (longitude, latitude, zoom …) centred on the same place over ``basemap_id``."""
    if not needs_gcj02(basemap_id):
        return dict(view)
    lon, lat = chinacoords.wgs84_to_gcj02(view["longitude"], view["latitude"])
    return {**view, "longitude": float(lon), "latitude": float(lat)}
