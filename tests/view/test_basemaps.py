"""The pydeck arguments, GL styles, widget choices and access keys of spaces/view/basemaps.py."""

from __future__ import annotations

import base64
import json

import pydeck as pdk
import pytest

from spaces.errors import MissingBasemapKeyError, UnknownBasemapError
from spaces.reference import basemap_catalogue
from spaces.reference.basemap_catalogue import load_basemaps, needs_gcj02
from spaces.view import basemaps
from spaces.view.basemaps import basemap_options, basemap_style, deck_basemap, tile_hosts

TILE_BASEMAPS = ["osm", "carto", "tianditu_vec", "tianditu_img", "amap"]
NO_KEY: dict[str, str] = {}  # an environment without TIANDITU_KEY, whatever the machine running the tests has


def _style_of(deck_args: dict) -> dict:
    """The GL style inside the data: URL that deck_basemap hands to pydeck."""
    prefix = "data:application/json;base64,"
    assert deck_args["map_style"].startswith(prefix)
    return json.loads(base64.b64decode(deck_args["map_style"][len(prefix):]))


def _deck_json(deck_args: dict) -> dict:
    return json.loads(pdk.Deck(layers=[], **deck_args).to_json())


# A two-entry file whose attribution holds markup, for the escaping test.
_NONE = """
[[basemap]]
id = "none"
label_zh = "无底图"
label_en = "No basemap"
crs = "wgs84"
max_zoom = 22
"""
_OSM = """
[[basemap]]
id = "osm"
label_zh = "OSM"
label_en = "OSM"
crs = "wgs84"
attribution = "© OSM"
max_zoom = 19
[[basemap.layer]]
url = "https://tile.example.org/{z}/{x}/{y}.png"
"""


def _toml(*entries: str) -> str:
    return "\n".join(entries)


# --- the shipped basemaps as drawn ------------------------------------------------------------------------

def test_options_are_labelled_in_both_languages():
    zh, en = basemap_options("zh"), basemap_options("en")
    assert list(zh) == list(en) == list(load_basemaps())
    assert zh["tianditu_img"] == "天地图 影像" and en["tianditu_img"] == "Tianditu imagery"
    assert zh["amap"] == "高德地图" and en["none"].startswith("No basemap")


@pytest.mark.parametrize(("basemap_id", "layers"), [("tianditu_vec", ("vec_w", "cva_w")),
                                                     ("tianditu_img", ("img_w", "cia_w"))])
def test_tianditu_draws_the_map_then_its_labels_from_eight_subdomains(basemap_id, layers):
    style = basemap_style(basemap_id, tianditu_key="k3y")
    sources = [style["sources"][layer["source"]] for layer in style["layers"]]
    assert [layer["type"] for layer in style["layers"]] == ["raster", "raster"]
    for source, layer in zip(sources, layers, strict=True):
        assert [url.split("/")[2] for url in source["tiles"]] == [f"t{i}.tianditu.gov.cn" for i in range(8)]
        assert all(f"/{layer}/wmts?" in url and "TILEMATRIXSET=w" in url and url.endswith("&tk=k3y")
                   for url in source["tiles"])
        assert all("TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in url for url in source["tiles"])


def test_amap_is_the_style_8_road_map_from_four_subdomains():
    (source,) = basemap_style("amap")["sources"].values()
    assert source["tiles"] == [
        f"https://webrd0{i}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={{x}}&y={{y}}&z={{z}}"
        for i in range(1, 5)
    ]
    assert source["maxzoom"] == 18 and source["tileSize"] == 256


def test_tile_hosts():
    assert tile_hosts("none") == set()
    assert tile_hosts("osm") == {"tile.openstreetmap.org"}
    assert tile_hosts("carto") == {f"{s}.basemaps.cartocdn.com" for s in "abcd"}
    assert tile_hosts("amap") == {f"webrd0{i}.is.autonavi.com" for i in range(1, 5)}


# --- what pydeck receives -----------------------------------------------------------------------------------

def test_no_basemap_means_no_provider_and_no_style_so_streamlit_loads_nothing():
    """With mapStyle missing (map_style=None) Streamlit falls back to Carto; the sentinel means no map at all."""
    assert deck_basemap("none") == {"map_provider": None}
    spec = _deck_json(deck_basemap("none"))
    assert "mapProvider" not in spec and spec["mapStyle"] == "__MAP_STYLE__"
    assert "http" not in json.dumps(spec)


@pytest.mark.parametrize("basemap_id", TILE_BASEMAPS)
def test_a_basemap_is_a_gl_style_in_a_data_url(basemap_id):
    """A style dict crashes Streamlit 1.67's chart (`mapStyle.includes is not a function`): it must be a string."""
    deck_args = deck_basemap(basemap_id, tianditu_key="k3y")
    spec = _deck_json(deck_args)
    assert spec["mapProvider"] == "maplibre" and isinstance(spec["mapStyle"], str)
    style = _style_of(deck_args)
    assert style["version"] == 8
    assert [layer["source"] for layer in style["layers"]] == list(style["sources"])
    assert all(url.startswith("https://") for s in style["sources"].values() for url in s["tiles"])
    assert {url.split("/")[2] for s in style["sources"].values() for url in s["tiles"]} == tile_hosts(basemap_id)


def test_attribution_is_shown_once_and_escaped(tmp_path, monkeypatch):
    assert _style_of(deck_basemap("osm"))["sources"]["osm-0"]["attribution"] == "© OpenStreetMap contributors"
    sources = basemap_style("tianditu_vec", tianditu_key="k")["sources"].values()
    assert [source.get("attribution") for source in sources] == ["© 天地图 国家地理信息公共服务平台", None]
    path = tmp_path / "basemaps.toml"
    path.write_text(_toml(_NONE, _OSM.replace('attribution = "© OSM"', 'attribution = "<b>x</b> & y"')), "utf-8")
    monkeypatch.setattr(basemap_catalogue, "load_basemaps", lambda: load_basemaps(path))
    assert basemap_style("osm")["sources"]["osm-0"]["attribution"] == "&lt;b&gt;x&lt;/b&gt; &amp; y"


def test_unknown_basemap_names_the_choices():
    with pytest.raises(UnknownBasemapError, match="'bing'.*none, osm, carto"):
        deck_basemap("bing")
    with pytest.raises(UnknownBasemapError):
        needs_gcj02("bing")


# --- the Tianditu key ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("basemap_id", ["tianditu_vec", "tianditu_img"])
@pytest.mark.parametrize("secret", [None, "", "   "])
def test_tianditu_without_a_key_is_refused(basemap_id, secret):
    with pytest.raises(MissingBasemapKeyError, match="TIANDITU_KEY.*tianditu_key") as caught:
        deck_basemap(basemap_id, tianditu_key=secret, environ=NO_KEY)
    assert caught.value.basemap_id == basemap_id
    assert (caught.value.env_var, caught.value.secret) == ("TIANDITU_KEY", "tianditu_key")


def test_tianditu_key_from_the_environment():
    style = _style_of(deck_basemap("tianditu_vec", environ={"TIANDITU_KEY": " env-key "}))
    assert all(url.endswith("&tk=env-key") for s in style["sources"].values() for url in s["tiles"])


def test_os_environ_is_the_default(monkeypatch):
    monkeypatch.setenv("TIANDITU_KEY", "from-os")
    assert "tk=from-os" in basemap_style("tianditu_img")["sources"]["tianditu_img-0"]["tiles"][0]
    monkeypatch.delenv("TIANDITU_KEY")
    with pytest.raises(MissingBasemapKeyError):
        deck_basemap("tianditu_img")


def test_the_secret_beats_the_environment_and_is_url_quoted():
    style = basemap_style("tianditu_img", tianditu_key="a&b=c", environ={"TIANDITU_KEY": "env-key"})
    assert all(url.endswith("&tk=a%26b%3Dc") for s in style["sources"].values() for url in s["tiles"])


@pytest.mark.parametrize("basemap_id", ["none", "osm", "carto", "amap"])
def test_other_basemaps_need_no_key(basemap_id):
    deck_basemap(basemap_id, environ=NO_KEY)
    assert basemaps.basemap_key(basemap_id, environ=NO_KEY) is None
