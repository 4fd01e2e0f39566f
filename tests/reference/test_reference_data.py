"""The declarative files in geodata/: vocabularies, layer schemas and the UI text catalogue."""

import pytest

from spaces.reference.i18n import LANGUAGES, catalogue, t
from spaces.reference.schema import load_schemas
from spaces.reference.vocab import load_vocabularies, split_industries


@pytest.mark.parametrize(("vocabulary", "spelling", "value"), [
    ("status", "已盘活", "reclaimed"), ("status", " Reclaimed ", "reclaimed"), ("status", "处置中", "in_progress"),
    ("status", "in_progress", "in_progress"), ("status", "待处置", "pending"),
    ("level", "国家级", "national"), ("level", "省级", "provincial"), ("level", "市级", "municipal"),
    ("level", "Municipal", "municipal"),
])
def test_vocabulary_synonyms(vocabulary, spelling, value):
    assert load_vocabularies()[vocabulary].normalise(spelling) == value


def test_unknown_spelling_is_none():
    assert load_vocabularies()["status"].normalise("maybe") is None


@pytest.mark.parametrize(("cell", "expected"), [
    ("汽车及零部件;新材料", ["汽车及零部件", "新材料"]),
    ("汽车及零部件；新材料、集成电路", ["汽车及零部件", "新材料", "集成电路"]),
    ("a, b,,a", ["a", "b"]),
    ("", []), (None, []),
])
def test_split_industries(cell, expected):
    assert split_industries(cell) == expected


def test_schemas_have_the_documented_minimum_columns():
    schemas = load_schemas()
    assert {"plot_id", "status", "reclaimed_year", "district_adcode", "area_mu"} <= set(schemas["plots"].columns)
    assert {"factory_id", "name_zh", "level", "certified_year", "industry"} <= set(schemas["factories"].columns)
    assert {"park_id", "name_zh", "district_adcode", "industries", "level", "wanmu_qianyi", "green_park_level",
            "established_year"} <= set(schemas["parks"].columns)
    assert {"community_id", "name_zh", "district_adcode", "industries", "park_id"} <= set(
        schemas["communities"].columns)
    assert schemas["indicators"].id_columns == ("district_adcode", "year")


def test_shapefile_truncations_resolve():
    lookup = load_schemas()["factories"].header_lookup()
    assert lookup["certified_"] == "certified_year"
    assert lookup["级别"] == "level"
    assert load_schemas()["plots"].header_lookup()["reclaimed_"] == "reclaimed_year"


@pytest.mark.parametrize(("layer", "cut", "column"), [
    ("plots", "行政区划代", "district_adcode"),  # 行政区划代码 cut at 10 GBK bytes
    ("parks", "是否万亩千", "wanmu_qianyi"),
    ("indicators", "亩均税收(", "tax_per_mu"),  # 亩均税收(万元/亩): 万 would be bytes 10-11
])
def test_gbk_byte_truncations_resolve(layer, cut, column):
    """GIS tools writing GBK DBFs cut Chinese headers at 10 bytes, i.e. 5 characters."""
    assert load_schemas()[layer].header_lookup()[cut] == column


def test_ambiguous_truncations_identify_no_column():
    assert "规上工业亩" not in load_schemas()["indicators"].header_lookup()


def test_every_ui_text_exists_in_both_languages():
    for key, entry in catalogue().items():
        for language in LANGUAGES:
            assert entry[language].strip(), (key, language)
    assert t("year", "en") == "Year" and t("year") == "年份"
