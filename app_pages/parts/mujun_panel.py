"""The 亩均评价 page's sections: levels per district, the trend, classes, the class list and From D class to land."""

import pandas as pd
import streamlit as st

from app_pages.parts.view import View
from spaces.exports import class_list_export, exporter
from spaces.exports.mujun_tables import class_list, narrowed
from spaces.planning.provenance import data_source
from spaces.reference.i18n import t
from spaces.reference.mujun_method import CLASSES
from spaces.reference.vocab import load_vocabularies
from spaces.view.mujun import METRICS, class_table, district_levels, trend, trend_chart

SHORT = {"tax_per_mu": "mujun_short_tax", "value_added_per_mu": "mujun_short_value_added"}
LIST_COLUMNS = ("enterprise_id", "name_zh", "district", "group", "land_mu", "tax_per_mu", "value_added_per_mu",
                "score", "class_computed", "class_official", "class", "classes_differ")


def group_labels(language: str) -> dict[str, str]:
    return load_vocabularies()["group"].labels(language)


def page_filters(language: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The page's own filters: classes (A/B/C/D/T) and groups (规上 …); empty keeps all."""
    left, right = st.columns(2)
    classes = left.multiselect(t("mujun_filter_classes", language), options=list(CLASSES), key="mujun_classes",
                               placeholder=t("all", language))
    labels = group_labels(language)
    groups = right.multiselect(t("mujun_filter_groups", language), options=list(labels), key="mujun_groups",
                               placeholder=t("all", language), format_func=labels.get)
    return tuple(classes), tuple(groups)


def sample_note(view: View) -> None:
    """Say so where the enterprises are simulated (the frame's banner speaks of the whole store)."""
    firms = view.everything.get("enterprises")
    if firms is None or not len(firms):
        st.info(t("mujun_no_firms", view.language))
    elif data_source({"enterprises": firms}).is_sample:
        st.caption(f":orange[{t('mujun_sample_firms', view.language)}]")


def _source(value, language: str) -> str | None:
    return t(f"mujun_short_source_{value}", language) if isinstance(value, str) else None


def levels_section(view: View, scored, classes, groups) -> None:
    language, filters = view.language, view.filters
    st.subheader(t("mujun_levels_title", language))
    table = district_levels(scored, view.everything.get("indicators"), year=filters.year, districts=filters.districts,
                            classes=classes, groups=groups, language=language)
    # Widths in px that fit the 1280 px window beside the sidebar (about 820 px): every column shows at once.
    config = {"district": st.column_config.TextColumn(t("district", language), width=70),
              "enterprises": st.column_config.NumberColumn(t("mujun_short_enterprises", language), format="%d",
                                                           width=56),
              "land_mu": st.column_config.NumberColumn(t("mujun_short_land", language), format="%.0f", width=72)}
    for metric in METRICS:
        table[f"{metric}_source"] = table[f"{metric}_source"].map(lambda v: _source(v, language))
        name, full = t(SHORT[metric], language), t(f"mujun_col_{metric}", language)
        config |= {
            metric: st.column_config.NumberColumn(f"{name} {filters.year}", format="%.2f", help=full, width=74),
            f"{metric}_2021": st.column_config.NumberColumn(f"{name} {t('mujun_short_2021', language)}",
                                                            format="%.2f", help=full, width=74),
            f"{metric}_growth_pct": st.column_config.NumberColumn(t("mujun_short_growth", language), format="%.1f%%",
                                                                  width=62),
            f"{metric}_source": st.column_config.TextColumn(t("mujun_short_source", language), width=52)}
    st.dataframe(table.drop(columns="adcode"), hide_index=True, key="mujun_levels", column_config=config,
                 height="content")
    st.caption(t("mujun_levels_note", language))


def trend_section(view: View, scored, classes, groups) -> None:
    language = view.language
    st.subheader(t("mujun_trend_title", language))
    data = trend(scored, view.everything.get("indicators"), districts=view.filters.districts, classes=classes,
                 groups=groups, language=language)
    if data.empty:
        st.info(t("mujun_trend_none", language))
        return
    for column, metric in zip(st.columns(2), METRICS, strict=True):
        column.altair_chart(trend_chart(data, metric=metric, language=language), width="stretch")


def classes_section(view: View, scored, groups) -> None:
    language = view.language
    st.subheader(t("mujun_classes_title", language))
    table = class_table(scored, year=view.filters.year, districts=view.filters.districts, groups=groups,
                        language=language)
    config = {"district": st.column_config.TextColumn(t("district", language), width=70)}
    for name in CLASSES:
        config[f"count_{name}"] = st.column_config.NumberColumn(f"{name}{t('mujun_short_count', language)}",
                                                               format="%d", width=56)
        config[f"land_mu_{name}"] = st.column_config.NumberColumn(f"{name}{t('mujun_land_suffix', language)}",
                                                                 format="%.0f", width=70)
    st.dataframe(table.drop(columns="adcode"), hide_index=True, key="mujun_classes_table", column_config=config,
                 height="content")


def class_list_section(view: View, classes, groups) -> None:
    language, filters = view.language, view.filters
    st.subheader(t("mujun_list_title", language))
    table = narrowed(class_list(view.everything, filters), classes=classes, groups=groups)
    shown = table.assign(group=table["group"].map(group_labels(language)).fillna(table["group"]))
    st.dataframe(shown[list(LIST_COLUMNS)], hide_index=True, key="mujun_list", height=320, column_config={
        column: st.column_config.Column(t(f"mujun_col_{column}", language)) for column in LIST_COLUMNS} | {
        "land_mu": st.column_config.NumberColumn(t("mujun_col_land_mu", language), format="%.1f"),
        **{c: st.column_config.NumberColumn(t(f"mujun_col_{c}", language), format="%.2f")
           for c in ("tax_per_mu", "value_added_per_mu", "score")},
        "classes_differ": st.column_config.CheckboxColumn(t("mujun_col_classes_differ", language))})
    st.caption(t("mujun_list_note", language))
    sample = data_source({"enterprises": view.everything.get("enterprises", pd.DataFrame())}).is_sample
    for column, fmt in zip(st.columns(4)[:2], ("csv", "xlsx"), strict=True):

        def make(fmt: str = fmt) -> bytes:
            return class_list_export(fmt, view.everything, filters=filters, store=view.store.location,
                                     language=language, classes=classes, groups=groups).data

        column.download_button(fmt.upper(), data=make, key=f"mujun_{fmt}", on_click="ignore",
                               file_name=exporter("mujun", fmt).filename(filters, sample=sample),
                               mime=exporter("mujun", fmt).media_type, icon=":material/download:", width="stretch")
