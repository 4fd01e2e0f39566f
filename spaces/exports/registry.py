"""The export registry: (kind, format) -> function returning bytes, shared by the UI's downloads and the CLI."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from spaces.errors import ExportError
from spaces.planning.attainment import elapsed_share
from spaces.planning.filters import Filters
from spaces.planning.summary import (
    SAMPLE_NOTICE_EN,
    SAMPLE_NOTICE_ZH,
    Summary,
    build_summary,
    data_source,
    nested_records,
    wide_table,
)
from spaces.reference.districts import CITY_ADCODE, district_names
from spaces.reference.i18n import t
from spaces.reference.targets import load_targets
from spaces.reference.vocab import load_vocabularies

from . import features

STATUSES = ("met", "on_track", "behind")
STATUS_LABELS_ZH = {status: t(f"status_{status}", "zh") for status in STATUSES}
# Target groups in the plan's order (labels: export_group_<group> in ui_text.toml).
GROUPS = tuple(dict.fromkeys(target.group for target in load_targets().values()))
# Print palette shared by the XLSX, PDF and HTML exports (Excel's good / neutral / bad fills).
STATUS_FILLS = {"met": "#C6EFCE", "on_track": "#FFEB9C", "behind": "#FFC7CE"}
STATUS_TEXT = {"met": "#006100", "on_track": "#9C5700", "behind": "#9C0006"}
NO_DATA_FILL = "#EDEDED"
# Columns the CSV adds to the summary's wide table, so a file passed on still says what it reflects.
CSV_CONTEXT_COLUMNS = ("year", "filters", "sample_notice")


@dataclass(frozen=True)
class Export:
    """One finished export: what to save and under which name and media type."""

    data: bytes
    filename: str
    media_type: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- what every export says about itself ---------------------------------------------------------------
def colon(language: str) -> str:
    """The label separator: full-width after Chinese, ": " after English."""
    return "：" if language == "zh" else ": "


def with_unit(text: str, unit: str, language: str) -> str:
    """``实际（亩）`` in Chinese, ``Actual (mu)`` in English."""
    return f"{text}（{unit}）" if language == "zh" else f"{text} ({unit})"


def describe_filters(filters: Filters, language: str = "zh") -> str:
    """The filters as a planner reads them: the year, then only the filters that narrow the data.

    Examples
    --------
    >>> describe_filters(Filters(year=2025, districts=("330206",)))
    '年份 2025；区县：北仑区'
    """
    separator, listing = ("；", "、") if language == "zh" else ("; ", ", ")
    names = district_names().set_index("adcode")["name_zh" if language == "zh" else "name_en"]
    vocab = load_vocabularies()

    def labels(vocabulary: str, values: tuple[str, ...]) -> str:
        table = vocab[vocabulary].labels_zh if language == "zh" else vocab[vocabulary].labels_en
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


DATA_SOURCE_KEYS = {"sample": "sample", "imported": "imported", "mixed (sample + imported)": "mixed", "empty": "empty"}


def data_source_text(source: str, language: str = "zh") -> str:
    """:func:`spaces.planning.summary.data_source`'s code as a planner reads it (示例数据, 导入数据...)."""
    key = DATA_SOURCE_KEYS.get(source)
    return t(f"data_source_{key}", language) if key else source


def export_metadata(*, source: str, filters: Filters, store: str, exported_at: str, scope: str,
                    language: str = "zh", counts: dict[str, int] | None = None) -> dict:
    """What every export carries: data source, sample notice, year, filters, scope, store and time (JSON-able).

    The store is named by its file name only: an export leaves the office, the folder it came from
    (often a user's home) does not need to.
    """
    sample = "sample" in source
    metadata = {
        "data_source": source,  # the code (sample, imported, mixed (sample + imported), empty); the label follows
        "data_source_text": data_source_text(source, language),
        "sample": sample,
        "notice": (SAMPLE_NOTICE_ZH if language == "zh" else SAMPLE_NOTICE_EN) if sample else None,
        "notice_zh": SAMPLE_NOTICE_ZH if sample else None,
        "notice_en": SAMPLE_NOTICE_EN if sample else None,
        "year": filters.year,
        "elapsed_share": elapsed_share(filters.year),
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
        f"{t('year', language)}{colon(language)}{filters.year}",
        f"{t('export_filters', language)}{colon(language)}{metadata['filters_text']}",
        metadata["filter_scope"],
        f"{t('export_data_source', language)}{colon(language)}{metadata['data_source_text']}",
        f"{t('export_time', language)}{colon(language)}{exported_at}",
    ) if line]
    return metadata


def restrict_to_districts(summary: Summary, districts: tuple[str, ...]) -> Summary:
    """The summary's rows for ``districts`` and the city (which is always kept); all rows when empty."""
    if not districts:
        return summary
    keep = summary.long["adcode"].isin([*districts, CITY_ADCODE])
    return replace(summary, long=summary.long.loc[keep.to_numpy()].reset_index(drop=True))


# -- summary formats (the CLI's `summary` command uses these directly) ----------------------------------
def _context(summary: Summary, filters: Filters | None, language: str = "zh", scope: str = "export_scope_summary"):
    filters = filters or Filters(year=summary.year)
    return export_metadata(source=summary.data_source, filters=filters, store=summary.store,
                           exported_at=summary.created_at, scope=scope, language=language)


def summary_csv(summary: Summary, *, filters: Filters | None = None, bom: bool = True) -> bytes:
    """The wide table plus ``year, filters, sample_notice`` as UTF-8 CSV.

    With ``bom`` (the default, for Excel) the file starts with a UTF-8 byte-order mark; pass
    ``bom=False`` for a stream that other programs read (the CLI's stdout).
    """
    context = _context(summary, filters)
    table = wide_table(summary)
    table["year"] = summary.year
    table["filters"] = context["filters_text"]
    table["sample_notice"] = context["notice_zh"] or ""
    return table.to_csv(index=False).encode("utf-8-sig" if bom else "utf-8")


def summary_json(summary: Summary, *, filters: Filters | None = None) -> bytes:
    """The CLI's nested records, each also naming its ``filters`` and the sample ``notice`` (or null)."""
    context = _context(summary, filters, language="en")
    records = nested_records(summary)
    for record in records:
        record["filters"] = context["filters"]
        record["notice"] = context["notice_en"]
    return json.dumps(records, ensure_ascii=False, indent=2).encode("utf-8")


THIN = Side(style="thin", color="BFBFBF")
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
CITY_FILL = PatternFill("solid", fgColor="F2F2F2")


def _fill(colour: str) -> PatternFill:
    return PatternFill("solid", fgColor=colour.lstrip("#"))


def _cell(value):
    """A value openpyxl writes as an empty cell when missing (NaN would make Excel repair the file)."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _number_format(unit_en: str) -> str:
    return {"mu": "#,##0.0", "%": "0.0", "rank": "0"}.get(unit_en, "#,##0")


def _group_sheet(book: Workbook, group: str, table: pd.DataFrame, context: dict, language: str) -> None:
    targets = [target for target in load_targets().values() if target.group == group]
    sheet = book.create_sheet(t(f"export_group_{group}", language)[:31])
    zh = language == "zh"
    header_font, centred = Font(bold=True), Alignment(horizontal="center", vertical="center", wrap_text=True)
    for column, key in ((1, "export_adcode"), (2, "district")):
        sheet.cell(1, column, t(key, language))
        sheet.merge_cells(start_row=1, start_column=column, end_row=2, end_column=column)
    for index, target in enumerate(targets):
        first = 3 + index * 4
        unit = target.unit_zh if zh else target.unit_en
        sheet.cell(1, first, target.label_zh if zh else target.label_en)
        sheet.merge_cells(start_row=1, start_column=first, end_row=1, end_column=first + 3)
        for offset, text in enumerate((with_unit(t("actual", language), unit, language),
                                       with_unit(t("goal", language), unit, language),
                                       t("attainment", language), t("status", language))):
            sheet.cell(2, first + offset, text)
    last_column = 2 + 4 * len(targets)
    for row in sheet.iter_rows(min_row=1, max_row=2, max_col=last_column):
        for cell in row:
            cell.font, cell.alignment, cell.fill = header_font, centred, HEADER_FILL
            cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)

    for row_index, record in enumerate(table.to_dict("records"), start=3):
        sheet.cell(row_index, 1, record["adcode"])
        sheet.cell(row_index, 2, record["district" if zh else "district_en"])
        for index, target in enumerate(targets):
            first = 3 + index * 4
            actual = sheet.cell(row_index, first, _cell(record[f"{target.key}_actual"]))
            goal = sheet.cell(row_index, first + 1, _cell(record[f"{target.key}_target"]))
            actual.number_format = goal.number_format = _number_format(target.unit_en)
            sheet.cell(row_index, first + 2, _cell(record[f"{target.key}_attainment"])).number_format = "0.0%"
            status = _cell(record[f"{target.key}_status"])
            city_only = target.scope == "city" and record["adcode"] != CITY_ADCODE
            label = (t(f"status_{status}", language) if status else
                     t("export_city_only" if city_only else "export_no_data", language))
            cell = sheet.cell(row_index, first + 3, label)
            cell.fill = _fill(STATUS_FILLS.get(status, NO_DATA_FILL))
            cell.font = Font(color=STATUS_TEXT.get(status, "#595959").lstrip("#"))
            cell.alignment = Alignment(horizontal="center")
        if record["adcode"] == CITY_ADCODE:
            for column in (1, 2):
                sheet.cell(row_index, column).font = Font(bold=True)
                sheet.cell(row_index, column).fill = CITY_FILL
    notes_row = 3 + len(table) + 1
    notes = [context["notice"], f"{t('export_filters', language)}{colon(language)}{context['filters_text']}",
             context["filter_scope"], f"{t('export_time', language)}{colon(language)}{context['exported_at']}"]
    for offset, text in enumerate(filter(None, notes)):
        cell = sheet.cell(notes_row + offset, 1, text)
        cell.font = Font(italic=True, color="9C0006" if text == context["notice"] else "595959")

    sheet.freeze_panes = "C3"
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 12 if zh else 16
    for column in range(3, last_column + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 11
    sheet.row_dimensions[1].height = 30
    sheet.row_dimensions[2].height = 30
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:2"
    if context["notice"]:
        sheet.oddHeader.center.text = context["notice"].replace("&", "&&")


def _metadata_sheet(book: Workbook, summary: Summary, context: dict, language: str) -> None:
    sheet = book.create_sheet(t("export_meta_sheet", language))
    sheet.append([t("export_item", language), t("export_value", language)])
    status_legend = ("；" if language == "zh" else "; ").join(
        t(f"export_status_rule_{status}", language) for status in STATUSES)
    rows = [
        ("export_data_source", context["data_source_text"]),
        ("export_sample", context["notice"] or t("export_not_sample", language)),
        ("year", summary.year),
        ("elapsed_note", context["elapsed_share"]),
        ("export_filters", context["filters_text"]),
        ("export_filter_scope", context["filter_scope"]),
        ("export_status_legend", status_legend),
        ("export_allocations", t("export_allocations_note", language)),
        ("export_store", context["store"]),
        ("export_time", context["exported_at"]),
    ]
    for key, value in rows:
        sheet.append([t(key, language), value])
    sheet.cell(5, 2).number_format = "0%"
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    if context["notice"]:
        sheet.cell(3, 2).font = Font(bold=True, color="9C0006")
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 90
    for row in sheet.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
        row[0].alignment = Alignment(vertical="top")

    targets_sheet = book.create_sheet(t("export_targets_sheet", language))
    targets_sheet.append([t(key, language) for key in
                          ("target", "export_key", "export_unit", "export_city_target", "export_plan_text")])
    for target in load_targets().values():
        targets_sheet.append([target.label_zh if language == "zh" else target.label_en, target.key,
                              target.unit_zh if language == "zh" else target.unit_en, target.target,
                              target.plan_text])
    for cell in targets_sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for letter, width in zip("ABCDE", (30, 34, 12, 14, 60), strict=True):
        targets_sheet.column_dimensions[letter].width = width
    targets_sheet.freeze_panes = "A2"


def summary_xlsx(summary: Summary, *, filters: Filters | None = None, language: str = "zh") -> bytes:
    """A sheet per target group (headers in ``language``, units in headers, attainment as %, status
    colours, frozen header), a metadata sheet (data source, sample notice, year, filters, time) and the
    targets with their plan text."""
    context = _context(summary, filters, language)
    table = wide_table(summary)
    names = district_names().set_index("adcode")["name_en"]
    table["district_en"] = table["adcode"].map(names)
    book = Workbook()
    book.remove(book.active)
    for group in GROUPS:
        _group_sheet(book, group, table, context, language)
    _metadata_sheet(book, summary, context, language)
    book.properties.title = t("summary_table", language)
    book.properties.subject = context["notice"] or ""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SUMMARY_EXPORTERS: dict[str, Callable[[Summary], bytes]] = {
    "csv": summary_csv,
    "json": summary_json,
    "xlsx": summary_xlsx,
}


# -- one request, every kind ----------------------------------------------------------------------------
@dataclass
class ExportRequest:
    """The store's layers, the planner's filters and language: what every registered exporter reads."""

    layers: dict[str, pd.DataFrame]
    filters: Filters
    store: str
    language: str = "zh"
    created_at: str = field(default_factory=_now)

    @cached_property
    def summary(self) -> Summary:
        """Attainment for the filters' year from all the data, keeping the chosen districts and the city."""
        full = build_summary(self.layers, year=self.filters.year, store=self.store)
        return restrict_to_districts(replace(full, created_at=self.created_at), self.filters.districts)

    @cached_property
    def feature_layers(self) -> dict[str, gpd.GeoDataFrame]:
        return features.feature_layers(self.layers, self.filters)

    def metadata(self, scope: str) -> dict:
        if scope == "export_scope_features":
            frames = self.feature_layers
            return export_metadata(source=data_source(frames), filters=self.filters, store=self.store,
                                   exported_at=self.created_at, scope=scope, language=self.language,
                                   counts={name: len(frame) for name, frame in frames.items()})
        return export_metadata(source=self.summary.data_source, filters=self.filters, store=self.store,
                               exported_at=self.created_at, scope=scope, language=self.language)


def _summary_csv(request: ExportRequest) -> bytes:
    return summary_csv(request.summary, filters=request.filters)


def _summary_xlsx(request: ExportRequest) -> bytes:
    return summary_xlsx(request.summary, filters=request.filters, language=request.language)


def _summary_json(request: ExportRequest) -> bytes:
    return summary_json(request.summary, filters=request.filters)


def _features_geojson(request: ExportRequest) -> bytes:
    return features.geojson_zip(request.feature_layers, request.metadata("export_scope_features"),
                                language=request.language)


def _features_gpkg(request: ExportRequest) -> bytes:
    return features.geopackage(request.feature_layers, request.metadata("export_scope_features"))


def _features_shapefile(request: ExportRequest) -> bytes:
    return features.shapefile_zip(request.feature_layers, request.metadata("export_scope_features"),
                                  language=request.language)


def _brief_pdf(request: ExportRequest) -> bytes:
    # Imported here: matplotlib adds about a second to every CLI command that never draws.
    from . import brief

    return brief.brief_pdf(request.summary, request.layers, request.feature_layers,
                           request.metadata("export_scope_brief"), language=request.language)


def _brief_html(request: ExportRequest) -> bytes:
    from . import brief

    return brief.brief_html(request.summary, request.layers, request.feature_layers,
                            request.metadata("export_scope_brief"), language=request.language)


EXPORTERS: dict[str, dict[str, Callable[[ExportRequest], bytes]]] = {
    "summary": {"csv": _summary_csv, "xlsx": _summary_xlsx, "json": _summary_json},
    "features": {"geojson": _features_geojson, "gpkg": _features_gpkg, "shp-zip": _features_shapefile},
    "brief": {"pdf": _brief_pdf, "html": _brief_html},
}
# Format -> (file suffix, media type).
FORMATS = {
    "csv": ("csv", "text/csv; charset=utf-8"),
    "json": ("json", "application/json"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "geojson": ("geojson.zip", "application/zip"),
    "gpkg": ("gpkg", "application/geopackage+sqlite3"),
    "shp-zip": ("shp.zip", "application/zip"),
    "pdf": ("pdf", "application/pdf"),
    "html": ("html", "text/html; charset=utf-8"),
}
MEDIA_TYPES = {fmt: media_type for fmt, (_, media_type) in FORMATS.items()}


def available_exports() -> list[tuple[str, str]]:
    """Every (kind, format) pair the registry can produce, in registry order."""
    return [(kind, fmt) for kind, formats in EXPORTERS.items() for fmt in formats]


def export_filename(kind: str, fmt: str, filters: Filters, *, sample: bool) -> str:
    """``spaces-<kind>-<year>[-<districts>][-sample].<suffix>``, ASCII so every browser and shell keeps it."""
    parts = ["spaces", kind, str(filters.year)]
    if filters.districts:
        parts.append("-".join(filters.districts) if len(filters.districts) <= 3 else f"{len(filters.districts)}districts")
    if sample:
        parts.append("sample")
    return f"{'-'.join(parts)}.{FORMATS[fmt][0]}"


def export(kind: str, fmt: str, layers: dict[str, pd.DataFrame], *, filters: Filters, store: str,
           language: str = "zh") -> Export:
    """Export ``layers`` (a store's content) as ``kind`` in ``fmt``, reflecting ``filters``.

    Parameters
    ----------
    kind, fmt
        One of :func:`available_exports`: ``summary`` (csv, xlsx, json), ``features`` (geojson,
        gpkg, shp-zip) or ``brief`` (pdf, html).
    layers
        Every layer of the store (``open_store(...).read_all()``), unfiltered: the summary and the
        brief's attainment need all of it; the filters are applied here.
    filters
        The year of the summary; the districts kept; what the features and maps show.
    store
        The store's location, recorded in the metadata.
    language
        ``zh`` (default) or ``en`` for headers, labels and notes.

    Raises
    ------
    ExportError
        For a kind or format the registry does not have.
    """
    formats = EXPORTERS.get(kind)
    if formats is None or fmt not in formats:
        known = ", ".join(f"{k}/{f}" for k, f in available_exports())
        raise ExportError(f"no exporter for {kind!r} as {fmt!r}; available: {known}")
    request = ExportRequest(layers=layers, filters=filters, store=store, language=language)
    data = formats[fmt](request)
    source = (data_source(request.feature_layers) if kind == "features" else request.summary.data_source)
    return Export(data=data, filename=export_filename(kind, fmt, filters, sample="sample" in source),
                  media_type=FORMATS[fmt][1])
