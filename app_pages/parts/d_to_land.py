"""The 亩均评价 page's From D class to land: the D-class firms of the chosen districts or a park, their 亩 and plots,
and for an editor a button per chosen firm that makes its land a pending reclamation plot."""

import pydeck as pdk
import streamlit as st

from app_pages.parts.mujun_panel import group_labels
from app_pages.parts.view import View
from spaces.errors import AccessError, ValidationError
from spaces.intake import problem_text
from spaces.intake.d_class import PLOT_PREFIX, make_plot_from_d_class
from spaces.planning.mujun_land import d_land_totals
from spaces.reference.i18n import colon, t
from spaces.reference.vocab import load_vocabularies
from spaces.view.deck import TOOLTIP, CompactDeck, markdown_text
from spaces.view.firms import d_land_map
from spaces.view.mapstate import features_view
from spaces.view.mujun import d_class_table


def _make_plot(view: View, enterprise_id: str, name: str) -> None:
    """Write the pending plot of a D-class firm; the outcome is shown as text on the next run."""
    language = view.language
    try:
        make_plot_from_d_class(view.store, enterprise_id, view.filters.year, actor=view.access.actor)
    except AccessError as exc:
        refusal = t(f"problem_{exc.key}", language).format(**exc.params) if exc.key else str(exc)
        st.session_state["mujun_d_result"] = ("error", markdown_text(refusal))
        return
    except ValidationError as exc:
        lines = [f"{p.feature_id or ''}{colon(language)}{problem_text(p, language)}" for p in exc.errors]
        st.session_state["mujun_d_result"] = ("error", "  \n".join(markdown_text(line) for line in lines))
        return
    st.session_state["mujun_d_result"] = ("success", t("mujun_d_made", language).format(
        plot=markdown_text(PLOT_PREFIX + enterprise_id), name=markdown_text(name)))


def d_to_land_section(view: View, scored, groups) -> None:
    language, filters = view.language, view.filters
    st.subheader(t("mujun_d_title", language))
    parks = view.everything["parks"]
    if filters.districts:
        parks = parks.loc[parks["district_adcode"].isin(filters.districts).to_numpy()]
    names = dict(zip(parks["park_id"].astype(str), parks["name_zh"].astype(str), strict=True))
    park = st.selectbox(t("mujun_d_scope", language), options=[None, *names], key="mujun_d_park",
                        format_func=lambda p: t("mujun_d_scope_districts", language) if p is None else names[p])
    table = d_class_table(view.everything, scored, year=filters.year, districts=filters.districts, groups=groups,
                          park_id=park)
    st.caption(t("mujun_d_totals", language).format(**d_land_totals(table)))
    every_park = view.everything["parks"].set_index("park_id")["name_zh"]
    statuses = load_vocabularies()["status"].labels(language)
    shown = table.assign(group=table["group"].map(group_labels(language)).fillna(table["group"]),
                         park_id=table["park_id"].map(every_park).fillna(table["park_id"]),
                         plot_status=table["plot_status"].map(statuses).fillna(table["plot_status"]),
                         plot_found_by=table["plot_found_by"].map(
                             lambda v: t(f"mujun_found_{v}", language) if isinstance(v, str) else None))
    text = ["park_id", "plot_id", "plot_found_by", "plot_status"]
    shown[text] = shown[text].astype(object).where(shown[text].notna(), "")  # blank, not "None"
    columns = ["enterprise_id", "name_zh", "park_id", "group", "land_mu", "tax_per_mu", "class", "plot_id",
               "plot_found_by", "plot_status", "plot_area_mu"]
    st.dataframe(shown[columns], hide_index=True, key="mujun_d_table", height=300, column_config={
                             c: st.column_config.Column(t(f"mujun_col_{c}", language)) for c in columns} | {
                             "land_mu": st.column_config.NumberColumn(t("mujun_col_land_mu", language), format="%.1f"),
                             "tax_per_mu": st.column_config.NumberColumn(t("mujun_col_tax_per_mu", language),
                                                                         format="%.2f"),
                             "plot_area_mu": st.column_config.NumberColumn(t("mujun_col_plot_area_mu", language),
                                                                           format="%.1f")})
    if len(table):  # the same as a layer: the firms and the plots they sit on, the view fitted to them
        layers, features = d_land_map(table, view.everything.get("plots"), language=language)
        st.pydeck_chart(CompactDeck(layers=layers, map_provider=None, tooltip=TOOLTIP,
                                    initial_view_state=pdk.ViewState(**features_view(features, height_px=360))),
                        key="mujun_d_map", height=360)
    kind, message = st.session_state.pop("mujun_d_result", (None, None))
    if kind is not None:
        (st.success if kind == "success" else st.error)(message)
    if not view.access.actor.may_edit:
        st.caption(t("mujun_d_viewer", language))
        return
    st.caption(t("mujun_d_choose", language))
    firms = table.drop_duplicates("enterprise_id").set_index("enterprise_id")
    chosen = st.multiselect(t("mujun_d_firms", language), options=list(firms.index), key="mujun_d_firms",
                            format_func=lambda i: f"{firms.loc[i, 'name_zh']} ({i}, {firms.loc[i, 'land_mu']:.1f})",
                            placeholder=t("mujun_d_firms_none", language))
    for enterprise_id in chosen:
        firm = firms.loc[enterprise_id]
        st.button(t("mujun_d_make", language).format(name=markdown_text(firm["name_zh"])),
                  key=f"mujun_d_make_{enterprise_id}", on_click=_make_plot,
                  args=(view, str(enterprise_id), str(firm["name_zh"])), icon=":material/add_location:")
