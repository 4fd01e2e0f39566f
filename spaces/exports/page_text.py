"""The printed brief's page text: A4 geometry, line wrapping that knows Chinese, the notices and the footer."""

from __future__ import annotations

from matplotlib.figure import Figure

from spaces.reference.i18n import t
from spaces.reference.palette import STATUS_FILLS, STATUS_TEXT

A4_INCHES = (8.27, 11.69)
WIDTH_INCHES = A4_INCHES[0] * 0.88  # the text column of a PDF page (6% margins)
NO_LINE_START = set("，。、；：！？）」』》〉”’,.;:!?)")


def wrap(text: str, width_inches: float, fontsize: float, max_lines: int = 2) -> str:
    """Break ``text`` into lines that fit ``width_inches`` at ``fontsize`` points.

    matplotlib does not wrap Chinese (it breaks at spaces only): a CJK character is taken as 1 em
    wide and anything else as 0.6 em. Latin words move whole to the next line; closing punctuation
    never starts one (避头点). Lines beyond ``max_lines`` are dropped, ending in "…".
    """
    width_em = width_inches * 72 / fontsize
    lines, current = [], ""
    for char in text:
        if em_width(current + char) > width_em and char not in NO_LINE_START and current:
            space = current.rfind(" ")
            if not _is_cjk(char) and space > len(current) // 2:
                lines.append(current[:space])
                current = current[space + 1:]
            else:
                lines.append(current)
                current = ""
        current += char
    lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return "\n".join(lines)


def _is_cjk(char: str) -> bool:
    return ord(char) > 0x2E7F


def em_width(text: str) -> float:
    """The width of ``text`` in em: 1 per CJK character, 0.6 per other."""
    return sum(1.0 if _is_cjk(char) else 0.6 for char in text)


def notices(fig: Figure, texts: dict[str, str], top: float) -> float:
    """Under a page's title: the sample notice and a year still in progress (each when there is one), then the
    filters; returns where the next line goes."""
    for warning in (texts["notice"], texts["provisional"]):
        if warning:
            fig.text(0.06, top, wrap(warning, WIDTH_INCHES, 7.5, 1), fontsize=7.5, color=STATUS_TEXT["behind"],
                     bbox={"facecolor": STATUS_FILLS["behind"], "edgecolor": "none", "pad": 2.5})
            top -= 0.018
    fig.text(0.06, top, wrap(texts["filters"], WIDTH_INCHES, 6.5, 1), fontsize=6.5, color="#525252")
    return top


def footer(fig: Figure, text: str, *, number: int, total: int, language: str) -> None:
    """A page's footer: the data source and export time on the left, "page n of m" on the right."""
    fig.text(0.06, 0.015, wrap(text, WIDTH_INCHES - 1.0, 6, 1), fontsize=6, color="#737373")
    fig.text(0.94, 0.015, t("export_brief_page", language).format(page=number, pages=total), fontsize=6,
             color="#737373", ha="right")
