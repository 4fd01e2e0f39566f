"""The parks directory: industries in the UI language, and a search that reads both languages."""

import pytest

from spaces.sample import build_sample
from spaces.view.directory import directory


@pytest.fixture(scope="module")
def layers():
    """The sample's 20 parks and 70 communities (the directory only reads them)."""
    return build_sample(plots=200)


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("search", ["Beilun", "beilun", "北仑", "北仑区"])
def test_a_district_in_either_language_finds_its_parks_and_communities(layers, language, search):
    found = directory(layers, language=language, search=search)
    beilun = (layers["parks"]["district_adcode"] == "330206").sum() + \
        (layers["communities"]["district_adcode"] == "330206").sum()
    assert len(found) == beilun > 0
    assert set(found["district"]) == {"北仑区" if language == "zh" else "Beilun"}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_an_industry_in_either_language_finds_the_same_rows(layers, language):
    english = directory(layers, language=language, search="New Materials")
    chinese = directory(layers, language=language, search="新材料")
    assert len(english) > 0 and english["key"].tolist() == chinese["key"].tolist()
    shown = "New materials" if language == "en" else "新材料"
    assert english["industries"].str.contains(shown).all()


def test_every_word_must_match_and_nothing_found_is_empty(layers):
    both = directory(layers, language="en", search="beilun new materials")
    assert 0 < len(both) < len(directory(layers, language="en", search="beilun"))
    assert directory(layers, language="zh", search="no such park").empty


def test_industries_read_in_english_and_unknown_ones_stay_as_written(layers):
    parks = layers["parks"].copy()
    parks.loc[parks.index[0], "industries"] = "新材料;海洋经济"
    table = directory({**layers, "parks": parks}, language="en")
    assert table.loc[table["key"] == f"park:{parks['park_id'].iloc[0]}", "industries"].item() == \
        "New materials, 海洋经济"
    assert not table["industries"].str.contains("新材料|集成电路|汽车").any()
