"""The directory of parks and communities: one table, filterable and sortable."""

from __future__ import annotations

import pandas as pd

from spaces.reference.districts import district_names
from spaces.reference.i18n import localised
from spaces.reference.vocab import load_vocabularies, split_industries

COLUMNS = ["key", "kind", "name_zh", "district", "level", "industries", "area_mu", "wanmu_qianyi",
           "green_park_level", "established_year", "park"]


def directory(layers: dict[str, pd.DataFrame], *, language: str = "zh", search: str = "") -> pd.DataFrame:
    """Parks and communities of (already filtered) ``layers`` as one table, parks first.

    ``key`` is ``park:<id>`` or ``community:<id>``; ``search`` keeps rows whose name or industries
    contain it (case-insensitive).
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
            "industries": parks["industries"].map(lambda v: "、".join(split_industries(v))),
            "area_mu": parks["area_mu"], "wanmu_qianyi": parks["wanmu_qianyi"].astype(bool),
            "green_park_level": parks["green_park_level"].map(levels), "established_year": parks["established_year"],
            "park": None,
        }),
        pd.DataFrame({
            "key": "community:" + communities["community_id"].astype(str), "kind": kinds[1],
            "name_zh": communities["name_zh"], "district": communities["district_adcode"].map(names), "level": None,
            "industries": communities["industries"].map(lambda v: "、".join(split_industries(v))),
            "area_mu": communities["area_mu"], "wanmu_qianyi": False, "green_park_level": None,
            "established_year": communities["established_year"], "park": communities["park_id"].map(park_names),
        }),
    ]
    table = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else \
        pd.DataFrame(columns=COLUMNS)
    if search:
        needle = search.strip().lower()
        haystack = (table["name_zh"].fillna("") + " " + table["industries"].fillna("")).str.lower()
        table = table.loc[haystack.str.contains(needle, regex=False)]
    text = ["kind", "name_zh", "district", "level", "industries", "green_park_level", "park"]
    table[text] = table[text].astype(object).where(table[text].notna(), "")
    return table[COLUMNS].reset_index(drop=True)
