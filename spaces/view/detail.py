"""What the detail panel shows for a park, a community or a district: attributes, contents, attainment."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from spaces.geo.spatial import lies_within
from spaces.planning.filters import status_as_of
from spaces.reference.districts import CITY_ADCODE, district_names
from spaces.reference.i18n import by_language, localised, t
from spaces.reference.targets import format_amount, load_targets
from spaces.reference.vocab import industries_text, load_vocabularies
from spaces.view.mujun import trend_line
from spaces.view.pace_text import goal_amount, pace_lines


@dataclass
class Detail:
    """A selected item: ``attributes`` label -> text; ``contents`` and ``attainment`` as small tables."""

    kind: str
    ident: str
    title: str
    attributes: dict[str, str]
    contents: pd.DataFrame = field(default_factory=pd.DataFrame)
    attainment: pd.DataFrame = field(default_factory=pd.DataFrame)
    approximate: bool = False


def _district_name(adcode: str | None, language: str) -> str:
    names = district_names().set_index("adcode")
    if adcode not in names.index:
        return ""
    return names.loc[adcode, localised("name", language)]


def _strategic(park: pd.Series) -> bool:
    value = park.get("strategic_park")
    return True if value is None or pd.isna(value) else bool(value)  # empty means yes (layers.toml)


def _designation(park: pd.Series, language: str) -> str:
    """万亩千亿: ``命名（2023 年）`` / ``Accepted (2023)``, ``培育``, or empty when the park is neither."""
    value = park.get("wanmu_qianyi")
    if not isinstance(value, str) or not value:
        return ""
    text = load_vocabularies()["designation"].labels(language).get(value, value)
    year = park.get("wanmu_qianyi_year")
    return text if year is None or pd.isna(year) else f"{text}{t('year_in_brackets', language).format(year=int(year))}"


def _contents(layers: dict[str, pd.DataFrame], geometry, *, year: int, language: str,
              park_id: str | None = None) -> pd.DataFrame:
    """Rows (layer, category, count, area_mu) of what lies inside ``geometry``."""
    statuses = load_vocabularies()["status"]
    levels = load_vocabularies()["level"]
    status_label = statuses.labels(language)
    level_label = levels.labels(language)
    rows = []

    def inside(frame):
        return frame.loc[lies_within(frame.geometry, [geometry])] if len(frame) else frame

    communities = layers["communities"]
    member = inside(communities)
    if park_id is not None:
        member = communities.loc[communities.index.isin(member.index) | (communities["park_id"] == park_id)]
    rows.append({"layer": "communities", "category": "—", "count": len(member),
                 "area_mu": member["area_mu"].sum(min_count=1)})
    plots = inside(layers["plots"])
    states = status_as_of(plots, year) if len(plots) else pd.Series(dtype=object)
    for state in statuses.values:
        chosen = plots.loc[states == state] if len(plots) else plots
        rows.append({"layer": "plots", "category": status_label[state], "count": len(chosen),
                     "area_mu": chosen["area_mu"].sum() if len(chosen) else 0.0})
    factories = inside(layers["factories"])
    for level in levels.values:
        chosen = factories.loc[factories["level"] == level] if len(factories) else factories
        rows.append({"layer": "factories", "category": level_label[level], "count": len(chosen),
                     "area_mu": float("nan")})
    return pd.DataFrame(rows)


def park_detail(layers: dict[str, pd.DataFrame], park_id: str, *, year: int, language: str = "zh",
                long: pd.DataFrame | None = None) -> Detail | None:
    """The detail of park ``park_id``, or None when no such park exists (e.g. a stale link).

    With ``long`` (compute_attainment's table), the attainment of the park's district comes along:
    parks have no targets of their own, they count towards their district's.
    """
    parks = layers["parks"]
    match = parks.loc[parks["park_id"] == park_id]
    if match.empty:
        return None
    park = match.iloc[0]
    levels = load_vocabularies()["level"]
    label = levels.labels(language)
    yes, no = by_language("是", "yes", language), by_language("否", "no", language)
    attributes = {
        "id": park_id,
        "district": _district_name(park["district_adcode"], language),
        "level": label.get(park["level"], ""),
        "industries": industries_text(park["industries"], language),
        "area_mu": "" if pd.isna(park["area_mu"]) else f"{park['area_mu']:,.0f}",
        "established_year": "" if pd.isna(park["established_year"]) else str(int(park["established_year"])),
        "strategic_park": yes if _strategic(park) else no,
        "wanmu_qianyi": _designation(park, language),
        "green_park_level": label.get(park["green_park_level"], ""),
        "source": str(park.get("source", "")),
    }
    attainment = pd.DataFrame()
    if long is not None:
        district = district_detail(layers, long, park["district_adcode"], year=year, language=language)
        attainment = district.attainment if district is not None else attainment
    return Detail(kind="park", ident=park_id, title=str(park["name_zh"]), attributes=attributes,
                  contents=_contents(layers, park.geometry, year=year, language=language, park_id=park_id),
                  attainment=attainment, approximate=bool(park.get("approximate", False)))


def community_detail(layers: dict[str, pd.DataFrame], community_id: str, *, year: int,
                     language: str = "zh") -> Detail | None:
    communities = layers["communities"]
    match = communities.loc[communities["community_id"] == community_id]
    if match.empty:
        return None
    community = match.iloc[0]
    parks = layers["parks"].set_index("park_id")["name_zh"]
    attributes = {
        "id": community_id,
        "district": _district_name(community["district_adcode"], language),
        "park": str(parks.get(community["park_id"], "")) if community["park_id"] else "",
        "industries": industries_text(community["industries"], language),
        "area_mu": "" if pd.isna(community["area_mu"]) else f"{community['area_mu']:,.0f}",
        "source": str(community.get("source", "")),
    }
    geometry = community.geometry
    contents = pd.DataFrame()
    if geometry is not None and geometry.geom_type in ("Polygon", "MultiPolygon"):
        contents = _contents(layers, geometry, year=year, language=language)
        contents = contents.loc[contents["layer"] != "communities"]
    return Detail(kind="community", ident=community_id, title=str(community["name_zh"]), attributes=attributes,
                  contents=contents)


def district_detail(layers: dict[str, pd.DataFrame], long: pd.DataFrame, adcode: str, *, year: int,
                    language: str = "zh") -> Detail | None:
    """The district's attainment of every target for ``year`` and what it holds."""
    targets = load_targets()
    rows = long.loc[long["adcode"] == adcode]
    if rows.empty:
        return None
    if adcode != CITY_ADCODE:  # a city-only target (the ETDZ rank) has no district value: a line of — says nothing
        rows = rows.loc[[targets[k].scope == "district" for k in rows["key"]]]
    # Figures as text with their units (亩, %, 个...): each row has its own unit. ``pace`` holds the
    # sentences after actual / goal: progress against the pace, the projection to 2026, the data year.
    attainment = pd.DataFrame({
        "key": rows["key"].to_numpy(),
        "target": [targets[k].label(language) for k in rows["key"]],
        "actual": [format_amount(v, targets[k], language) for k, v in zip(rows["key"], rows["actual"], strict=True)],
        "target_value": [goal_amount(targets[k], v, language) for k, v in zip(rows["key"], rows["target"], strict=True)],
        "attainment": rows["attainment"].to_numpy(),
        "status": rows["status"].to_numpy(),
        "no_target": rows["target"].eq(0).to_numpy(),
        "pace": [pace_lines(row, targets[row["key"]], language) for _, row in rows.iterrows()],
        "provisional": rows["provisional"].astype(bool).to_numpy(),
    })
    counts = {name: int((layers[name]["district_adcode"] == adcode).sum())
              for name in ("parks", "communities", "plots", "factories")}
    attributes = {"id": adcode, **{name: str(count) for name, count in counts.items()}}
    return Detail(kind="district", ident=adcode, title=_district_name(adcode, language), attributes=attributes,
                  attainment=attainment)


def _figure(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:,.1f}"


def firms_by_class(scored: pd.DataFrame | None, *, park_id: str, year: int, language: str = "zh") -> str:
    """A park's evaluated firms of ``year`` by class, with the D class's land: ``A 3 · B 5 · C 2 · D 1（12.3 亩）``."""
    if scored is None or "park_id" not in scored.columns:
        return ""
    firms = scored[(scored["park_id"] == park_id) & (scored["year"] == year)]
    if not len(firms):
        return ""
    counts = firms["class"].value_counts()
    text = " · ".join(f"{grade} {int(counts[grade])}" for grade in "ABCDT" if grade in counts)
    d_land = firms.loc[firms["class"] == "D", "land_mu"].sum()
    return f"{text} (D {d_land:,.1f} {t('mu', language)})" if d_land else text


def enterprise_detail(scored: pd.DataFrame | None, ident: str, *, language: str = "zh") -> Detail | None:
    """A firm's evaluation of one year (``ident`` = ``<credit code>|<year>``): class computed and official, group,
    land, score and its 亩均 figures against its district's (Σ ÷ Σ of the district's evaluated firms that year)."""
    enterprise_id, _, year = ident.partition("|")
    if scored is None or not year.isdigit():
        return None
    match = scored[(scored["enterprise_id"] == enterprise_id) & (scored["year"] == int(year))]
    if match.empty:
        return None
    firm = match.iloc[0]
    district = scored[(scored["district_adcode"] == firm["district_adcode"]) & (scored["year"] == int(year))]
    land = pd.to_numeric(district["land_mu"], errors="coerce")
    vocab = load_vocabularies()
    grades, groups = vocab["grade"].labels(language), vocab["group"].labels(language)
    official = firm.get("class_official")
    attributes = {
        "id": enterprise_id,
        "district": _district_name(firm["district_adcode"], language),
        "firm_year": year,
        "firm_group": groups.get(firm["group"], ""),
        "firm_class": grades.get(firm["class"], ""),
        "firm_class_computed": grades.get(firm["class_computed"], "") if official and official != firm[
            "class_computed"] else "",
        "firm_score": _figure(firm.get("score")),
        "area_mu": _figure(firm["land_mu"]),
        "firm_tax_per_mu": f"{_figure(firm['tax_per_mu'])} / {_figure(district['tax'].sum() / land.sum())}",
        "firm_value_added_per_mu": f"{_figure(firm['value_added_per_mu'])} / "
                                   f"{_figure(district['value_added'].sum() / land[district['value_added'].notna()].sum())}",
        "industry": industries_text(firm.get("industry"), language),
        "park": str(firm.get("park_id") or ""),
        "source": str(firm.get("source", "")),
    }
    return Detail(kind="enterprise", ident=ident, title=str(firm["name_zh"]), attributes=attributes)


def selected_detail(layers: dict[str, pd.DataFrame], long: pd.DataFrame, selected: str | None, *, year: int,
                    language: str = "zh", scored: pd.DataFrame | None = None) -> Detail | None:
    """The detail of a selection as kept in the URL (``park:P001``, ``community:C001``, ``district:330206``,
    ``enterprise:<credit code>|<year>``; ``scored``: the evaluated firms, for firms and a park's firms by class).

    None when nothing is selected or the id is not (or no longer) in ``layers``.
    """
    kind, _, ident = (selected or "").partition(":")
    if kind == "enterprise":
        return enterprise_detail(scored, ident, language=language)
    if kind == "park":
        detail = park_detail(layers, ident, year=year, language=language, long=long)
        if detail is not None:
            detail.attributes["firms_by_class"] = firms_by_class(scored, park_id=ident, year=year, language=language)
        return detail
    if kind == "community":
        return community_detail(layers, ident, year=year, language=language)
    if kind == "district":
        detail = district_detail(layers, long, ident, year=year, language=language)
        if detail is not None:  # 亩均 levels since 2021, not only their growth (issue 11)
            for metric in ("tax_per_mu", "value_added_per_mu"):
                detail.attributes[f"{metric}_levels"] = trend_line(scored, layers.get("indicators"), adcode=ident,
                                                                   metric=metric, year=year, language=language)
        return detail
    return None
