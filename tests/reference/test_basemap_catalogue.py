"""geodata/basemaps.toml: the shipped catalogue and the validation of the file (spaces/reference/basemap_catalogue.py)."""

from __future__ import annotations

import pytest

from spaces.errors import ReferenceDataError
from spaces.reference.basemap_catalogue import load_basemaps, needs_gcj02

TILE_BASEMAPS = ["osm", "carto", "tianditu_vec", "tianditu_img", "amap"]


# --- the shipped file ---------------------------------------------------------------------------------------

def test_the_shipped_basemaps_with_none_first():
    assert list(load_basemaps()) == ["none", *TILE_BASEMAPS]
    assert load_basemaps()["none"].layers == ()


@pytest.mark.parametrize(("basemap_id", "crs"), [
    ("none", "wgs84"), ("osm", "wgs84"), ("carto", "wgs84"), ("tianditu_vec", "cgcs2000"),
    ("tianditu_img", "cgcs2000"), ("amap", "gcj02"),
])
def test_coordinate_system_of_the_tiles(basemap_id, crs):
    assert load_basemaps()[basemap_id].crs == crs
    assert needs_gcj02(basemap_id) is (crs == "gcj02")


# --- validation of the file ---------------------------------------------------------------------------------

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


def test_a_minimal_file_loads(tmp_path):
    path = tmp_path / "basemaps.toml"
    path.write_text(_toml(_NONE, _OSM), "utf-8")
    assert list(load_basemaps(path)) == ["none", "osm"]


@pytest.mark.parametrize(("text", "message"), [
    (_toml(_OSM, _NONE), "first basemap must be 'none'"),
    (_toml(_NONE + '[[basemap.layer]]\nurl = "https://t.example.org/{z}/{x}/{y}.png"\n', _OSM), "without layers"),
    (_toml(_NONE, _OSM, _OSM), "appears twice"),
    (_toml(_NONE, _OSM.replace('"wgs84"', '"bd09"')), "crs 'bd09'"),
    (_toml(_NONE, _OSM.replace("max_zoom = 19", "max_zoom = 30")), "max_zoom 30"),
    (_toml(_NONE, _OSM.replace('label_en = "OSM"', 'label_en = ""')), "label_en"),
    (_toml(_NONE, _OSM.replace("https://", "http://")), "https://"),
    (_toml(_NONE, _OSM.replace("{x}/", "")), r"\{x\} \{y\} \{z\}"),
    (_toml(_NONE, _OSM.replace("{z}", "{zoom}")), r"\{x\} \{y\} \{z\}"),
    (_toml(_NONE, _OSM.replace("tile.example", "{s}.tile.example")), "subdomains"),
    (_toml(_NONE, _OSM + 'subdomains = ["a", "b"]\n'), "subdomains"),
    (_toml(_NONE, _OSM.replace(".png", ".png?tk={key}")), "key_env"),
    (_toml(_NONE, _OSM.replace("max_zoom = 19", 'max_zoom = 19\nkey_env = "K"\nkey_secret = "k"')), "key_env"),
    (_toml(_NONE, _OSM.replace("max_zoom = 19", 'max_zoom = 19\nkey_env = "K"')), "both key_env and key_secret"),
    (_toml(_NONE, _OSM.replace("max_zoom = 19", "max_zoom = 19\nmaxzoom = 18")), "unknown field.*maxzoom"),
    (_toml(_NONE, _OSM + "tilesize = 512\n"), "unknown field.*tilesize"),
    (_toml(_NONE, _OSM.split("[[basemap.layer]]")[0]), "at least one"),
])
def test_malformed_files_are_refused_naming_the_entry(tmp_path, text, message):
    path = tmp_path / "basemaps.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ReferenceDataError, match=message) as caught:
        load_basemaps(path)
    assert str(path) in str(caught.value)
