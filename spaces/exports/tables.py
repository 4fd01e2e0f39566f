"""The district summary as files: CSV and JSON for machines, a formatted XLSX workbook for people."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from spaces.planning.attainment import STATUSES as ATTAINMENT_STATUSES
from spaces.planning.filters import Filters
from spaces.planning.summary import Summary, nested_records, wide_table
from spaces.reference.districts import CITY_ADCODE, district_names
from spaces.reference.i18n import colon, t, with_unit
from spaces.reference.palette import NO_DATA_FILL, NO_DATA_TEXT, STATUS_FILLS, STATUS_TEXT
from spaces.reference.targets import load_targets, target_groups

from .context import export_metadata

# Columns the CSV adds to the summary's wide table, so a file passed on still says what it reflects.
CSV_CONTEXT_COLUMNS = ("year", "filters", "sample_notice")


def _context(summary: Summary, filters: Filters | None, language: str = "zh", scope: str = "export_scope_summary"):
    filters = filters or Filters(year=summary.year)
    return export_metadata(source=summary.data_source, filters=filters, store=summary.store,
                           exported_at=summary.created_at, scope=scope, language=language)


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
            cell.font = Font(color=STATUS_TEXT.get(status, NO_DATA_TEXT).lstrip("#"))
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
        colour = STATUS_TEXT["behind"] if text == context["notice"] else NO_DATA_TEXT  # the notice as "behind"
        cell.font = Font(italic=True, color=colour.lstrip("#"))

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
        t(f"export_status_rule_{status}", language) for status in ATTAINMENT_STATUSES)
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
        sheet.cell(3, 2).font = Font(bold=True, color=STATUS_TEXT["behind"].lstrip("#"))
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
    for group in target_groups():
        _group_sheet(book, group, table, context, language)
    _metadata_sheet(book, summary, context, language)
    book.properties.title = t("summary_table", language)
    book.properties.subject = context["notice"] or ""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# The summary formats from a Summary alone: the CLI's `summary` command uses these without the registry.
SUMMARY_EXPORTERS: dict[str, Callable[[Summary], bytes]] = {
    "csv": summary_csv,
    "json": summary_json,
    "xlsx": summary_xlsx,
}
