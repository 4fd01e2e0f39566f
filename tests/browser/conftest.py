"""A real `streamlit run` on a free port and Debian's Chromium driven by Playwright, offline.

Browser tests skip when Chromium is missing, unless SPACES_REQUIRE_BROWSER=1 (CI sets it), so a
missing browser can never turn CI green by skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from spaces.sample import build_sample
from spaces.store import local_actor, open_store

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
# Harmless console noise of SwiftShader WebGL, as seen in the offline probe.
ALLOWED_CONSOLE = ("GPU stall", "luma.gl", "WebGL", "GroupMarkerNotSet", "Automatic fallback to software WebGL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("SPACES_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing but SPACES_REQUIRE_BROWSER=1")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def _streamlit_server(script: Path, *, env: dict, cwd: Path, log_dir: Path, port: int | None = None,
                      args: tuple[str, ...] = ()) -> Iterator[str]:
    """``streamlit run script`` on a free localhost port (or ``port``), with more options ``args``; yields its URL
    once healthy, stops it after."""
    port = port or free_port()
    with open(log_dir / "streamlit.log", "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             *args],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.3)
            else:
                pytest.fail(f"streamlit did not become healthy; see {log.name}")
            yield url
        finally:
            server.terminate()
            server.wait(timeout=20)


@pytest.fixture(scope="session")
def streamlit_server():
    """``streamlit_server(script, env=…, cwd=…, log_dir=…)``: a context manager yielding a served app's URL."""
    return _streamlit_server


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """The app served by `streamlit run` on a small sample store; stopped after the session."""
    store = tmp_path_factory.mktemp("store") / "spaces.gpkg"
    open_store(str(store)).initialise(build_sample(plots=500), dataset="sample", actor=local_actor())
    # Desktop mode (as `make app` starts it): the Data page's import, status and undo controls are there.
    with _streamlit_server(ROOT / "streamlit_app.py", env={**os.environ, "SPACES_STORE": str(store),
                                                           "SPACES_MODE": "desktop"}, cwd=ROOT,
                          log_dir=tmp_path_factory.mktemp("log")) as url:
        yield url


@pytest.fixture
def page(browser):
    """A fresh page that refuses every request leaving localhost and records page errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.outside_requests = []
    page.errors = []

    def route(route_request):
        host = urlparse(route_request.request.url).hostname or ""
        if route_request.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route_request.continue_()
        else:
            page.outside_requests.append(route_request.request.url)
            route_request.abort()

    def failed_response(response):
        # Opening a page's own URL (/parks) makes Streamlit probe /parks/_stcore/… before the root: harmless.
        if response.status >= 400 and "/_stcore/" not in response.url:
            page.errors.append(f"HTTP {response.status} {response.url}")

    context.route("**/*", route)
    page.on("response", failed_response)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    # Failed loads are judged by their response above; console only repeats them without the URL.
    page.on("console", lambda message: page.errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            and not any(a in message.text for a in ALLOWED_CONSOLE) else None)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under artifacts/screenshots/ to look at: ``screenshot(page, name)``."""

    def save(page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
