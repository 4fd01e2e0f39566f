"""The export registry: format name -> function turning a Summary into bytes (shared by UI and CLI)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .summary import SAMPLE_NOTICE_EN, SAMPLE_NOTICE_ZH, Summary, nested_records, wide_table
from .targets import load_targets
from .vocab import load_vocabularies

STATUS_LABELS_ZH = {"met": "已达标", "on_track": "进度正常", "behind": "滞后"}
STATUS_FILLS = {"met": "C6EFCE", "on_track": "FFEB9C", "behind": "FFC7CE"}


def summary_csv(summary: Summary) -> bytes:
    """The wide table as UTF-8 CSV (no BOM, so it pipes cleanly; Excel users take the XLSX)."""
    return wide_table(summary).to_csv(index=False).encode("utf-8")


def summary_json(summary: Summary) -> bytes:
    return json.dumps(nested_records(summary), ensure_ascii=False, indent=2).encode("utf-8")


def summary_xlsx(summary: Summary) -> bytes:
    """One sheet of attainment (Chinese headers, percentages, status colours) and one of metadata."""
    targets = load_targets()
    table = wide_table(summary)
    book = Workbook()
    sheet = book.active
    sheet.title = "区县达标"
    header = ["区县代码", "区县"]
    for target in targets.values():
        header += [f"{target.label_zh} 实际({target.unit_zh})", f"{target.label_zh} 目标({target.unit_zh})",
                   f"{target.label_zh} 完成率", f"{target.label_zh} 状态"]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in table.to_dict("records"):
        row = [record["adcode"], record["district"]]
        for key in targets:
            row += [record[f"{key}_actual"], record[f"{key}_target"], record[f"{key}_attainment"],
                    STATUS_LABELS_ZH.get(record[f"{key}_status"], "无数据")]
        sheet.append(row)
    for column_index in range(3, len(header) + 1, 4):
        for row_index in range(2, len(table) + 2):
            sheet.cell(row_index, column_index + 2).number_format = "0.0%"
            status_cell = sheet.cell(row_index, column_index + 3)
            status = {v: k for k, v in STATUS_LABELS_ZH.items()}.get(status_cell.value)
            if status:
                status_cell.fill = PatternFill("solid", fgColor=STATUS_FILLS[status])
    for index in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 14 if index > 2 else 10
    sheet.freeze_panes = "C2"

    meta = book.create_sheet("说明")
    meta.append(["项目 Item", "内容 Value"])
    notice = (f"{SAMPLE_NOTICE_ZH} / {SAMPLE_NOTICE_EN}" if summary.is_sample else "")
    for item in (
        ("数据来源 Data source", summary.data_source),
        ("示例数据 Sample data", notice or "否 No"),
        ("年份 Year", summary.year),
        ("存储 Store", summary.store),
        ("导出时间 Exported at (UTC)", summary.created_at),
        ("状态 Status", "; ".join(f"{k} = {v}" for k, v in STATUS_LABELS_ZH.items())),
        ("级别 Levels", "; ".join(load_vocabularies()["level"].labels_zh.values())),
    ):
        meta.append(list(item))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SUMMARY_EXPORTERS: dict[str, Callable[[Summary], bytes]] = {
    "csv": summary_csv,
    "json": summary_json,
    "xlsx": summary_xlsx,
}
MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
