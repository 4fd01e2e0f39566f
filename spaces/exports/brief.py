"""The printable district brief: one page per district and one for the city, as PDF or self-contained HTML."""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass
from pathlib import Path
from string import Template

import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from spaces.planning.summary import Summary
from spaces.reference.districts import CITY_ADCODE, district_names
from spaces.reference.i18n import by_language, colon, label, localised, t, with_unit
from spaces.reference.palette import NO_DATA_FILL, NO_DATA_TEXT, STATUS_FILLS, STATUS_TEXT
from spaces.reference.targets import (
    BASELINE_YEAR,
    PLAN_START_YEAR,
    Target,
    format_value,
    load_targets,
    target_groups,
)
from spaces.store import readable_time

from .brief_mujun import mujun_html_section, mujun_pdf_page, mujun_table
from .context import provisional_note
from .figures import MapArea, Trend, draw_map, draw_trend, print_style
from .page_text import A4_INCHES, WIDTH_INCHES, em_width, footer, notices
from .page_text import wrap as _wrap

# Parks named under a page's map; more are counted, not listed.
MAX_PARKS_NAMED = 12
MAP_DPI, TREND_DPI = 120, 120
# The HTML brief's style sheet; its status colours ($met_fill, ...) are filled in from the palette.
STYLE_FILE = Path(__file__).parent / "static" / "brief.css"


@dataclass(frozen=True)
class BriefRow:
    """One target on one page of the brief."""

    key: str
    group: str
    label: str  # with （力争） / (striving) for 力争 targets
    unit: str
    actual: float | None
    target: float | None
    attainment: float | None
    status: str | None
    baseline: float | None = None
    progress: float | None = None  # share of the way from the 2021 baseline to the target
    expected: float | None = None  # share of the plan elapsed at the data year (the pace)
    as_of: int | None = None  # the data year used
    stale: bool = False  # as_of is before the year of the brief
    projected: float | None = None  # where 2026 lands at this pace
    projected_progress: float | None = None


@dataclass(frozen=True)
class BriefPage:
    """Everything one page shows apart from the map, which is drawn from the layers."""

    adcode: str
    name: str
    other_name: str
    rows: list[BriefRow]
    trend: Trend
    parks: list[str]


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def actual_text(row: BriefRow, target: Target) -> str:
    """The actual value as printed, with the data year in brackets when an older figure stands: ``42.7 (2025)``."""
    text = format_value(row.actual, target)
    return f"{text} ({row.as_of})" if row.stale and row.as_of is not None and text != "—" else text


def progress_text(row: BriefRow) -> str:
    """Progress against the pace: ``48% / 60%``; ``—`` without a progress."""
    if not _finite(row.progress):
        return "—" if not _finite(row.expected) else f"— / {row.expected:.0%}"
    return f"{row.progress:.0%} / {row.expected:.0%}" if _finite(row.expected) else f"{row.progress:.0%}"


def projection_text(row: BriefRow, target: Target) -> str:
    """Where 2026 lands at this pace, whole numbers (a decimal for %), and its progress: ``41,200 (82%)``."""
    if not _finite(row.projected):
        return "—"
    value = f"{row.projected:,.1f}" if target.unit_en == "%" else f"{row.projected:,.0f}"
    return f"{value} ({row.projected_progress:.0%})" if _finite(row.projected_progress) else value


def status_label(status: str | None, language: str) -> str:
    return t(f"status_{status}", language) if status else t("export_no_data", language)


def _trend(adcode: str, summary: Summary, layers: dict[str, pd.DataFrame]) -> Trend:
    years = list(range(BASELINE_YEAR, summary.year + 1))
    plots = layers["plots"]
    if adcode != CITY_ADCODE:
        plots = plots.loc[(plots["district_adcode"] == adcode).to_numpy()]
    reclaimed_years = pd.to_numeric(plots["reclaimed_year"], errors="coerce")
    reclaimed = plots.loc[(plots["status"] == "reclaimed").to_numpy()]
    per_year = reclaimed["area_mu"].groupby(reclaimed_years[reclaimed.index].to_numpy()).sum()
    reclaimed_mu = [None if year < PLAN_START_YEAR else float(per_year.get(year, 0.0)) for year in years]

    long = summary.long.set_index(["adcode", "key"])
    land_target = _number(long["target"].get((adcode, "reclaimed_land_mu")))
    growth_target = _number(long["target"].get((adcode, "tax_per_mu_growth_pct")))

    indicators = layers["indicators"]
    rows = indicators.loc[(indicators["district_adcode"] == adcode).to_numpy()]
    by_year = rows.assign(year=pd.to_numeric(rows["year"], errors="coerce")).set_index("year")

    def index(column: str) -> list[float | None]:
        if column not in by_year.columns:
            return [None] * len(years)
        values = pd.to_numeric(by_year[column], errors="coerce")
        values = values[~values.index.duplicated(keep="last")]
        base = values.get(BASELINE_YEAR)
        if base is None or pd.isna(base) or base <= 0:
            return [None] * len(years)
        return [None if pd.isna(values.get(year, np.nan)) else float(values[year] / base * 100) for year in years]

    return Trend(years=years, reclaimed_mu=reclaimed_mu, reclaimed_target_mu=land_target,
                 tax_index=index("tax_per_mu"), value_added_index=index("value_added_per_mu"),
                 index_target=None if growth_target is None else 100.0 + growth_target,
                 running_year=summary.year if summary.provisional else None)


def brief_pages(summary: Summary, layers: dict[str, pd.DataFrame], map_layers: dict[str, pd.DataFrame], *,
                language: str = "zh") -> list[BriefPage]:
    """The city page, then one page per district of ``summary`` (adcode order).

    ``layers`` (all data) give the trend, as the attainment does; ``map_layers`` (the filtered layers)
    give the parks named under the map. District pages leave out the city-only targets.
    """
    targets = load_targets()
    names = district_names().set_index("adcode")
    name_column, other_column = localised("name", language), localised("name", by_language("en", "zh", language))
    adcodes = [CITY_ADCODE, *[a for a in dict.fromkeys(summary.long["adcode"]) if a != CITY_ADCODE]]
    long = summary.long.set_index(["adcode", "key"])
    parks = map_layers["parks"]
    groups = target_groups()
    pages = []
    for adcode in adcodes:
        rows = []
        for target in sorted(targets.values(), key=lambda item: groups.index(item.group)):
            if adcode != CITY_ADCODE and target.scope == "city":
                continue
            record = long.loc[(adcode, target.key)]
            as_of = _number(record["as_of"])
            rows.append(BriefRow(
                key=target.key, group=target.group, label=target.label(language),
                unit=label(target, language, field="unit"),
                actual=_number(record["actual"]), target=_number(record["target"]),
                attainment=_number(record["attainment"]),
                status=record["status"] if isinstance(record["status"], str) else None,
                baseline=_number(record["baseline"]), progress=_number(record["progress"]),
                expected=_number(record["expected"]), as_of=None if as_of is None else int(as_of),
                stale=bool(record["stale"]), projected=_number(record["projected_2026"]),
                projected_progress=_number(record["projected_progress"]),
            ))
        shown = parks if adcode == CITY_ADCODE else parks.loc[(parks["district_adcode"] == adcode).to_numpy()]
        pages.append(BriefPage(adcode=adcode, name=names.loc[adcode, name_column],
                               other_name=names.loc[adcode, other_column], rows=rows,
                               trend=_trend(adcode, summary, layers),
                               parks=[str(name) for name in shown["name_zh"].dropna()]))
    return pages


def _texts(page: BriefPage, summary: Summary, metadata: dict, language: str) -> dict[str, str]:
    """Every sentence of a page, in ``language``; user-supplied parts are raw (escape them for HTML)."""
    parks = page.parks[:MAX_PARKS_NAMED]
    more = len(page.parks) - len(parks)
    separator = by_language("、", ", ", language)
    park_list = separator.join(parks) + (t("export_brief_more", language).format(count=more) if more else "")
    as_of = (t("export_brief_as_of_running", language).format(date=metadata["read_on"], year=summary.year)
             if summary.provisional else t("export_brief_as_of_year_end", language).format(year=summary.year))
    return {
        "title": t("export_brief_title_running" if summary.provisional else "export_brief_title",
                   language).format(area=page.name, year=summary.year),
        "subtitle": t("export_brief_subtitle", language).format(
            other=page.other_name, adcode=page.adcode, as_of=as_of, elapsed=f"{metadata['elapsed_share']:.0%}"),
        "notice": metadata["notice"] or "",
        "provisional": provisional_note(summary.year, language) if summary.provisional else "",
        "filters": f"{t('export_filters', language)}{colon(language)}{metadata['filters_text']}",
        "scope": metadata["filter_scope"],
        "parks": f"{t('export_brief_parks_shown', language)} ({len(page.parks)}){colon(language)}"
                 f"{park_list or t('export_none', language)}",
        "table_note": t("export_brief_table_note", language) + (
            "" if page.adcode == CITY_ADCODE else " " + t("export_brief_city_only_note", language)),
        "footer": t("export_brief_footer", language).format(source=metadata["data_source_text"],
                                                             exported=readable_time(metadata["exported_at"])),
    }


# The brief's table: (header key, right edge of the column), the first column left-aligned.
TABLE_COLUMNS = (("export_brief_col_target", 0.33), ("export_brief_col_baseline", 0.41), ("actual", 0.52),
                 ("export_brief_col_goal", 0.60),
                 ("export_brief_col_progress", 0.78), ("export_brief_col_projected", 0.90), ("status", 1.0))
PACE_TICK = "#252525"


def _draw_table(ax, page: BriefPage, language: str) -> None:
    """Per target: 2021 baseline, actual (data year when stale), goal (约20), progress as a bar with the pace as a
    tick, the 2026 projection and the status."""
    targets = load_targets()
    edges = [0.0, *(edge for _, edge in TABLE_COLUMNS)]
    lines = [("header", None)]
    for group in target_groups():
        group_rows = [row for row in page.rows if row.group == group]
        if group_rows:
            lines.append(("group", group))
            lines.extend(("row", row) for row in group_rows)
    height = 1.0 / len(lines)
    size = 7.2
    # One size for every name of the page: smaller (and wrapped in two lines) when one would not fit.
    name_width = (edges[1] - 0.02) * WIDTH_INCHES
    names = [with_unit(row.label, row.unit, language) for kind, row in lines if kind == "row"]
    name_size = size if all(em_width(name) * size <= name_width * 72 for name in names) else size - 1.2
    for number, (kind, item) in enumerate(lines):
        top = 1.0 - number * height
        middle = top - height / 2
        if kind == "header":
            ax.add_patch(Rectangle((0, top - height), 1, height, facecolor="#D9D9D9", edgecolor="none"))
            for index, (key, right) in enumerate(TABLE_COLUMNS):
                x, align = {0: (0.01, "left"), len(TABLE_COLUMNS) - 1: ((edges[-2] + 1) / 2, "center")}.get(
                    index, (right - 0.01, "right"))
                ax.text(x, middle, t(key, language), ha=align, va="center", fontsize=size, weight="bold")
            continue
        if kind == "group":
            ax.add_patch(Rectangle((0, top - height), 1, height, facecolor="#F2F2F2", edgecolor="none"))
            ax.text(0.01, middle, t(f"export_group_{item}", language), ha="left", va="center", fontsize=size,
                    weight="bold", color="#404040")
            continue
        row: BriefRow = item
        target = targets[row.key]
        ax.text(0.02, middle, _wrap(with_unit(row.label, row.unit, language), name_width, name_size, 2),
                ha="left", va="center", fontsize=name_size, linespacing=0.95)
        goal = target.goal_text(row.target, language) if row.target is not None else "—"
        for column, text in ((2, format_value(row.baseline, target)), (3, actual_text(row, target)),
                             (4, goal), (6, projection_text(row, target))):
            ax.text(edges[column] - 0.01, middle, text, ha="right", va="center", fontsize=size,
                    color="#B45309" if column == 3 and row.stale else "#222222")
        fill = STATUS_FILLS.get(row.status, NO_DATA_FILL)
        bar_left, bar_width = edges[4] + 0.005, (edges[5] - edges[4]) * 0.42
        if _finite(row.progress) or _finite(row.expected):
            ax.add_patch(Rectangle((bar_left, top - height * 0.75), bar_width, height * 0.5, facecolor="#F0F0F0",
                                   edgecolor="none"))
        if _finite(row.progress):
            ax.add_patch(Rectangle((bar_left, top - height * 0.75), bar_width * min(max(row.progress, 0.0), 1.0),
                                   height * 0.5, facecolor=fill, edgecolor="none"))
        if _finite(row.expected):
            x = bar_left + bar_width * min(max(row.expected, 0.0), 1.0)
            ax.plot([x, x], [top - height * 0.9, top - height * 0.1], color=PACE_TICK, linewidth=0.9)
        ax.text(edges[5] - 0.01, middle, progress_text(row), ha="right", va="center", fontsize=size)
        ax.add_patch(Rectangle((edges[6] + 0.005, top - height * 0.9), edges[7] - edges[6] - 0.005, height * 0.8,
                               facecolor=fill, edgecolor="none"))
        ax.text((edges[6] + edges[7]) / 2, middle, status_label(row.status, language), ha="center", va="center",
                fontsize=size, color=STATUS_TEXT.get(row.status, NO_DATA_TEXT))
        ax.plot([0, 1], [top - height, top - height], color="#E0E0E0", linewidth=0.4)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")


def _pdf_page(page: BriefPage, number: int, total: int, summary: Summary, map_layers: dict, metadata: dict,
              language: str) -> Figure:
    texts = _texts(page, summary, metadata, language)
    fig = Figure(figsize=A4_INCHES)
    fig.text(0.06, 0.958, texts["title"], fontsize=15, weight="bold")
    fig.text(0.06, 0.940, texts["subtitle"], fontsize=8, color="#525252")
    top = notices(fig, texts, 0.922)
    map_ax = fig.add_axes((0.06, 0.52, 0.62, top - 0.535))
    handles = draw_map(map_ax, MapArea(page.adcode), map_layers, language=language)
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.695, top - 0.012), fontsize=6.5,
               frameon=False, handlelength=1.4, borderaxespad=0)
    fig.text(0.06, 0.512, _wrap(texts["parks"], WIDTH_INCHES, 6.5, 2), fontsize=6.5, color="#404040", va="top")
    table_ax = fig.add_axes((0.06, 0.215, 0.88, 0.262))
    _draw_table(table_ax, page, language)
    fig.text(0.06, 0.205, _wrap(texts["table_note"] + " " + texts["scope"], WIDTH_INCHES, 6, 3), fontsize=6,
             color="#595959", va="top")
    land_ax = fig.add_axes((0.08, 0.05, 0.38, 0.105))
    index_ax = fig.add_axes((0.57, 0.05, 0.37, 0.105))
    draw_trend(land_ax, index_ax, page.trend, language=language)
    footer(fig, texts["footer"], number=number, total=total, language=language)
    return fig


def brief_pdf(summary: Summary, layers: dict[str, pd.DataFrame], map_layers: dict[str, pd.DataFrame],
              metadata: dict, *, language: str = "zh") -> bytes:
    """The brief as an A4 PDF, one page per area, Chinese glyphs embedded (needs a CJK font installed)."""
    pages = brief_pages(summary, layers, map_layers, language=language)
    mujun = mujun_table(summary, layers, language=language)
    total = len(pages) + (mujun is not None)
    buffer = io.BytesIO()
    with print_style(), PdfPages(buffer, metadata={
        "Title": t("export_brief_document_title", language).format(year=summary.year),
        "Subject": metadata["notice"] or "", "Creator": "python -m spaces",
    }) as pdf:
        for number, page in enumerate(pages, start=1):
            pdf.savefig(_pdf_page(page, number, total, summary, map_layers, metadata, language))
        if mujun is not None:
            pdf.savefig(mujun_pdf_page(mujun, summary, layers, metadata, number=total, total=total, language=language))
    return buffer.getvalue()


def _png(fig: Figure, dpi: int) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _map_png(page: BriefPage, map_layers: dict, language: str) -> str:
    fig = Figure(figsize=(7.0, 3.7))
    ax = fig.add_axes((0.01, 0.02, 0.70, 0.96))
    handles = draw_map(ax, MapArea(page.adcode), map_layers, language=language)
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.73, 0.97), fontsize=7, frameon=False,
               handlelength=1.4, borderaxespad=0)
    return _png(fig, MAP_DPI)


def _trend_png(page: BriefPage, language: str) -> str:
    fig = Figure(figsize=(7.0, 1.65))
    land_ax = fig.add_axes((0.07, 0.22, 0.4, 0.64))  # room under the axis for "2026 / 进行中"
    index_ax = fig.add_axes((0.57, 0.22, 0.4, 0.64))
    draw_trend(land_ax, index_ax, page.trend, language=language)
    return _png(fig, TREND_DPI)




def html_style() -> str:
    """The HTML brief's CSS: ``static/brief.css`` with the palette's status colours."""
    colours = {"no_data_fill": NO_DATA_FILL, "no_data_text": NO_DATA_TEXT}
    for status in STATUS_FILLS:
        colours |= {f"{status}_fill": STATUS_FILLS[status], f"{status}_text": STATUS_TEXT[status]}
    return Template(STYLE_FILE.read_text(encoding="utf-8")).substitute(colours)


def _html_table(page: BriefPage, language: str) -> str:
    targets = load_targets()
    escape = html.escape
    headers = "".join(f"<th>{escape(t(key, language))}</th>" for key, _ in TABLE_COLUMNS)
    body = []
    for group in target_groups():
        group_rows = [row for row in page.rows if row.group == group]
        if not group_rows:
            continue
        body.append(f'<tr class="group"><td colspan="{len(TABLE_COLUMNS)}">'
                    f'{escape(t(f"export_group_{group}", language))}</td></tr>')
        for row in group_rows:
            target = targets[row.key]
            css = row.status or "no_data"
            goal = target.goal_text(row.target, language) if row.target is not None else "—"
            body.append(
                f'<tr data-key="{escape(row.key)}"><td>{escape(with_unit(row.label, row.unit, language))}</td>'
                f'<td class="num">{escape(format_value(row.baseline, target))}</td>'
                f'<td class="num{" stale" if row.stale else ""}">{escape(actual_text(row, target))}</td>'
                f'<td class="num">{escape(goal)}</td>'
                f'<td class="num progress">{_html_bar(row)}{escape(progress_text(row))}</td>'
                f'<td class="num">{escape(projection_text(row, target))}</td>'
                f'<td class="status {css}">{escape(status_label(row.status, language))}</td></tr>')
    return f"<table><thead><tr>{headers}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _html_bar(row: BriefRow) -> str:
    """Progress as a small bar in the status colour with the pace as a tick, as in the PDF (widths in %)."""
    if not (_finite(row.progress) or _finite(row.expected)):
        return ""
    fill = f'<i class="fill {row.status or "no_data"}" style="width:{min(max(row.progress, 0), 1):.1%}"></i>' \
        if _finite(row.progress) else ""
    tick = f'<i class="tick" style="left:{min(max(row.expected, 0), 1):.1%}"></i>' if _finite(row.expected) else ""
    return f'<span class="bar">{fill}{tick}</span>'


def brief_html(summary: Summary, layers: dict[str, pd.DataFrame], map_layers: dict[str, pd.DataFrame],
               metadata: dict, *, language: str = "zh") -> bytes:
    """The brief as one self-contained HTML file: inline CSS and PNG images, no script, page breaks for print.

    Every text that comes from data (names, filters, the store's path) is HTML-escaped.
    """
    escape = html.escape
    pages = brief_pages(summary, layers, map_layers, language=language)
    mujun = mujun_table(summary, layers, language=language)
    total = len(pages) + (mujun is not None)
    sections = []
    with print_style():
        for number, page in enumerate(pages, start=1):
            texts = _texts(page, summary, metadata, language)
            notice = "".join(f'<p class="notice">{escape(texts[key])}</p>' for key in ("notice", "provisional")
                             if texts[key])
            sections.append(f"""
<section class="page" id="area-{escape(page.adcode)}">
  <h1>{escape(texts["title"])}</h1>
  <p class="sub">{escape(texts["subtitle"])}</p>
  {notice}
  <p class="filters">{escape(texts["filters"])}</p>
  <figure class="map"><img alt="{escape(texts["title"])}" src="data:image/png;base64,{_map_png(page, map_layers, language)}">
    <figcaption>{escape(texts["parks"])}</figcaption></figure>
  {_html_table(page, language)}
  <p class="note">{escape(texts["table_note"])} {escape(texts["scope"])}</p>
  <figure class="trend"><img alt="{escape(t("export_trend_land", language))}" src="data:image/png;base64,{_trend_png(page, language)}"></figure>
  <footer><span>{escape(texts["footer"])}</span><span>{escape(t("export_brief_page", language).format(page=number, pages=total))}</span></footer>
</section>""")
        if mujun is not None:
            sections.append(mujun_html_section(mujun, summary, layers, metadata, number=total, total=total,
                                               language=language))
    title = t("export_brief_document_title", language).format(year=summary.year)
    document = f"""<!doctype html>
<html lang="{by_language("zh-CN", "en", language)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>
{html_style()}</style>
</head>
<body>{"".join(sections)}
</body>
</html>
"""
    return document.encode("utf-8")
