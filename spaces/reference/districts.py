"""Ningbo's 10 county-level districts and the city outline, from geodata/districts.geojson."""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import pandas as pd

from spaces.errors import ReferenceDataError
from spaces.paths import GEODATA_DIR

DISTRICTS_FILE = GEODATA_DIR / "districts.geojson"
CITY_ADCODE = "330200"
CITY_NAME_ZH = "宁波市"
CITY_NAME_EN = "Ningbo"
DISTRICT_ADCODES = (
    "330203", "330205", "330206", "330211", "330212",
    "330213", "330225", "330226", "330281", "330282",
)
# Codes retired in the 2016 reorganisation, still found in older datasets: 江东区 merged into
# 鄞州区, and 奉化市 became 奉化区.
HISTORICAL_ADCODES = {"330204": "330212", "330283": "330213"}
HISTORICAL_NAMES = {"江东区": "330212", "江东": "330212", "奉化市": "330213"}


@cache
def _load() -> gpd.GeoDataFrame:
    frame = gpd.read_file(DISTRICTS_FILE, engine="pyogrio")
    frame["adcode"] = frame["adcode"].astype(str)
    found = tuple(sorted(frame.loc[frame["level"] == "district", "adcode"]))
    if found != DISTRICT_ADCODES or CITY_ADCODE not in set(frame["adcode"]):
        raise ReferenceDataError(f"{DISTRICTS_FILE}: expected districts {DISTRICT_ADCODES} and the city, got {found}")
    return frame.set_crs(4326, allow_override=True)


def load_districts() -> gpd.GeoDataFrame:
    """The 10 districts (``adcode``, ``name_zh``, ``name_en``, geometry) in EPSG:4326, by adcode."""
    frame = _load()
    return frame.loc[frame["level"] == "district"].sort_values("adcode").reset_index(drop=True).copy()


def load_city_outline() -> gpd.GeoDataFrame:
    """The outline of 宁波市 (adcode 330200) in EPSG:4326."""
    frame = _load()
    return frame.loc[frame["adcode"] == CITY_ADCODE].reset_index(drop=True).copy()


@cache
def district_names() -> pd.DataFrame:
    """``adcode, name_zh, name_en`` of the 10 districts, plus the city row (330200)."""
    names = load_districts()[["adcode", "name_zh", "name_en"]]
    city = pd.DataFrame([{"adcode": CITY_ADCODE, "name_zh": CITY_NAME_ZH, "name_en": CITY_NAME_EN}])
    return pd.concat([names, city], ignore_index=True)


@cache
def adcode_lookup() -> dict[str, str]:
    """Spelling -> adcode: codes, Chinese names with and without 区/县/市, English names, historical codes."""
    lookup: dict[str, str] = {}
    for row in district_names().itertuples():
        lookup[row.adcode] = row.adcode
        lookup[row.name_zh] = row.adcode
        lookup[row.name_zh[:-1]] = row.adcode
        lookup[row.name_en.lower()] = row.adcode
    lookup.update(HISTORICAL_ADCODES)
    lookup.update(HISTORICAL_NAMES)
    return lookup
