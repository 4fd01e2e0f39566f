"""Who the visitor is: desktop mode's OS user, a user signed in through the identity provider, or an anonymous viewer."""

import os
from dataclasses import dataclass
from datetime import UTC, datetime

import streamlit as st

from spaces import cached
from spaces.reference.i18n import t
from spaces.store import ANONYMOUS, Action, Actor, Store, Via, actor_for, local_actor
from spaces.store.access import desktop_mode
from spaces.view.deck import code_text

MODE_VARIABLE = "SPACES_MODE"


@dataclass(frozen=True)
class Access:
    """What this session may do, and why: ``desktop`` (edits as the OS user), or server mode with or without
    sign-in configured (``auth``); ``refused_address`` is set when desktop mode was asked for on a public address."""

    actor: Actor
    desktop: bool
    auth: bool
    refused_address: str | None = None


def _auth_configured() -> bool:
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def session_access(store: Store) -> Access:
    """This session's access, looked up on every run: a role granted or taken away counts at the next click."""
    requested, address = os.environ.get(MODE_VARIABLE), st.get_option("server.address")
    if desktop_mode(requested, address):
        return Access(local_actor(Via.DESKTOP), desktop=True, auth=False)
    refused = (address or "0.0.0.0") if (requested or "").strip().lower() == "desktop" else None
    if not _auth_configured():
        return Access(ANONYMOUS, desktop=False, auth=False, refused_address=refused)
    cached.log_sign_in_failures(store.location)
    if not st.user.is_logged_in:
        return Access(ANONYMOUS, desktop=False, auth=True, refused_address=refused)
    actor = actor_for({"email": st.user.get("email"), "sub": st.user.get("sub")}, store.roles())
    if st.session_state.get("_sign_in_recorded") != actor.user:  # looked up once per session and user
        # One entry per sign-in, not per tab or reload: the ID token's issue time tells sign-ins apart.
        issued = st.user.get("iat")
        issued = datetime.fromtimestamp(issued, UTC).isoformat(timespec="seconds") if issued else "?"
        store.record(Action.SIGN_IN, actor=actor, detail=f"{actor.role.value}; token issued {issued}", once=True)
        st.session_state["_sign_in_recorded"] = actor.user
    return Access(actor, desktop=False, auth=True, refused_address=refused)


def sign_in_box(access: Access, language: str) -> None:
    """The sidebar's line on who is signed in, with the sign-in or sign-out button (server mode with sign-in)."""
    actor = access.actor
    if access.desktop:
        st.caption(t("desktop_mode", language).format(user=code_text(actor.shown)))
    elif access.auth and actor.user:
        st.caption(t("signed_in_as", language).format(user=code_text(actor.shown),
                                                      role=t(f"role_{actor.role.value}", language)))
        st.button(t("sign_out", language), key="sign_out", on_click=st.logout, icon=":material/logout:")
    elif access.auth:
        st.button(t("sign_in", language), key="sign_in", on_click=st.login, icon=":material/login:")
