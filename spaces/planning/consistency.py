"""City indicator rows checked against their districts: a city count below one district, or far from their sum."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spaces.reference.districts import CITY_ADCODE, DISTRICT_ADCODES
from spaces.reference.i18n import t
from spaces.reference.targets import load_targets

# How far (a share of the district sum) a city count may be from the sum of its districts: rounding
# and late corrections, not a different count.
SUM_TOLERANCE = 0.10


@dataclass(frozen=True)
class IndicatorWarning:
    """One city value that its districts contradict.

    ``row`` is the index label of the city row in the table checked (an import names its line);
    ``key`` and ``params`` give the text (``problem_<key>`` of geodata/ui_text.toml); ``message`` is
    the English text, as the CLI prints it.
    """

    row: object
    year: int
    column: str
    city: float
    key: str
    params: dict
    message: str

    def text(self, language: str) -> str:
        """What the warning says in ``language``: plain text (numbers, adcodes and column names only)."""
        return t(f"problem_{self.key}", language, count=self.params.get("count")).format(**self.params)


def summed_columns() -> tuple[str, ...]:
    """The indicator columns the districts add up to the city: those of the plan's counted flows
    (``indicator_flow`` targets: 高耗低效 enterprises upgraded, 散乱污 enterprises cleared)."""
    return tuple(dict.fromkeys(target.column for target in load_targets().values()
                               if target.measure == "indicator_flow" and target.column))


def indicator_warnings(layers: dict[str, pd.DataFrame] | pd.DataFrame) -> list[IndicatorWarning]:
    """City rows (330200) of ``indicators`` that their district rows of the same year contradict.

    For each count the districts add up to (:func:`summed_columns`), a city value is questioned when it
    is below the largest district's value, or else more than 10 % (:data:`SUM_TOLERANCE`) from the sum of
    the districts. The sum is compared only when every district reported the year; with some missing, only
    a city value more than 10 % below the sum of those reported is questioned (the others can only add).
    Takes the store's layers or the indicators table alone; nothing is changed.

    Examples
    --------
    >>> table = pd.DataFrame({"district_adcode": ["330200", "330212"], "year": [2023, 2023],
    ...                       "inefficient_enterprises_upgraded": [40, 55]})
    >>> [w.message for w in indicator_warnings(table)]
    ["the city's inefficient_enterprises_upgraded for 2023 (40) is below district 330212's value (55)"]
    """
    table = layers["indicators"] if isinstance(layers, dict) else layers
    if table is None or not len(table) or "district_adcode" not in table.columns:
        return []
    years = pd.to_numeric(table["year"], errors="coerce")
    warnings: list[IndicatorWarning] = []
    for column in summed_columns():
        if column not in table.columns:
            continue
        values = pd.to_numeric(table[column], errors="coerce").astype(float)
        frame = pd.DataFrame({"adcode": table["district_adcode"], "year": years, "value": values})
        frame = frame.dropna(subset=["year", "value"])
        districts = frame.loc[frame["adcode"].isin(DISTRICT_ADCODES)]
        for row, city in frame.loc[frame["adcode"] == CITY_ADCODE].iterrows():
            # The last row of a district wins, as when the engine reads the table.
            reported = districts.loc[districts["year"] == city["year"]].drop_duplicates("adcode", keep="last")
            if not len(reported):
                continue
            warning = _questioned(row, int(city["year"]), column, float(city["value"]), reported)
            if warning is not None:
                warnings.append(warning)
    return warnings


def _questioned(row: object, year: int, column: str, city: float, reported: pd.DataFrame) -> IndicatorWarning | None:
    largest = reported.loc[reported["value"].idxmax()]
    if city < largest["value"]:
        key = "city_below_district"
        params = {"column": column, "year": year, "city": _number(city), "district": largest["adcode"],
                  "value": _number(largest["value"])}
        message = (f"the city's {column} for {year} ({params['city']}) is below district {params['district']}'s "
                   f"value ({params['value']})")
        return IndicatorWarning(row, year, column, city, key, params, message)
    total = float(reported["value"].sum())
    complete = set(DISTRICT_ADCODES) <= set(reported["adcode"])
    gap = abs(city - total) if complete else total - city
    if not gap > SUM_TOLERANCE * total or np.isclose(gap, SUM_TOLERANCE * total):
        return None
    key = "city_far_from_district_sum"
    params = {"column": column, "year": year, "city": _number(city), "total": _number(total),
              "count": len(reported), "tolerance": f"{SUM_TOLERANCE:.0%}"}
    message = (f"the city's {column} for {year} ({params['city']}) is more than {params['tolerance']} from the sum "
               f"of its {params['count']} districts reported ({params['total']})")
    return IndicatorWarning(row, year, column, city, key, params, message)


def _number(value: float) -> str:
    """A count as written: 40, not 40.0; thousands separated (1,234)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
