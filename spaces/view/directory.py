"""The directory of parks and communities: one table, filterable and sortable."""

from __future__ import annotations

import pandas as pd

from spaces.reference.districts import district_names
from spaces.reference.i18n import LANGUAGES, localised
from spaces.reference.vocab import industries_text, load_vocabularies

# 面积 before the industries: a long list of industries pushed it out of sight at 1280 px.
COLUMNS = ["key", "kind", "name_zh", "district", "level", "area_mu", "industries", "wanmu_qianyi",
           "green_park_level", "established_year", "park"]


def _searchable(layers: dict[str, pd.DataFrame]) -> pd.Series:
    """Per directory key, its name, district and industries in both languages, lower-cased, as one text."""
    districts = district_names().set_index("adcode")
    texts = []
    for kind, frame in (("park", layers["parks"]), ("community", layers["communities"])):
        if not len(frame):
            continue
        words = [frame["name_zh"].fillna("").astype(str)]
        words += [frame["district_adcode"].map(districts[localised("name", language)]).fillna("")
                  for language in LANGUAGES]
        words += [frame["industries"].map(lambda v, language=language: industries_text(v, language))
                  for language in LANGUAGES]
        text = words[0].str.cat(words[1:], sep=" ").str.lower()
        texts.append(pd.Series(text.to_numpy(), index=f"{kind}:" + frame[f"{kind}_id"].astype(str)))
    return pd.concat(texts) if texts else pd.Series(dtype=object)


def _matches(table: pd.DataFrame, layers: dict[str, pd.DataFrame], search: str) -> pd.Series:
    """Which rows of ``table`` hold every word of ``search`` (case-insensitive, either language)."""
    haystack = table["key"].map(_searchable(layers)).fillna("")
    words = search.strip().lower().split()
    found = pd.Series(True, index=table.index)
    for word in words:
        found &= haystack.str.contains(word, regex=False)
    return found


def directory(layers: dict[str, pd.DataFrame], *, language: str = "zh", search: str = "") -> pd.DataFrame:
    """Parks and communities of (already filtered) ``layers`` as one table, parks first.

    ``key`` is ``park:<id>`` or ``community:<id>``; industries are shown in ``language``. ``search`` keeps
    rows whose name, district or industries contain it, case-insensitive, in either language: "Beilun" finds
    北仑区's parks and "new materials" the 新材料 ones in the Chinese UI too.
    """
    names = district_names().set_index("adcode")[localised("name", language)]
    levels = getattr(load_vocabularies()["level"], f"labels_{language}")
    kinds = {"zh": ("战略产业园", "优势产业社区"), "en": ("Park", "Community")}[language]
    parks, communities = layers["parks"], layers["communities"]
    park_names = parks.set_index("park_id")["name_zh"]
    frames = [
        pd.DataFrame({
            "key": "park:" + parks["park_id"].astype(str), "kind": kinds[0], "name_zh": parks["name_zh"],
            "district": parks["district_adcode"].map(names), "level": parks["level"].map(levels),
            "industries": parks["industries"].map(lambda v: industries_text(v, language)),
            "area_mu": parks["area_mu"], "wanmu_qianyi": parks["wanmu_qianyi"].astype(bool),
            "green_park_level": parks["green_park_level"].map(levels), "established_year": parks["established_year"],
            "park": None,
        }),
        pd.DataFrame({
            "key": "community:" + communities["community_id"].astype(str), "kind": kinds[1],
            "name_zh": communities["name_zh"], "district": communities["district_adcode"].map(names), "level": None,
            "industries": communities["industries"].map(lambda v: industries_text(v, language)),
            "area_mu": communities["area_mu"], "wanmu_qianyi": False, "green_park_level": None,
            "established_year": communities["established_year"], "park": communities["park_id"].map(park_names),
        }),
    ]
    table = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else \
        pd.DataFrame(columns=COLUMNS)
    if search:
        table = table.loc[_matches(table, layers, search)]
    text = ["kind", "name_zh", "district", "level", "industries", "green_park_level", "park"]
    table[text] = table[text].astype(object).where(table[text].notna(), "")
    return table[COLUMNS].reset_index(drop=True)
