"""What every export reads and says about itself: the request, the filters in words, the data source, the metadata."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import pandas as pd

from spaces.planning.calendar import BEIJING, elapsed_share, final_from, is_provisional, today_in_beijing
from spaces.planning.filters import Filters
from spaces.planning.provenance import DataSource
from spaces.planning.summary import SAMPLE_NOTICE_EN, SAMPLE_NOTICE_ZH, Summary, build_summary, data_source
from spaces.reference.districts import CITY_ADCODE, district_names
from spaces.reference.i18n import by_language, colon, localised, t
from spaces.reference.targets import load_schedule
from spaces.reference.vocab import load_vocabularies
from spaces.store import readable_time

from . import features

# The rules of progress as the exports state them, in the order a planner reads them (README: "How attainment
# is computed" says the same).
RULE_KEYS = ("baseline", "progress", "pace", "growth", "rank", "status", "about", "striving", "provisional",
             "as_of", "no_data", "projection", "ranking", "designations")
DATA_SOURCE_KEYS = {"sample": "sample", "imported": "imported", "mixed (sample + imported)": "mixed", "empty": "empty"}


def _now() -> str:
    """Now in 北京时间, as ISO 8601 with its offset (+08:00): what a planner's clock said, still unambiguous."""
    return datetime.now(BEIJING).isoformat(timespec="seconds")


def describe_filters(filters: Filters, language: str = "zh") -> str:
    """The filters as a planner reads them: the year, then only the filters that narrow the data.

    Examples
    --------
    >>> describe_filters(Filters(year=2025, districts=("330206",)))
    '年份 2025；区县：北仑区'
    """
    separator, listing = by_language("；", "; ", language), by_language("、", ", ", language)
    names = district_names().set_index("adcode")[localised("name", language)]
    vocab = load_vocabularies()

    def labels(vocabulary: str, values: tuple[str, ...]) -> str:
        table = vocab[vocabulary].labels(language)
        return listing.join(table.get(value, value) for value in values)

    parts = [f"{t('year', language)} {filters.year}"]
    active = (
        ("district", listing.join(str(names.get(code, code)) for code in filters.districts)),
        ("industries", listing.join(filters.industries)),
        ("levels", labels("level", filters.levels)),
        ("statuses", labels("status", filters.statuses)),
        ("export_filter_parks", listing.join(filters.park_ids)),
    )
    parts += [f"{t(key, language)}{colon(language)}{value}" for key, value in active if value]
    if filters.inside_parks:
        parts.append(t("export_filter_inside_parks", language))
    if len(parts) == 1:
        parts.append(t("export_no_other_filters", language))
    return separator.join(parts)


def data_source_text(source: str, language: str = "zh") -> str:
    """:func:`spaces.planning.summary.data_source`'s code as a planner reads it (示例数据, 导入数据...)."""
    key = DATA_SOURCE_KEYS.get(source)
    return t(f"data_source_{key}", language) if key else source


def year_text(year: int, *, provisional: bool, language: str = "zh") -> str:
    """A year as exports print it: ``2026（进行中，数据未完整）`` while its statistics are provisional.

    Examples
    --------
    >>> year_text(2026, provisional=True, language="en"), year_text(2025, provisional=False)
    ('2026 (in progress, figures incomplete)', '2025')
    """
    return f"{year}{t('export_provisional_mark', language)}" if provisional else str(year)


def final_day_text(language: str = "zh") -> str:
    """The day of the next year from which a year's figures are complete: ``4 月 1 日`` / ``1 April``."""
    schedule = load_schedule()
    return t("export_final_date", language).format(
        month=schedule.final_month, day=schedule.final_day,
        month_name=date(2001, schedule.final_month, 1).strftime("%B"))


def about_share_text() -> str:
    """The lower edge of an "about" target's band as a share of the target: ``90%``."""
    return f"{1 - load_schedule().about_band:.0%}"


def status_rule(status: str, language: str = "zh") -> str:
    """One status's rule in a sentence (``export_status_rule_<status>``), the about band filled in."""
    return t(f"export_status_rule_{status}", language).format(share=about_share_text())


def attainment_rules(language: str = "zh") -> list[str]:
    """The rules of baseline, pace, status, provisional years, projection and ranking, one sentence each.

    Examples
    --------
    >>> attainment_rules("en")[6]
    "'About' targets (shown as about 20, about 70) are met from 90% of the target up."
    """
    values = {"share": about_share_text(), "final": final_day_text(language)}
    return [t(f"export_rule_{key}", language).format(**values) for key in RULE_KEYS]


def provisional_note(year: int, language: str = "zh") -> str:
    """What a provisional year's figures are: ``2026 年数据尚未完整（2027-04-01 起视为完整）…``."""
    return t("export_provisional_note", language).format(year=year, final=final_from(year).isoformat())


def export_metadata(*, source: str, filters: Filters, store: str, exported_at: str, scope: str,
                    language: str = "zh", counts: dict[str, int] | None = None, today: date | None = None) -> dict:
    """What every export carries: data source, sample notice, year (marked when provisional on ``today``),
    filters, scope, store and time (JSON-able). ``today`` None takes the year as over.

    The store is named by its file name only: an export leaves the office, the folder it came from
    (often a user's home) does not need to.
    """
    sample = DataSource(source).is_sample
    provisional = today is not None and is_provisional(filters.year, today=today)
    metadata = {
        "data_source": source,  # the code (sample, imported, mixed (sample + imported), empty); the label follows
        "data_source_text": data_source_text(source, language),
        "sample": sample,
        "notice": by_language(SAMPLE_NOTICE_ZH, SAMPLE_NOTICE_EN, language) if sample else None,
        "notice_zh": SAMPLE_NOTICE_ZH if sample else None,
        "notice_en": SAMPLE_NOTICE_EN if sample else None,
        "year": filters.year,
        "provisional": provisional,
        "year_text": year_text(filters.year, provisional=provisional, language=language),
        "read_on": today.isoformat() if today else None,
        "elapsed_share": elapsed_share(filters.year, today=today),
        "filters": filters.describe(),
        "filters_text": describe_filters(filters, language),
        "filter_scope": t(scope, language),
        "store": Path(store).name if store else "",
        "exported_at": exported_at,
        "crs": "EPSG:4326",
        "language": language,
    }
    if counts is not None:
        metadata["feature_counts"] = counts
    metadata["about"] = [line for line in (
        metadata["notice"],
        f"{t('year', language)}{colon(language)}{metadata['year_text']}",
        f"{t('export_filters', language)}{colon(language)}{metadata['filters_text']}",
        metadata["filter_scope"],
        f"{t('export_data_source', language)}{colon(language)}{metadata['data_source_text']}",
        f"{t('export_time', language)}{colon(language)}{readable_time(exported_at)}",
    ) if line]
    return metadata


def restrict_to_districts(summary: Summary, districts: tuple[str, ...]) -> Summary:
    """The summary's rows for ``districts`` and the city (which is always kept); all rows when empty."""
    if not districts:
        return summary
    keep = summary.long["adcode"].isin([*districts, CITY_ADCODE])
    return replace(summary, long=summary.long.loc[keep.to_numpy()].reset_index(drop=True))


@dataclass
class ExportRequest:
    """The store's layers, the planner's filters and language: what every registered exporter reads."""

    layers: dict[str, pd.DataFrame]
    filters: Filters
    store: str
    language: str = "zh"
    created_at: str = field(default_factory=_now)
    today: date = field(default_factory=today_in_beijing)  # the date the figures are read on

    @cached_property
    def summary(self) -> Summary:
        """Attainment for the filters' year from all the data, keeping the chosen districts and the city."""
        full = build_summary(self.layers, year=self.filters.year, store=self.store, today=self.today)
        return restrict_to_districts(replace(full, created_at=self.created_at), self.filters.districts)

    @cached_property
    def feature_layers(self) -> dict[str, gpd.GeoDataFrame]:
        return features.feature_layers(self.layers, self.filters)

    def metadata(self, scope: str) -> dict:
        if scope == "export_scope_features":
            frames = self.feature_layers
            return export_metadata(source=data_source(frames), filters=self.filters, store=self.store,
                                   exported_at=self.created_at, scope=scope, language=self.language,
                                   counts={name: len(frame) for name, frame in frames.items()}, today=self.today)
        return export_metadata(source=self.summary.data_source, filters=self.filters, store=self.store,
                               exported_at=self.created_at, scope=scope, language=self.language, today=self.today)
