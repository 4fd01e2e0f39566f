"""The districts page's matrix: targets as rows grouped as in the plan, districts as columns, each cell the gap."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import pandas as pd

from spaces.reference.districts import CITY_ADCODE
from spaces.reference.i18n import colon, label, t, with_unit
from spaces.reference.palette import STATUS_BACKGROUND
from spaces.reference.targets import Target, target_groups

from .header import gap_text
from .pace_text import goal_amount, share


@dataclass(frozen=True)
class Cell:
    """One cell: the gap to the district's 2026 goal in the target's unit (named once, in the row) (or what stands instead of one),
    its progress against the pace as a second line, and its status."""

    text: str  # "差 8,766" (the row names the unit), "已达标", "无分解目标", "—"
    progress: str  # "52%": the share of the way from the baseline to the goal; "" when unknown
    pace: str  # "80%": the share it is judged against (the time elapsed, or an annual task); "" when unknown
    status: str | None
    stale: bool  # the figure rests on an earlier data year
    words: str = ""  # the gap with its unit, for the cell's title ("差 8,766 亩"); "" when ``text`` says it all


def matrix_columns(adcodes_in_order: list[str], chosen: tuple[str, ...] | list[str]) -> list[str]:
    """The columns: every district in adcode order, or only the ones chosen in the sidebar, then the city.

    Examples
    --------
    >>> matrix_columns(["330203", "330206", "330200"], ["330206"])
    ['330206', '330200']
    >>> matrix_columns(["330203", "330206", "330200"], [])
    ['330203', '330206', '330200']
    """
    districts = [code for code in adcodes_in_order if code != CITY_ADCODE and (not chosen or code in chosen)]
    return [*districts, CITY_ADCODE]


def _cell(row: pd.Series | None, target: Target, language: str) -> Cell:
    if row is None:
        return Cell("—", "", "", None, False)
    status = row["status"] if isinstance(row["status"], str) else None
    actual, goal = float(row["actual"]), float(row["target"])
    stale = bool(row.get("stale", False)) and status is not None
    progress = share(row["progress"]) if pd.notna(row["progress"]) else ""
    pace = share(row["expected"]) if pd.notna(row["expected"]) else ""
    if status is None:
        return Cell("—", "", "", None, False)
    if status == "met":
        if goal == 0:
            return Cell(t("no_target", language), "", "", status, stale)
        if not progress:  # its 2021 baseline already reached the goal: no progress to show
            return Cell(t("met_at_baseline", language), "", "", status, stale)
        return Cell(t("status_met", language), progress, pace, status, stale)
    known = math.isfinite(actual) and math.isfinite(goal)
    gap = gap_text(target, actual, goal, language, unit=False) if known else ""
    words = gap_text(target, actual, goal, language) if known else ""
    return Cell(gap or t(f"status_{status}", language), progress, pace, status, stale, words)


def gap_matrix(long: pd.DataFrame, *, targets: dict[str, Target], columns: list[str],
               language: str) -> dict[str, dict[str, Cell]]:
    """``{target key: {adcode: Cell}}`` for ``targets`` (rows, in the plan's order) and ``columns`` (adcodes).

    ``long`` is :func:`~spaces.planning.attainment.compute_attainment`'s table. A target or district with no
    row in it gets ``—``.
    """
    rows = long.set_index(["key", "adcode"])
    matrix = {}
    for key, target in targets.items():
        matrix[key] = {code: _cell(rows.loc[(key, code)] if (key, code) in rows.index else None, target, language)
                       for code in columns}
    return matrix


def matrix_html(matrix: dict[str, dict[str, Cell]], *, targets: dict[str, Target], column_names: dict[str, str],
                language: str, district_heading: str) -> str:
    """The matrix as one HTML table that fits its container (fixed layout, cells wrap), grouped by target
    group, each cell coloured by status; a cell's title holds its figures in words. Every text is escaped."""
    columns = list(next(iter(matrix.values())).keys()) if matrix else []
    width = f"{max(5.0, 80.0 / max(len(columns), 1)):.2f}%"
    head = "".join(f'<th style="width:{width}">{escape(column_names[code])}</th>' for code in columns)
    lines = ['<div class="gap-matrix"><table>',
             f'<thead><tr><th class="target">{escape(district_heading)}</th>{head}</tr></thead><tbody>']
    for group in target_groups():
        keys = [key for key in matrix if targets[key].group == group]
        if not keys:
            continue
        lines.append(f'<tr class="group"><th colspan="{len(columns) + 1}">'
                     f'{escape(t(f"export_group_{group}", language))}</th></tr>')
        for key in keys:
            target = targets[key]
            goal = f'{t("target", language)}{colon(language)}{goal_amount(target, target.target, language)}'
            cells = []
            for code in columns:
                cell = matrix[key][code]
                colour = STATUS_BACKGROUND.get(cell.status, "#f5f5f5")
                text = escape(cell.text) + ("*" if cell.stale else "")
                title = f"{column_names[code]} · {target.label(language)}{colon(language)}{cell.words or cell.text}"
                if cell.progress:
                    title += f" · {t('matrix_progress_title', language)}{colon(language)}{cell.progress} / {cell.pace}"
                small = f'<div class="pace">{escape(cell.progress)}</div>' if cell.progress else ""
                cells.append(f'<td style="background:{colour}" title="{escape(title)}">{text}{small}</td>')
            unit = t("matrix_points", language) if target.unit_en == "%" else label(target, language, field="unit")
            name = with_unit(target.label(language), unit, language)
            lines.append(f'<tr><th class="target" title="{escape(goal)}">{escape(name)}</th>'
                         f'{"".join(cells)}</tr>')
    lines.append("</tbody></table></div>")
    return "".join(lines)
