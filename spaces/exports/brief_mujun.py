"""The brief's 亩均 page: per district and the city, 规上 亩均税收 and 亩均增加值 (万元/亩) of the year, their 2021 level,
growth since 2021 and source, and the firms per class; marked sample where the firms are simulated."""

from __future__ import annotations

import html
import math

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from spaces.planning.mujun import score_enterprises
from spaces.planning.provenance import data_source
from spaces.planning.summary import SAMPLE_NOTICE_EN, SAMPLE_NOTICE_ZH, Summary
from spaces.reference.districts import CITY_ADCODE
from spaces.reference.i18n import by_language, colon, t
from spaces.reference.mujun_method import CLASSES
from spaces.view.mujun import METRICS, class_table, district_levels

from .context import provisional_note
from .page_text import A4_INCHES, WIDTH_INCHES, footer, notices, wrap

TARGET_GROUP = ("above_scale",)  # the 亩均 targets count 规上 firms
NUM = ' class="num"'
SHORT = {"tax_per_mu": "mujun_short_tax", "value_added_per_mu": "mujun_short_value_added"}


def mujun_table(summary: Summary, layers: dict[str, pd.DataFrame], *, language: str = "zh") -> pd.DataFrame | None:
    """One row per district of ``summary`` then the city: ``district``, per metric the year's 规上 level, its 2021
    level, growth % and source, then the year's firms per class (all groups). None when neither the firms nor
    the indicators give any 亩均 figure (the page is left out); with firms in the store the page stays, "—" where
    the year has no evaluation yet."""
    firms = layers.get("enterprises")
    scored = score_enterprises(firms) if firms is not None and len(firms) else None
    districts = tuple(a for a in dict.fromkeys(summary.long["adcode"]) if a != CITY_ADCODE)
    levels = district_levels(scored, layers.get("indicators"), year=summary.year, districts=districts,
                             groups=TARGET_GROUP, language=language)
    known = [f"{m}{suffix}" for m in METRICS for suffix in ("", "_2021")]
    if scored is None and levels[known].isna().all().all():
        return None
    classes = class_table(scored, year=summary.year, districts=districts, language=language)
    counts = classes.set_index("adcode")[[f"count_{c}" for c in CLASSES]]
    return levels.drop(columns=["enterprises", "land_mu"]).join(counts, on="adcode")


def firms_are_sample(layers: dict[str, pd.DataFrame]) -> bool:
    firms = layers.get("enterprises")
    return firms is not None and len(firms) > 0 and data_source({"enterprises": firms}).is_sample


def _headers(year: int, language: str) -> tuple[list[tuple[str, int]], list[str]]:
    """The two header rows: groups with the number of columns they span, then each column's own header."""
    groups = [(t("district", language), 1)]
    columns = [""]
    for metric in METRICS:
        groups.append((t(f"mujun_col_{metric}", language), 4))
        columns += [str(year), t("mujun_short_2021", language), t("mujun_short_growth", language),
                    t("mujun_short_source", language)]
    groups.append((t("export_brief_mujun_classes", language), len(CLASSES)))
    return groups, columns + list(CLASSES)


def _cells(row: pd.Series, language: str) -> list[str]:
    cells = [str(row["district"])]
    for metric in METRICS:
        source = row[f"{metric}_source"]
        cells += [_number(row[metric], "{:,.2f}"), _number(row[f"{metric}_2021"], "{:,.2f}"),
                  _number(row[f"{metric}_growth_pct"], "{:+.1f}%"),
                  t(f"mujun_short_source_{source}", language) if isinstance(source, str) else "—"]
    return cells + [f"{int(row[f'count_{c}']):,}" for c in CLASSES]


def _number(value, pattern: str) -> str:
    return "—" if value is None or pd.isna(value) or not math.isfinite(value) else pattern.format(float(value))


def _texts(summary: Summary, layers: dict, metadata: dict, language: str) -> dict[str, str]:
    sample = firms_are_sample(layers)
    return {
        "title": t("export_brief_mujun_title_running" if summary.provisional else "export_brief_mujun_title",
                   language).format(year=summary.year),
        "provisional": provisional_note(summary.year, language) if summary.provisional else "",
        "notice": by_language(SAMPLE_NOTICE_ZH, SAMPLE_NOTICE_EN, language) if sample or metadata["notice"] else "",
        "filters": f"{t('export_filters', language)}{colon(language)}{metadata['filters_text']}",
        "note": t("export_brief_mujun_note", language),
        "footer": t("export_brief_footer", language).format(source=metadata["data_source_text"],
                                                             exported=metadata["exported_at"]),
    }


def mujun_pdf_page(table: pd.DataFrame, summary: Summary, layers: dict, metadata: dict, *, number: int, total: int,
                   language: str) -> Figure:
    """The 亩均 page of the PDF brief (A4): title, sample notice, filters, the table, the rule."""
    texts = _texts(summary, layers, metadata, language)
    fig = Figure(figsize=A4_INCHES)
    fig.text(0.06, 0.958, texts["title"], fontsize=15, weight="bold")
    top = notices(fig, texts, 0.935)
    rows = len(table) + 2
    height = 0.022 * rows
    ax = fig.add_axes((0.06, top - 0.015 - height, 0.88, height))
    groups, headers = _headers(summary.year, language)
    edges = [0.0, 0.11, *(0.11 + 0.0825 * (i + 1) for i in range(8)), *(0.77 + 0.046 * (i + 1) for i in range(5))]
    ax.add_patch(Rectangle((0, 1 - 2 / rows), 1, 2 / rows, facecolor="#D9D9D9", edgecolor="none"))
    first = 0
    for name, span in groups:  # a group's name centred over its columns, a rule under it
        left, right = edges[first], edges[first + span]
        ax.text(0.005 if first == 0 else (left + right) / 2, 1 - 1 / rows, name, ha="left" if first == 0 else "center",
                va="center", fontsize=6.5, weight="bold")
        if first:
            ax.plot([left + 0.01, right - 0.01], [1 - 1.5 / rows] * 2, color="#9E9E9E", linewidth=0.5)
        first += span
    lines = [headers, *(_cells(row, language) for _, row in table.iterrows())]
    for line, cells in enumerate(lines, start=1):
        y = 1 - (line + 0.5) / rows
        city = line == len(lines)
        for column, text in enumerate(cells):
            x, align = (0.005, "left") if column == 0 else (edges[column + 1] - 0.004, "right")
            ax.text(x, y, text, ha=align, va="center", fontsize=6.5,
                    weight="bold" if line == 1 or city else "normal")
        ax.plot([0, 1], [1 - (line + 1) / rows] * 2, color="#9E9E9E" if city else "#E0E0E0", linewidth=0.4)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    fig.text(0.06, top - 0.03 - height, wrap(texts["note"], WIDTH_INCHES, 6.5, 4), fontsize=6.5, color="#595959",
             va="top")
    footer(fig, texts["footer"], number=number, total=total, language=language)
    return fig


def mujun_html_section(table: pd.DataFrame, summary: Summary, layers: dict, metadata: dict, *, number: int,
                       total: int, language: str) -> str:
    """The 亩均 page of the HTML brief; every text from data escaped."""
    escape = html.escape
    texts = _texts(summary, layers, metadata, language)
    groups, headers = _headers(summary.year, language)
    head = ("<tr>" + "".join(f'<th colspan="{span}">{escape(name)}</th>' for name, span in groups) + "</tr><tr>"
            + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr>")
    body = "".join(
        f'<tr data-adcode="{escape(str(row["adcode"]))}">'
        + "".join(f"<td{'' if i == 0 else NUM}>{escape(cell)}</td>"
                  for i, cell in enumerate(_cells(row, language))) + "</tr>"
        for _, row in table.iterrows())
    notice = "".join(f'<p class="notice">{escape(texts[key])}</p>' for key in ("notice", "provisional") if texts[key])
    page = t("export_brief_page", language).format(page=number, pages=total)
    return f"""
<section class="page" id="mujun">
  <h1>{escape(texts["title"])}</h1>
  {notice}
  <p class="filters">{escape(texts["filters"])}</p>
  <table class="mujun"><thead>{head}</thead><tbody>{body}</tbody></table>
  <p class="note">{escape(texts["note"])}</p>
  <footer><span>{escape(texts["footer"])}</span><span>{escape(page)}</span></footer>
</section>"""
