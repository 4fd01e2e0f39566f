"""The 亩均评价 page's tables: 亩均 levels per district with their 2021 level, growth and source, the trend, classes.

Every figure is Σ over Σ of the firms the page's class and group filters keep (never a mean of ratios). Where
those firms give no figure for a district, the district's typed ``indicators`` stand in, but only while the
filters keep what the indicators describe (the 规上 firms of every class): ``source`` says which.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from spaces.planning.mujun_aggregates import aggregate, per_mu_by_year
from spaces.planning.mujun_land import d_class_land
from spaces.reference.districts import CITY_ADCODE, DISTRICT_ADCODES, district_names
from spaces.reference.i18n import localised, t
from spaces.reference.mujun_method import CLASSES
from spaces.reference.targets import BASELINE_YEAR

METRICS = {"tax_per_mu": "tax", "value_added_per_mu": "value_added"}  # 万元/亩: Σ column ÷ Σ land
INDICATOR_GROUP = "above_scale"  # the typed indicators are the 规上 firms' levels, as the targets count them
LEVEL_COLUMNS = ("adcode", "district", "enterprises", "land_mu",
                 *(f"{m}{s}" for m in METRICS for s in ("", "_2021", "_growth_pct", "_source")))


def chosen(scored: pd.DataFrame | None, *, classes: tuple[str, ...] = (), groups: tuple[str, ...] = ()) -> pd.DataFrame:
    """The scored firm-years of ``classes`` (their ``class``: the official one where given) and ``groups``;
    empty tuples keep all."""
    if scored is None or not len(scored):
        return pd.DataFrame(columns=["enterprise_id", "year", "district_adcode", "group", "land_mu", "class"])
    keep = pd.Series(True, index=scored.index)
    if classes:
        keep &= scored["class"].isin(classes)
    if groups:
        keep &= scored["group"].isin(groups)
    return scored.loc[keep.to_numpy(dtype=bool)]


def indicators_stand_in(classes: tuple[str, ...], groups: tuple[str, ...]) -> bool:
    """Whether the typed indicators (规上, every class) may stand in for firms the filters keep."""
    return not classes and set(groups or (INDICATOR_GROUP,)) == {INDICATOR_GROUP}


def _indicator_matrix(indicators: pd.DataFrame | None, column: str) -> pd.DataFrame:
    """Years × adcodes (districts then the city) of a typed indicator; NaN where nothing was typed."""
    adcodes = [*DISTRICT_ADCODES, CITY_ADCODE]
    if indicators is None or column not in indicators.columns or not len(indicators):
        return pd.DataFrame(columns=adcodes, dtype=float)
    frame = pd.DataFrame({"adcode": indicators["district_adcode"], "year": pd.to_numeric(indicators["year"]),
                          "v": pd.to_numeric(indicators[column], errors="coerce")}).dropna(subset=["v"])
    return frame.pivot_table(index="year", columns="adcode", values="v", aggfunc="last").reindex(columns=adcodes)


def series(firms: pd.DataFrame, indicators: pd.DataFrame | None, *, metric: str,
           stand_in: bool) -> tuple[pd.DataFrame, dict[str, str | None]]:
    """Years × adcodes of ``metric`` for every district and the city, and the source of each adcode's column:
    the firms where they give the figure of 2021 or later, else the indicators when ``stand_in``."""
    from_firms = per_mu_by_year(firms, column=METRICS[metric], groups=None)
    typed = _indicator_matrix(indicators, metric) if stand_in else pd.DataFrame(dtype=float)
    out, sources = {}, {}
    for adcode in [*DISTRICT_ADCODES, CITY_ADCODE]:
        own = from_firms[adcode].dropna() if adcode in from_firms else pd.Series(dtype=float)
        other = typed[adcode].dropna() if adcode in typed else pd.Series(dtype=float)
        if len(own) and (own.index >= BASELINE_YEAR).any():
            out[adcode], sources[adcode] = own, "enterprises"
        elif len(other):
            out[adcode], sources[adcode] = other, "indicators"
        else:
            out[adcode], sources[adcode] = pd.Series(dtype=float), None
    matrix = pd.DataFrame(out).sort_index()
    matrix.index = matrix.index.astype(int)
    return matrix, sources


def district_levels(scored: pd.DataFrame | None, indicators: pd.DataFrame | None, *, year: int,
                    districts: tuple[str, ...] = (), classes: tuple[str, ...] = (), groups: tuple[str, ...] = (),
                    language: str = "zh") -> pd.DataFrame:
    """Per chosen district (all when empty), then the city: the year's firms and 亩 (of the filters), 亩均税收 and
    亩均增加值 of the year (万元/亩), their 2021 level, growth since 2021 in % and their source."""
    firms = chosen(scored, classes=classes, groups=groups)
    stand_in = indicators_stand_in(classes, groups)
    adcodes = [*(districts or DISTRICT_ADCODES), CITY_ADCODE]
    table = pd.DataFrame({"adcode": adcodes})
    names = district_names().set_index("adcode")[localised("name", language)]
    table["district"] = table["adcode"].map(names)
    if len(firms):
        counts = aggregate(firms.assign(district_adcode=firms["district_adcode"]), by="district", year=year)
        city = aggregate(firms.assign(district_adcode=CITY_ADCODE), by="district", year=year)
        counts = pd.concat([counts, city]).set_index("district_adcode")
    else:
        counts = pd.DataFrame(columns=["enterprises", "land_mu"])
    table["enterprises"] = table["adcode"].map(counts["enterprises"]).fillna(0).astype(int)
    table["land_mu"] = table["adcode"].map(counts["land_mu"]).fillna(0.0).round(2)
    for metric in METRICS:
        matrix, sources = series(firms, indicators, metric=metric, stand_in=stand_in)
        now = [_at(matrix, a, year) for a in adcodes]
        then = [_at(matrix, a, BASELINE_YEAR) for a in adcodes]
        table[metric] = np.round(now, 2)
        table[f"{metric}_2021"] = np.round(then, 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            growth = np.where(np.array(then) > 0, (np.array(now) / np.array(then) - 1.0) * 100.0, np.nan)
        table[f"{metric}_growth_pct"] = np.round(growth, 1)
        table[f"{metric}_source"] = [sources[a] if np.isfinite(n) or np.isfinite(b) else None
                                     for a, n, b in zip(adcodes, now, then, strict=True)]
    return table[list(LEVEL_COLUMNS)]


def _at(matrix: pd.DataFrame, adcode: str, year: int) -> float:
    if adcode not in matrix.columns or year not in matrix.index:
        return np.nan
    value = matrix.loc[year, adcode]
    return float(value) if pd.notna(value) else np.nan


def trend_line(scored: pd.DataFrame | None, indicators: pd.DataFrame | None, *, adcode: str, metric: str,
               year: int, language: str = "zh") -> str:
    """One 规上 亩均 figure (the targets' firms) of one district (or the city) from 2021 to ``year`` as a line of
    levels (万元/亩): ``2021 42.6 · 2022 45.0 · … · 2025 55.1 万元/亩（企业亩均评价）``; "" without data."""
    rows = trend(scored, indicators, districts=(adcode,), groups=("above_scale",), language=language)
    rows = rows[(rows["metric"] == metric) & (rows["year"] <= year)]
    if not len(rows):
        return ""
    levels = " · ".join(f"{row.year} {row.value:,.1f}" for row in rows.itertuples())
    return f"{levels} {t('mujun_unit', language)} ({t(f'mujun_source_{rows.iloc[-1].source}', language)})"


def trend(scored: pd.DataFrame | None, indicators: pd.DataFrame | None, *, districts: tuple[str, ...] = (),
          classes: tuple[str, ...] = (), groups: tuple[str, ...] = (), language: str = "zh") -> pd.DataFrame:
    """Long rows ``year, adcode, area, metric, value, source`` since 2021 of both 亩均 figures, for the chosen
    districts (the city when none is chosen)."""
    firms = chosen(scored, classes=classes, groups=groups)
    stand_in = indicators_stand_in(classes, groups)
    names = district_names().set_index("adcode")[localised("name", language)]
    rows = []
    for metric in METRICS:
        matrix, sources = series(firms, indicators, metric=metric, stand_in=stand_in)
        for adcode in districts or (CITY_ADCODE,):
            if adcode not in matrix.columns:
                continue
            for year, value in matrix[adcode].items():
                if year >= BASELINE_YEAR and pd.notna(value):
                    rows.append({"year": int(year), "adcode": adcode, "area": names.get(adcode, adcode),
                                 "metric": metric, "value": round(float(value), 2), "source": sources[adcode]})
    return pd.DataFrame(rows, columns=["year", "adcode", "area", "metric", "value", "source"])


def class_table(scored: pd.DataFrame | None, *, year: int, districts: tuple[str, ...] = (),
                classes: tuple[str, ...] = (), groups: tuple[str, ...] = (), language: str = "zh") -> pd.DataFrame:
    """Per chosen district, then the city: the year's firms and 亩 per class (``count_A`` … ``land_mu_T``)."""
    firms = chosen(scored, classes=classes, groups=groups)
    adcodes = [*(districts or DISTRICT_ADCODES), CITY_ADCODE]
    columns = [*(f"count_{c}" for c in CLASSES), *(f"land_mu_{c}" for c in CLASSES)]
    if len(firms):
        per = aggregate(firms, by="district", year=year)
        per = pd.concat([per, aggregate(firms.assign(district_adcode=CITY_ADCODE), by="district", year=year)])
        per = per.set_index("district_adcode")[columns]
    else:
        per = pd.DataFrame(columns=columns)
    table = per.reindex(adcodes).fillna(0)
    for name in CLASSES:
        table[f"count_{name}"] = table[f"count_{name}"].astype(int)
        table[f"land_mu_{name}"] = table[f"land_mu_{name}"].astype(float).round(1)
    names = district_names().set_index("adcode")[localised("name", language)]
    table.insert(0, "district", [names.get(a, a) for a in adcodes])
    return table.reset_index(names="adcode")


def trend_chart(data: pd.DataFrame, *, metric: str, language: str) -> alt.Chart:
    """One 亩均 figure per year since 2021 as a line per area (万元/亩), points marking the years with data."""
    rows = data.loc[data["metric"] == metric]
    title = t(f"mujun_col_{metric}", language)
    tooltip = [alt.Tooltip("area:N", title=t("district", language)), alt.Tooltip("year:O", title=t("year", language)),
               alt.Tooltip("value:Q", title=title, format=".2f"),
               alt.Tooltip("source_label:N", title=t("mujun_short_source", language))]
    shown = rows.assign(source_label=rows["source"].map(lambda s: t(f"mujun_source_{s}", language) if s else ""))
    return alt.Chart(shown, title=title).mark_line(point=True).encode(
        x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
        color=alt.Color("area:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=tooltip).properties(height=260)


def d_class_table(layers: dict[str, pd.DataFrame], scored: pd.DataFrame | None, *, year: int,
                  districts: tuple[str, ...] = (), groups: tuple[str, ...] = (), park_id: str | None = None
                  ) -> pd.DataFrame:
    """:func:`~spaces.planning.mujun_land.d_class_land` of ``year`` in ``park_id`` (all when None), kept to the
    chosen districts and groups (all when empty)."""
    if scored is None or not len(scored):
        return d_class_land({}, year=year)
    table = d_class_land(layers, year=year, park_id=park_id, scored=scored)
    if districts:
        table = table.loc[table["district_adcode"].isin(districts).to_numpy()]
    if groups:
        table = table.loc[table["group"].isin(groups).to_numpy()]
    return table.reset_index(drop=True)
