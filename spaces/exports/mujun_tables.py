"""The 亩均 class list (one row per evaluated enterprise-year) as CSV and XLSX, and the summary's 亩均 sheet."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from spaces.planning.filters import Filters
from spaces.planning.mujun import score_enterprises
from spaces.planning.summary import SOURCED_KEYS, Summary
from spaces.reference.districts import district_names
from spaces.reference.i18n import by_language, colon, localised, t
from spaces.reference.mujun_method import CLASSES, Method, load_method
from spaces.reference.targets import load_targets
from spaces.reference.vocab import load_vocabularies

from .cells import csv_bytes, safe_workbook, sheet_value

# The class list's columns, in order; each has a header ``mujun_col_<name>`` in the text catalogue.
CLASS_LIST_COLUMNS = (
    "enterprise_id", "name_zh", "year", "district_adcode", "district", "group", "industry", "park_id", "plot_id",
    "land_mu", "tax", "value_added", "tax_per_mu", "value_added_per_mu", "score", "rank", "ranked",
    "class_computed", "class_official", "class", "classes_differ", "score_official", "source",
)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
DIFFER_FILL = PatternFill("solid", fgColor="FCE4D6")


def class_list(layers: dict[str, pd.DataFrame], filters: Filters, *, method: Method | None = None) -> pd.DataFrame:
    """Every enterprise-year of ``filters.year`` in ``filters.districts`` (all when empty), scored with all the
    data (benchmarks need the year before), best first per district: the columns of :data:`CLASS_LIST_COLUMNS`.
    ``classes_differ`` is true where an official class was given and differs from the computed one;
    ``source`` is ``sample`` for simulated rows."""
    enterprises = layers.get("enterprises")
    if enterprises is None or not len(enterprises):
        return pd.DataFrame(columns=list(CLASS_LIST_COLUMNS))
    scored = pd.DataFrame(score_enterprises(enterprises, method))
    scored = scored.loc[pd.to_numeric(scored["year"]) == filters.year]
    if filters.districts:
        scored = scored.loc[scored["district_adcode"].isin(filters.districts)]
    names = district_names().set_index("adcode")["name_zh"]
    scored["district"] = scored["district_adcode"].map(names)
    scored["classes_differ"] = scored["class_official"].notna() & (scored["class_official"] != scored["class_computed"])
    for column in ("tax_per_mu", "value_added_per_mu"):
        scored[column] = scored[column].round(2)
    scored = scored.sort_values(["district_adcode", "group", "rank", "enterprise_id"], na_position="last")
    for column in CLASS_LIST_COLUMNS:
        if column not in scored.columns:
            scored[column] = None
    return scored[list(CLASS_LIST_COLUMNS)].reset_index(drop=True)


def narrowed(table: pd.DataFrame, *, classes: tuple[str, ...] = (), groups: tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows of :func:`class_list` in ``classes`` (by ``class``: the official where given) and ``groups``;
    empty tuples keep all."""
    keep = pd.Series(True, index=table.index)
    if classes:
        keep &= table["class"].isin(classes)
    if groups:
        keep &= table["group"].isin(groups)
    return table.loc[keep.to_numpy(dtype=bool)].reset_index(drop=True)


def narrowing_text(classes: tuple[str, ...], groups: tuple[str, ...], language: str) -> str | None:
    """The page's class and group filters as the 说明 sheet states them (None when they keep everything)."""
    labels = load_vocabularies()["group"].labels(language)
    listing = by_language("、", ", ", language)
    parts = [f"{t(key, language)}{colon(language)}{listing.join(values)}" for key, values in (
        ("mujun_col_class", classes), ("mujun_col_group", tuple(labels.get(g, g) for g in groups))) if values]
    return by_language("；", "; ", language).join(parts) or None


def class_list_csv(table: pd.DataFrame, *, notice: str | None) -> bytes:
    """The class list as UTF-8 CSV with a BOM; a ``sample_notice`` column when the data are sample."""
    out = table.copy()
    out["classes_differ"] = out["classes_differ"].map({True: "true", False: "false"})
    if notice:
        out["sample_notice"] = notice
    return csv_bytes(out)


def class_list_xlsx(table: pd.DataFrame, context: dict, *, method: Method | None = None, language: str = "zh") -> bytes:
    """The class list with headers in ``language`` (groups by name), firms whose official class differs from
    the computed one shaded; then a 说明 sheet: sample notice, year, filters, the method and its sources."""
    method = method or load_method()
    book = Workbook()
    sheet = book.active
    sheet.title = t("mujun_class_list", language)[:31]
    groups = load_vocabularies()["group"].labels(language)
    shown = table.assign(group=table["group"].map(groups).fillna(table["group"]))
    sheet.append([t(f"mujun_col_{c}", language) for c in CLASS_LIST_COLUMNS])
    for row in shown.itertuples(index=False):
        sheet.append([sheet_value(v) for v in row])
    differ = CLASS_LIST_COLUMNS.index("classes_differ")
    for row in sheet.iter_rows(min_row=2):
        if row[differ].value is True:
            for cell in row:
                cell.fill = DIFFER_FILL
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    sheet.freeze_panes = "C2"
    about = book.create_sheet(t("export_meta_sheet", language))
    lines = [*context["about"],
             f"{t('mujun_method', language)}{colon(language)}{getattr(method, localised('name', language))} "
             f"({method.file})",
             t("mujun_method_illustrative", language) if method.illustrative else None,
             *method.sources, t("mujun_rule_classes", language), t("mujun_rule_official", language)]
    for line in filter(None, lines):
        about.append([line])
    if context["notice"]:
        about.cell(1, 1).font = Font(bold=True, color="C00000")
    about.column_dimensions["A"].width = 120
    safe_workbook(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def mujun_summary_sheet(book: Workbook, summary: Summary, language: str) -> None:
    """The summary XLSX's 亩均 sheet: per district and the city the year's firms, land, 亩均税收 and 亩均增加值
    (all groups and 规上), the count per class, and where each 亩均 target's figure came from."""
    if summary.mujun is None:
        return
    sheet = book.create_sheet(t("mujun_sheet", language)[:31])
    targets = load_targets()
    headers = [t("export_adcode", language), t("district", language), t("mujun_col_year", language),
               t("mujun_col_enterprises", language), t("mujun_col_land_mu", language),
               t("mujun_col_tax_per_mu", language), t("mujun_col_value_added_per_mu", language),
               t("mujun_col_above_scale_tax_per_mu", language), t("mujun_col_above_scale_value_added_per_mu", language),
               *(f"{c}{t('mujun_count_suffix', language)}" for c in CLASSES),
               *(f"{targets[key].label(language)}{colon(language)}{t('mujun_col_source', language)}"
                 for key in SOURCED_KEYS)]
    sheet.append(headers)
    sources = summary.long.set_index(["adcode", "key"])["source"] if "source" in summary.long else None
    names = district_names().set_index("adcode")[localised("name", language)]
    for adcode in dict.fromkeys(summary.long["adcode"]):
        block = summary.mujun.get(adcode)
        if block is None:
            continue
        row = [adcode, names.get(adcode, adcode), block["year"], block["enterprises"], block["land_mu"],
               block["tax_per_mu"], block["value_added_per_mu"], block["above_scale_tax_per_mu"],
               block["above_scale_value_added_per_mu"], *(block["classes"][c] for c in CLASSES)]
        for key in SOURCED_KEYS:
            source = None if sources is None else sources.get((adcode, key))
            row.append(t(f"mujun_source_{source}", language) if isinstance(source, str) else None)
        sheet.append(row)
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    sheet.freeze_panes = "C2"
