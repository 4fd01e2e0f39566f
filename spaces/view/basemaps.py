"""The tile basemap under the pydeck map: the widget's choices, access keys, the GL style and pydeck arguments."""

from __future__ import annotations

import base64
import html
import json
import os
from collections.abc import Mapping

from spaces.errors import MissingBasemapKeyError
from spaces.reference.basemap_catalogue import basemap_by_id, load_basemaps

# Streamlit draws a style URL with its bundled Mapbox GL 1.13 whatever the provider says; "maplibre"
# names the style format honestly and, unlike "carto" or "mapbox", triggers no provider-specific code.
STYLE_PROVIDER = "maplibre"


def basemap_options(language: str = "zh") -> dict[str, str]:
    """Basemap id -> label, "none" (the offline default) first: the choices of the basemap widget.

    Examples
    --------
    >>> list(basemap_options())[0], basemap_options("en")["amap"]
    ('none', 'AMap (Gaode)')
    """
    return {basemap.id: basemap.label(language) for basemap in load_basemaps().values()}


def basemap_key(basemap_id: str, *, secret: str | None = None,
                environ: Mapping[str, str] | None = None) -> str | None:
    """The access key of a basemap: ``secret`` (read by the page from st.secrets) else its environment
    variable; None when the basemap needs none. Raises MissingBasemapKeyError when it needs one and has none."""
    basemap = basemap_by_id(basemap_id)
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
    basemap = basemap_by_id(basemap_id)
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
    if not basemap_by_id(basemap_id).layers:
        return {"map_provider": None}
    style = json.dumps(basemap_style(basemap_id, tianditu_key=tianditu_key, environ=environ), ensure_ascii=False)
    return {"map_provider": STYLE_PROVIDER,
            "map_style": "data:application/json;base64," + base64.b64encode(style.encode()).decode("ascii")}


def tile_hosts(basemap_id: str) -> set[str]:
    """The hosts the browser fetches tiles from with this basemap (none for "none")."""
    return {host for layer in basemap_by_id(basemap_id).layers for host in layer.hosts}
