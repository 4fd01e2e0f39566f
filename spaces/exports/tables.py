"""The district summary as files: CSV and JSON for machines, a formatted XLSX workbook for people."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from spaces.planning.attainment import ATTAINMENT_STATUSES
from spaces.planning.filters import Filters
from spaces.planning.summary import Summary, nested_records, rounded_share, wide_table
from spaces.reference.districts import CITY_ADCODE, district_names
from spaces.reference.i18n import by_language, colon, label, localised, t, with_unit
from spaces.reference.palette import NO_DATA_FILL, NO_DATA_TEXT, STATUS_FILLS, STATUS_TEXT
from spaces.reference.targets import load_targets, target_groups
from spaces.store import readable_time

from .cells import csv_bytes, safe_workbook, sheet_value
from .context import attainment_rules, export_metadata, provisional_note, status_rule
from .mujun_tables import mujun_summary_sheet

# Columns the CSV adds to the summary's wide table, so a file passed on still says what it reflects.
CSV_CONTEXT_COLUMNS = ("year", "filters", "sample_notice")


def _context(summary: Summary, filters: Filters | None, language: str = "zh", scope: str = "export_scope_summary"):
    filters = filters or Filters(year=summary.year)
    context = export_metadata(source=summary.data_source, filters=filters, store=summary.store,
                              exported_at=summary.created_at, scope=scope, language=language, today=summary.today)
    context["provisional_note"] = provisional_note(summary.year, language) if context["provisional"] else None
    return context


def summary_csv(summary: Summary, *, filters: Filters | None = None, bom: bool = True) -> bytes:
    """The wide table plus ``year, filters, sample_notice`` as UTF-8 CSV (``provisional`` as ``true``/``false``).

    With ``bom`` (the default, for Excel) the file starts with a UTF-8 byte-order mark; pass
    ``bom=False`` for a stream that other programs read (the CLI's stdout).
    """
    context = _context(summary, filters)
    table = wide_table(summary)
    table["provisional"] = table["provisional"].map({True: "true", False: "false"})
    table["year"] = summary.year
    table["filters"] = context["filters_text"]
    table["sample_notice"] = context["notice_zh"] or ""
    return csv_bytes(table, bom=bom)


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


def _number_format(unit_en: str, *, projected: bool = False) -> str:
    # A projection of counts keeps a decimal: 18.3 parks is not yet the 18 an "about 20" target needs.
    if projected and unit_en not in ("mu", "%", "rank"):
        return "#,##0.0"
    return {"mu": "#,##0.0", "%": "0.0", "rank": "0"}.get(unit_en, "#,##0")


def _goal_format(target, language: str) -> str:
    """The goal cell's number format: 约20 / about 20 for "about" targets, the value staying a number."""
    number = _number_format(target.unit_en)
    if not target.about:
        return number
    prefix = target.goal_text(0, language).removesuffix("0")  # 约 / "about "
    return f'"{prefix}"{number}'


# Per target: (column key, header key, with the unit?, field of the summary's long table).
TARGET_COLUMNS = (
    ("baseline", "export_col_baseline", True),
    ("actual", "actual", True),
    ("target", "goal", True),
    ("attainment", "attainment", False),
    ("progress", "export_col_progress", False),
    ("expected", "export_col_expected", False),
    ("status", "status", False),
    ("as_of", "export_col_as_of", False),
    ("projected_2026", "export_col_projected", True),
    ("projected_progress", "export_col_projected_share", False),
)
WIDTH = len(TARGET_COLUMNS)
SHARE_FORMAT = "0.0%"
FIRST_ROW = 4  # title, target names, column headers, then the districts and the city


def _data_year(record: dict, year: int, language: str):
    """The data year: a number, or ``2023（旧）`` / ``2023 (stale)`` when older than ``year``."""
    as_of = record["as_of"]
    if as_of is None or pd.isna(as_of):
        return None
    as_of = int(as_of)
    return t("export_stale_year", language).format(year=as_of) if as_of < year else as_of


def _group_sheet(book: Workbook, group: str, summary: Summary, context: dict, language: str) -> None:
    targets = [target for target in load_targets().values() if target.group == group]
    group_name = t(f"export_group_{group}", language)
    sheet = book.create_sheet(group_name[:31])
    header_font, centred = Font(bold=True), Alignment(horizontal="center", vertical="center", wrap_text=True)
    title = t("export_sheet_title", language).format(group=group_name, year=context["year_text"])
    sheet.cell(1, 1, title).font = Font(bold=True, size=13,
                                        color=STATUS_TEXT["behind"].lstrip("#") if context["provisional"] else None)
    for column, key in ((1, "export_adcode"), (2, "district")):
        sheet.cell(2, column, t(key, language))
        sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    for index, target in enumerate(targets):
        first = 3 + index * WIDTH
        unit = label(target, language, field="unit")
        sheet.cell(2, first, target.label(language))
        sheet.merge_cells(start_row=2, start_column=first, end_row=2, end_column=first + WIDTH - 1)
        for offset, (_, key, with_the_unit) in enumerate(TARGET_COLUMNS):
            text = t(key, language)
            sheet.cell(3, first + offset, with_unit(text, unit, language) if with_the_unit else text)
    last_column = 2 + WIDTH * len(targets)
    for row in sheet.iter_rows(min_row=2, max_row=3, max_col=last_column):
        for cell in row:
            cell.font, cell.alignment, cell.fill = header_font, centred, HEADER_FILL
            cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)

    long = summary.long.set_index(["adcode", "key"])
    names = district_names().set_index("adcode")[localised("name", language)]
    adcodes = list(dict.fromkeys(summary.long["adcode"]))
    stale_seen = False
    for row_index, adcode in enumerate(adcodes, start=FIRST_ROW):
        sheet.cell(row_index, 1, adcode)
        sheet.cell(row_index, 2, names.get(adcode, adcode))
        for index, target in enumerate(targets):
            first = 3 + index * WIDTH
            record = _metric(long.loc[(adcode, target.key)], target)
            for offset, (field, _, _) in enumerate(TARGET_COLUMNS):
                cell = sheet.cell(row_index, first + offset)
                if field == "status":
                    _status_cell(cell, record["status"], target, adcode, language)
                elif field == "as_of":
                    cell.value = _data_year(record, summary.year, language)
                    if isinstance(cell.value, str):
                        stale_seen = True
                        cell.font = Font(italic=True, color=STATUS_TEXT["behind"].lstrip("#"))
                    cell.alignment = Alignment(horizontal="right")
                else:
                    cell.value = sheet_value(record[field])
                    cell.number_format = {
                        "target": _goal_format(target, language),
                        "projected_2026": _number_format(target.unit_en, projected=True),
                    }.get(field, SHARE_FORMAT if field in SHARE_FIELDS else _number_format(target.unit_en))
        if adcode == CITY_ADCODE:
            for column in (1, 2):
                sheet.cell(row_index, column).font = Font(bold=True)
                sheet.cell(row_index, column).fill = CITY_FILL
    notes_row = FIRST_ROW + len(adcodes) + 1
    notes = [context["notice"], context["provisional_note"],
             t("export_stale_note", language) if stale_seen else None,
             f"{t('export_filters', language)}{colon(language)}{context['filters_text']}",
             context["filter_scope"], f"{t('export_time', language)}{colon(language)}{readable_time(context['exported_at'])}"]
    for offset, text in enumerate(filter(None, notes)):
        cell = sheet.cell(notes_row + offset, 1, text)
        warning = text in (context["notice"], context["provisional_note"])  # shown in the colour of "behind"
        cell.font = Font(italic=True, color=(STATUS_TEXT["behind"] if warning else NO_DATA_TEXT).lstrip("#"))

    sheet.freeze_panes = f"C{FIRST_ROW}"
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = by_language(12, 16, language)
    for column in range(3, last_column + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 11
    sheet.row_dimensions[2].height = 30
    sheet.row_dimensions[3].height = 45
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"1:{FIRST_ROW - 1}"
    sheet.oddHeader.left.text = title.replace("&", "&&")
    if context["notice"]:
        sheet.oddHeader.center.text = context["notice"].replace("&", "&&")


SHARE_FIELDS = ("attainment", "progress", "expected", "projected_progress")


def _metric(row: pd.Series, target) -> dict:
    """One metric of the long table as the sheet writes it: shares to 4 decimals, figures as printed."""
    record = {field: rounded_share(row[field]) for field in SHARE_FIELDS}
    for field in ("actual", "target", "baseline", "projected_2026"):
        value = row[field]
        record[field] = None if pd.isna(value) or not math.isfinite(value) else float(value)
    record["as_of"], record["status"] = row["as_of"], row["status"] if isinstance(row["status"], str) else None
    return record


def _status_cell(cell, status: str | None, target, adcode: str, language: str) -> None:
    city_only = target.scope == "city" and adcode != CITY_ADCODE
    cell.value = (t(f"status_{status}", language) if status else
                  t("export_city_only" if city_only else "export_no_data", language))
    cell.fill = _fill(STATUS_FILLS.get(status, NO_DATA_FILL))
    cell.font = Font(color=STATUS_TEXT.get(status, NO_DATA_TEXT).lstrip("#"))
    cell.alignment = Alignment(horizontal="center")


def _metadata_sheet(book: Workbook, summary: Summary, context: dict, language: str) -> None:
    sheet = book.create_sheet(t("export_meta_sheet", language))
    sheet.append([t("export_item", language), t("export_value", language)])
    status_legend = by_language("；", "; ", language).join(status_rule(status, language) for status in ATTAINMENT_STATUSES)
    rows = [
        ("export_data_source", context["data_source_text"]),
        ("export_sample", context["notice"] or t("export_not_sample", language)),
        ("year", context["year_text"]),
        ("elapsed_note", context["elapsed_share"]),
        ("export_read_on", context["read_on"] or ""),
        ("export_filters", context["filters_text"]),
        ("export_filter_scope", context["filter_scope"]),
        ("export_status_legend", status_legend),
        ("export_allocations", t("export_allocations_note", language)),
        ("export_store", context["store"]),
        ("export_time", readable_time(context["exported_at"])),
    ]
    for key, value in rows:
        sheet.append([t(key, language), value])
    sheet.cell(5, 2).number_format = "0.0%"
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    if context["notice"]:
        sheet.cell(3, 2).font = Font(bold=True, color=STATUS_TEXT["behind"].lstrip("#"))
    if context["provisional"]:
        sheet.cell(4, 2).font = Font(bold=True, color=STATUS_TEXT["behind"].lstrip("#"))
        sheet.append(["", context["provisional_note"]])
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 90
    for row in sheet.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
        row[0].alignment = Alignment(vertical="top")
    _targets_sheet(book, language)


def _targets_sheet(book: Workbook, language: str) -> None:
    """The targets as the plan words them, then the rules of progress in words."""
    sheet = book.create_sheet(t("export_targets_sheet", language))
    sheet.append([t(key, language) for key in
                  ("target", "export_key", "export_unit", "export_city_target", "export_plan_text",
                   "export_target_note")])
    for target in load_targets().values():
        sheet.append([target.label(language), target.key, label(target, language, field="unit"), target.target,
                      target.plan_text, label(target, language, field="note") or ""])
        sheet.cell(sheet.max_row, 4).number_format = _goal_format(target, language)
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    rules_row = sheet.max_row + 2
    sheet.cell(rules_row, 1, t("export_rules_title", language)).font = Font(bold=True, size=12)
    for offset, rule in enumerate(attainment_rules(language), start=1):
        row = rules_row + offset
        sheet.cell(row, 1, rule).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
        sheet.row_dimensions[row].height = by_language(36, 48, language)
    for row in sheet.iter_rows(min_row=2, max_row=rules_row - 2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEF", (30, 34, 12, 14, 50, 50), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"


def summary_xlsx(summary: Summary, *, filters: Filters | None = None, language: str = "zh") -> bytes:
    """A sheet per target group: per target its 2021 baseline, actual, goal (约20 for "about" targets),
    attainment, progress against the pace, status (coloured), data year (stale ones marked), and where 2026
    lands at this pace; a provisional year marked in every title. Then the metadata sheet (data source,
    sample notice, year, filters, time) and the targets with their plan text and the rules in words."""
    context = _context(summary, filters, language)
    book = Workbook()
    book.remove(book.active)
    for group in target_groups():
        _group_sheet(book, group, summary, context, language)
    mujun_summary_sheet(book, summary, language)
    _metadata_sheet(book, summary, context, language)
    book.properties.title = t("summary_table", language)
    book.properties.subject = context["notice"] or ""
    safe_workbook(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# The summary formats from a Summary alone: the CLI's `summary` command uses these without the registry.
SUMMARY_EXPORTERS: dict[str, Callable[[Summary], bytes]] = {
    "csv": summary_csv,
    "json": summary_json,
    "xlsx": summary_xlsx,
}
