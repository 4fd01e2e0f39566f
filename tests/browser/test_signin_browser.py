"""Server mode with sign-in, in Chromium: Streamlit's own st.login against a real OpenID Connect provider on
127.0.0.1 (oidc-provider-mock from PyPI), roles from the store, refusals and the audit trail.

An anonymous visitor gets no upload, status or undo control; an editor of 慈溪 imports 慈溪 plots and is refused
余姚's rows; an admin undoes the editor's import; the audit names all three; a denied sign-in is recorded too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import pandas as pd
import pytest
import shapely

from spaces.sample import build_sample
from spaces.store import local_actor, open_store

READY = 60_000
CIXI, YUYAO = "330282", "330281"
USERS = {"editor": "editor@example.org", "admin": "admin@example.org", "stranger": "stranger@example.org"}


def _provider(port: int, log) -> subprocess.Popen:
    claims = [arg for sub, email in USERS.items()
              for arg in ("--user-claims", json.dumps({"sub": sub, "email": email, "name": sub}))]
    return subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(port), *claims],
                            stdout=log, stderr=subprocess.STDOUT)


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer")


@pytest.fixture(scope="module")
def signed_app(tmp_path_factory, streamlit_server):
    """The app in server mode with [auth] pointing at a local provider; roles granted in the store by the CLI's
    user. Opened on ``localhost``: the host must be the redirect URI's."""
    from tests.browser.conftest import ROOT, free_port

    folder = tmp_path_factory.mktemp("signin")
    store = folder / "spaces.gpkg"
    layers = build_sample(plots=200)
    open_store(str(store)).initialise(layers, dataset="sample", actor=local_actor())
    open_store(str(store)).set_role(USERS["editor"], "editor", [CIXI], actor=local_actor())
    open_store(str(store)).set_role(USERS["admin"], "admin", actor=local_actor())
    provider_port, app_port = free_port(), free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(f"""[auth]
redirect_uri = "http://localhost:{app_port}/oauth2callback"
cookie_secret = "a-long-random-test-secret-for-the-browser-tests"
client_id = "spaces-test"
client_secret = "spaces-test-secret"
server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"
""", encoding="utf-8")
    with open(folder / "provider.log", "w") as log:
        provider = _provider(provider_port, log)
        try:
            _wait_for(f"http://127.0.0.1:{provider_port}/.well-known/openid-configuration")
            env = {**os.environ, "SPACES_STORE": str(store)}
            env.pop("SPACES_MODE", None)  # server mode: any start that does not ask for desktop mode
            with streamlit_server(ROOT / "streamlit_app.py", env=env, cwd=ROOT, log_dir=folder, port=app_port,
                                  args=("--secrets.files", str(secrets))):
                yield f"http://localhost:{app_port}", store, layers
        finally:
            provider.terminate()
            provider.wait(timeout=20)


def _plots_csv(path, layers, ids_by_district: dict[str, list[str]]):
    rows = []
    for district, ids in ids_by_district.items():
        plots = layers["plots"][layers["plots"]["district_adcode"] == district].head(len(ids))
        rows += [{"plot_id": plot_id, "status": "pending", "reclaimed_year": "", "wkt": shapely.to_wkt(geometry)}
                 for plot_id, geometry in zip(ids, plots.geometry, strict=True)]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _sign_in(page, url: str, user: str) -> None:
    page.goto(f"{url}/data", wait_until="domcontentloaded")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("Authorize", exact=False).first.wait_for(timeout=READY)
    page.get_by_role("button", name=user).click()
    page.get_by_text(f"已登录：{USERS[user]}", exact=False).wait_for(timeout=READY)


def _open_data_page(page, url: str) -> None:
    page.goto(f"{url}/data", wait_until="domcontentloaded")
    page.get_by_text("导入记录", exact=True).wait_for(timeout=READY)


def _upload(page, path) -> None:
    page.locator("input[type='file']").set_input_files(str(path))
    page.get_by_text("校验通过", exact=False).wait_for(timeout=READY)
    page.get_by_role("button", name="确认导入").click()


def test_an_anonymous_visitor_sees_no_controls_that_change_data(page, signed_app, screenshot):
    url, _store, _layers = signed_app
    page.goto(f"{url}/data", wait_until="domcontentloaded")
    page.get_by_text("登录后，编辑者可导入", exact=False).wait_for(timeout=READY)
    assert page.locator("input[type='file']").count() == 0
    assert page.get_by_role("button", name="保存").count() == 0  # the status form
    assert page.get_by_role("button", name="撤销上一次更改", exact=False).count() == 0
    assert page.get_by_text("操作记录", exact=True).count() == 0  # nor the audit trail
    screenshot(page, "signin_anonymous_data")


def test_editor_imports_their_district_is_refused_another_and_an_admin_undoes(browser, signed_app, tmp_path,
                                                                              screenshot):
    url, store, layers = signed_app
    editor = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    _sign_in(editor, url, "editor")
    _open_data_page(editor, url)
    editor.get_by_text("你可以导入、更新和撤销", exact=False).wait_for(timeout=READY)
    _upload(editor, _plots_csv(tmp_path / "cixi.csv", layers, {CIXI: ["CX-1", "CX-2"]}))
    editor.get_by_text("新增 2", exact=False).wait_for(timeout=READY)
    editor.get_by_role("button", name="确认导入").wait_for(state="detached", timeout=READY)  # the page redrawn
    editor.locator("[data-testid='stFileUploaderFile']").wait_for(state="detached", timeout=READY)
    assert {"CX-1", "CX-2"} <= set(open_store(str(store)).read_layer("plots")["plot_id"])

    _upload(editor, _plots_csv(tmp_path / "mixed.csv", layers, {CIXI: ["CX-3"], YUYAO: ["YY-1", "YY-2"]}))
    # An invisible word joiner before "@" keeps the address from becoming a mail link (markdown_text).
    refusal = editor.get_by_text(re.compile("不在 editor\u2060?@example\\.org 可编辑的区县"))
    refusal.first.wait_for(timeout=READY)
    shown = editor.locator("[data-testid='stAlertContentError']").inner_text()
    assert "YY-1" in shown and "YY-2" in shown and YUYAO in shown and "CX-3" not in shown
    assert not {"CX-3", "YY-1"} & set(open_store(str(store)).read_layer("plots")["plot_id"])
    refusal.first.scroll_into_view_if_needed()
    screenshot(editor, "signin_editor_refused")
    # The user's address is shown as text, not as a mail link: in the sidebar, and in the refusal too.
    assert editor.locator("a[href^='mailto:']").count() == 0
    editor.context.close()

    admin = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    _sign_in(admin, url, "admin")
    _open_data_page(admin, url)
    admin.get_by_role("button", name="撤销上一次更改", exact=False).click()
    admin.get_by_text("已撤销", exact=False).wait_for(timeout=READY)
    assert not {"CX-1", "CX-2"} & set(open_store(str(store)).read_layer("plots")["plot_id"])
    admin.get_by_text("操作记录", exact=True).wait_for(timeout=READY)
    admin.get_by_text("操作记录", exact=True).scroll_into_view_if_needed()
    screenshot(admin, "signin_admin_audit")
    admin.context.close()

    audit = open_store(str(store)).audit_log()
    changes = audit[audit["action"].isin(["import", "refused", "undo"])][["user", "action", "file"]]
    assert changes.values.tolist() == [[USERS["editor"], "import", "cixi.csv"],
                                       [USERS["editor"], "refused", "mixed.csv"],
                                       [USERS["admin"], "undo", "cixi.csv"]]
    signed_in = audit[audit["action"] == "sign_in"]
    # One entry per sign-in, however many pages they opened after it.
    assert sorted(signed_in["user"]) == sorted([USERS["editor"], USERS["admin"]])


def test_a_signed_in_user_without_a_role_is_a_viewer_and_a_denied_sign_in_is_recorded(browser, signed_app):
    url, store, _layers = signed_app
    stranger = browser.new_context(locale="zh-CN").new_page()
    _sign_in(stranger, url, "stranger")
    _open_data_page(stranger, url)
    stranger.get_by_text("你的角色是查看者", exact=False).wait_for(timeout=READY)
    assert stranger.locator("input[type='file']").count() == 0
    stranger.context.close()

    denied = browser.new_context(locale="zh-CN").new_page()
    denied.goto(f"{url}/data", wait_until="domcontentloaded")
    denied.get_by_role("button", name="登录").click()
    denied.get_by_text("Authorize", exact=False).first.wait_for(timeout=READY)
    denied.get_by_role("button", name="Deny").click()
    denied.get_by_role("button", name="登录").wait_for(timeout=READY)  # back in the app, not signed in
    denied.context.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        failures = open_store(str(store)).audit_log().query("action == 'sign_in_failure'")
        if len(failures):
            break
        time.sleep(0.3)
    assert "access_denied" in " ".join(failures["detail"])
