"""The Data page's parts on who may change what: why a visitor cannot edit, the audit trail, the roles (admins)."""

import pandas as pd
import streamlit as st

from app_pages.parts.view import View
from spaces.errors import AccessError
from spaces.reference.districts import district_names
from spaces.reference.i18n import localised, t
from spaces.store import AUDIT_COLUMNS, GRANTABLE, ROLE_NAMES, Via, readable_time, visible_audit
from spaces.view.deck import markdown_text

VIA_NAMES = tuple(via.value for via in Via)


def _district_label(code: str, language: str) -> str:
    names = district_names().set_index("adcode")[localised("name", language)]
    return names.get(code, code)


def edit_notice(view: View) -> bool:
    """Say what this visitor may change; True when they may change anything at all."""
    access, language = view.access, view.language
    if access.refused_address is not None:
        st.warning(markdown_text(t("desktop_refused", language).format(address=access.refused_address)))
    actor = access.actor
    if actor.may_edit:
        if not actor.is_admin:
            shown = "、".join(_district_label(code, language) for code in sorted(actor.districts))
            st.caption(t("editor_scope", language).format(districts=markdown_text(shown)))
        return True
    if not access.auth:
        st.info(t("read_only_no_auth", language), icon=":material/lock:")
    elif not actor.user:
        st.info(t("read_only_signin", language), icon=":material/lock:")
    else:
        st.info(t("read_only_viewer", language), icon=":material/lock:")
    return False


def audit_panel(view: View) -> None:
    """The audit trail as this visitor may read it: an admin all, an editor their own and their districts'."""
    actor, language = view.access.actor, view.language
    if not actor.may_edit:
        return
    st.subheader(t("audit_trail", language))
    st.caption(t("audit_scope_admin" if actor.is_admin else "audit_scope_editor", language))
    shown = visible_audit(view.store.audit_log(), actor).iloc[::-1].copy()  # newest first
    shown["time"] = shown["time"].map(readable_time)
    shown["action"] = shown["action"].map(lambda a: t(f"action_{a}", language) if a else a)
    shown["role"] = shown["role"].map(lambda r: t(f"role_{r}", language) if r in ROLE_NAMES else r)
    shown["via"] = shown["via"].map(lambda v: t(f"via_{v}", language) if v in VIA_NAMES else v)
    shown["change_id"] = shown["change_id"].map(lambda n: "" if pd.isna(n) else f"#{n}")
    st.dataframe(shown, hide_index=True, key="audit_trail",
                 column_config={name: t(f"audit_{name}", language) for name in AUDIT_COLUMNS[1:]})


def _save_role(view: View, user: str, role: str | None, districts: list[str]) -> None:
    try:
        name = view.store.set_role(user, role, districts, actor=view.access.actor)
        st.session_state["role_result"] = ("success", t("role_saved", view.language).format(user=name))
    except AccessError as exc:
        text = t(f"problem_{exc.key}", view.language).format(**exc.params) if exc.key else str(exc)
        st.session_state["role_result"] = ("error", text)


def roles_panel(view: View) -> None:
    """An admin grants and removes roles; each change is in the audit trail."""
    actor, language = view.access.actor, view.language
    if not actor.is_admin:
        return
    st.subheader(t("roles_heading", language))
    st.caption(t("roles_help", language))
    roles = view.store.roles()
    table = pd.DataFrame({
        t("role_user", language): roles["user"],
        t("role_role", language): roles["role"].map(lambda r: t(f"role_{r}", language)),
        t("role_districts", language): roles["districts"].fillna(""),
        t("roles_granted_by", language): roles["granted_by"],
        t("roles_granted_at", language): roles["granted_at"].map(readable_time)})
    st.dataframe(table, hide_index=True, key="roles_table")
    if result := st.session_state.pop("role_result", None):
        getattr(st, result[0])(markdown_text(result[1]))
    with st.form("role_form", border=True):
        columns = st.columns([2, 1, 3])
        user = columns[0].text_input(t("role_user", language), key="role_user")
        role = columns[1].selectbox(t("role_role", language), options=ROLE_NAMES, index=1, key="role_role",
                                    format_func=lambda r: t(f"role_{r}", language))
        districts = columns[2].multiselect(t("role_districts", language), options=list(GRANTABLE),
                                           key="role_districts", placeholder=t("all", language),
                                           format_func=lambda code: _district_label(code, language))
        remove = st.checkbox(t("role_remove", language), key="role_remove")
        if st.form_submit_button(t("role_save", language)):
            _save_role(view, user, None if remove else role, districts)
            st.rerun()
