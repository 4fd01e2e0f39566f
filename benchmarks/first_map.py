"""Time to the first drawn map: the explorer against a bare one-chart pydeck page, in the same run.

Starts both with `streamlit run` on free localhost ports, opens each N times in a fresh headless
Chromium context (offline), and records the time from navigation until the map canvas shows the
districts' colours. Then, on both pages with their default layers, times what a planner waits for after a
change: from the keypress that picks an industry in the sidebar (a filter change) or a target above the map (a
target switch) until the map canvas shows its final picture (screenshots of the canvas, unchanged for 1.5 s; the
time of the first of them). The explorer runs twice: as shipped, its big layers sent as files the browser fetches
once (spaces/view/layer_files.py), and with static serving off, every layer inline in every chart message (how it
was before, the naive baseline). Prints medians and ratios; nothing is asserted.
Usage: python benchmarks/first_map.py [--runs 5] [--plots N]
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from spaces.reference.i18n import t  # noqa: E402
from spaces.reference.targets import load_targets  # noqa: E402
from spaces.sample import build_sample  # noqa: E402
from spaces.store import local_actor, open_store  # noqa: E402

FILTER_INDUSTRY = "新材料"
SWITCH_TARGET = list(load_targets().values())[-1].label("zh")  # 市级绿色工厂: not the default target
QUIET = 1.5  # seconds the canvas must stay unchanged to count as redrawn

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(script: Path, env: dict) -> tuple[subprocess.Popen, str]:
    port = _port()
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                                "--server.address", "127.0.0.1", "--server.headless", "true"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{script} did not start")


def _coloured(page) -> int:
    canvas = page.locator("canvas").first
    if canvas.count() == 0:
        return 0
    pixels = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")).astype(int)
    return int(((pixels.max(axis=2) - pixels.min(axis=2)) > 60).sum())


def _time_to_map(browser, url: str, threshold: int = 20_000, timeout: float = 90) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    while time.perf_counter() - start < timeout:
        if _coloured(page) > threshold:
            elapsed = time.perf_counter() - start
            context.close()
            return elapsed
        page.wait_for_timeout(100)
    context.close()
    return float("nan")


def _filter_change(browser, url: str) -> tuple[float, bool]:
    """Seconds from choosing an industry until the park layer has redrawn, and whether the page reloaded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{url}/?ly=parks")
    page.get_by_text("示例数据").first.wait_for(timeout=90_000)
    while _coloured(page) < 500:
        page.wait_for_timeout(100)
    before = _coloured(page)
    page.evaluate("window.__not_reloaded = true")
    page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first.click()
    start = time.perf_counter()
    page.keyboard.type("生物医药")
    page.keyboard.press("Enter")
    while time.perf_counter() - start < 60 and abs(_coloured(page) - before) < 100:
        page.wait_for_timeout(50)
    elapsed = time.perf_counter() - start
    kept = bool(page.evaluate("window.__not_reloaded === true"))
    context.close()
    return elapsed, kept


def _canvas_png(page) -> tuple[float, np.ndarray]:
    """A screenshot of the map canvas and the moment it was taken (the middle of the call)."""
    before = time.perf_counter()
    png = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.screenshot()
    return (before + time.perf_counter()) / 2, np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and int((np.abs(a - b).max(axis=2) > 30).sum()) < 200


def _settle(page, timeout: float = 90) -> np.ndarray:
    """Wait until the canvas has stayed unchanged for QUIET seconds; its picture then."""
    start = time.perf_counter()
    moment, last = _canvas_png(page)
    while time.perf_counter() - start < timeout:
        now, shot = _canvas_png(page)
        if not _same(shot, last):
            moment, last = now, shot
        elif now - moment >= QUIET:
            return last
    return last


def _redrawn_after(page, act, timeout: float = 60) -> float:
    """Seconds from ``act()`` (the keypress that commits a change) until the canvas shows its final picture."""
    before = _settle(page)
    start = time.perf_counter()
    act()
    runs: list[tuple[float, np.ndarray]] = []  # the first shot of each run of equal pictures
    changed = False
    while time.perf_counter() - start < timeout:
        now, shot = _canvas_png(page)
        changed = changed or not _same(shot, before)
        if not runs or not _same(shot, runs[-1][1]):
            runs.append((now, shot))
        elif changed and now - runs[-1][0] >= QUIET:
            return runs[-1][0] - start
    return float("nan")


# Records the moment of every WebGL draw call (performance.now()): deck.gl draws only when its picture changes,
# so the last draw after a change is when the map shows its final picture, to the millisecond, without the
# ~0.1–0.2 s a canvas screenshot takes in software WebGL (which also loads the machine while it is measured).
DRAW_LOG = """(() => {
  for (const proto of [self.WebGL2RenderingContext, self.WebGLRenderingContext].filter(Boolean).map(c => c.prototype)) {
    for (const name of ["drawArrays", "drawElements", "drawArraysInstanced", "drawElementsInstanced"]) {
      const original = proto[name];
      if (!original) continue;
      proto[name] = function (...args) { window.__lastDraw = performance.now(); return original.apply(this, args); };
    }
  }
})();"""


def _drawn_after(page, act, timeout: float = 60) -> float:
    """Seconds from ``act()`` until the last WebGL draw call, once no draw has followed for QUIET seconds."""
    def quiet() -> bool:
        return page.evaluate(f"performance.now() - (window.__lastDraw || 0) > {QUIET * 1000}")

    deadline = time.perf_counter() + timeout
    while not quiet() and time.perf_counter() < deadline:
        page.wait_for_timeout(100)
    start = page.evaluate("performance.now()")
    act()
    while time.perf_counter() < deadline:
        page.wait_for_timeout(100)
        last = page.evaluate("window.__lastDraw || 0")
        if last > start and quiet():
            return (last - start) / 1000
    return float("nan")


def _pick(page, scope: str, label: str | None, text: str):
    """Open the widget (the first multiselect of ``scope``, or the selectbox labelled ``label``) and type
    ``text``; returns the keypress that commits the choice."""
    if label is None:
        page.locator(f"{scope} [data-testid='stMultiSelect']").first.click()
    else:
        page.locator(f"{scope} [data-testid='stSelectbox']").filter(has_text=label).first.click()
    page.keyboard.type(text)
    page.wait_for_timeout(300)
    return lambda: page.keyboard.press("Enter")


def _changes(browser, url: str, *, draws: bool = False) -> tuple[float, float]:
    """A filter change and a target switch on a fresh page with its default layers: seconds to redraw each,
    timed by canvas screenshots, or (``draws``) by the page's last WebGL draw call."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    if draws:
        context.add_init_script(DRAW_LOG)
    timed = _drawn_after if draws else _redrawn_after
    page = context.new_page()
    page.goto(url)
    page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for(timeout=90_000)
    while _coloured(page) < 20_000:
        page.wait_for_timeout(100)
    press = _pick(page, "[data-testid='stSidebar']", None, FILTER_INDUSTRY)
    filter_change = timed(page, press)
    press = _pick(page, "[data-testid='stMain']", t("choropleth_target"), SWITCH_TARGET)
    target_switch = timed(page, press)
    context.close()
    return filter_change, target_switch


def _line(name: str, values: list[float]) -> str:
    return f"{name}: median {statistics.median(values):.2f} s  {[round(v, 2) for v in values]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--plots", type=int, default=None, help="sample plots in the explorer's store")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "spaces.gpkg"
        open_store(str(store)).initialise(build_sample(**({"plots": args.plots} if args.plots else {})),
                                          dataset="sample", actor=local_actor())
        env = {**os.environ, "SPACES_STORE": str(store)}
        explorer, explorer_url = _serve(ROOT / "streamlit_app.py", env)
        bare, bare_url = _serve(ROOT / "benchmarks" / "bare_pydeck_app.py", env)
        inline, inline_url = _serve(ROOT / "streamlit_app.py", {**env, "STREAMLIT_SERVER_ENABLE_STATIC_SERVING": "false"})
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
                _time_to_map(browser, explorer_url)  # warm both servers' caches once
                _time_to_map(browser, bare_url)
                explorer_times, bare_times = [], []
                for _ in range(args.runs):  # interleaved, so machine noise hits both alike
                    bare_times.append(_time_to_map(browser, bare_url))
                    explorer_times.append(_time_to_map(browser, explorer_url))
                change, kept = _filter_change(browser, explorer_url)
                waits = {(name, draws): [] for name in ("bare", "explorer", "inline") for draws in (False, True)}
                for _ in range(args.runs):
                    for draws in (False, True):
                        for name, url in (("bare", bare_url), ("explorer", explorer_url), ("inline", inline_url)):
                            waits[name, draws].append(_changes(browser, url, draws=draws))
                browser.close()
        finally:
            for server in (explorer, bare, inline):
                server.terminate()
    bare_median, explorer_median = statistics.median(bare_times), statistics.median(explorer_times)
    print(f"plots in store: {args.plots or 'default sample'}; runs: {args.runs}; cores: {os.cpu_count()}")
    print(f"bare pydeck page, first map drawn: median {bare_median:.2f} s  {[round(t, 2) for t in bare_times]}")
    print(f"explorer,         first map drawn: median {explorer_median:.2f} s  {[round(t, 2) for t in explorer_times]}")
    print(f"ratio explorer / bare: {explorer_median / bare_median:.2f} (goal ≤ 2)")
    print(f"filter change (parks layer only) redrawn in {change:.2f} s; page not reloaded: {kept}")
    for draws, how in ((False, "canvas screenshots"), (True, "the last WebGL draw call")):
        print(f"In Chromium, default layers, from the keypress to the final picture on the map ({how}):")
        for number, change_name in enumerate(("filter change (industry)", "target switch")):
            bare_waits, explorer_waits, inline_waits = ([pair[number] for pair in waits[name, draws]]
                                                        for name in ("bare", "explorer", "inline"))
            print("  " + _line(f"bare pydeck page, {change_name}", bare_waits))
            print("  " + _line(f"explorer,         {change_name}", explorer_waits))
            print("  " + _line(f"explorer, inline, {change_name}", inline_waits))
            print(f"  ratio explorer / bare, {change_name}: "
                  f"{statistics.median(explorer_waits) / statistics.median(bare_waits):.2f} (goal ≤ 1.5); "
                  f"inline / bare: {statistics.median(inline_waits) / statistics.median(bare_waits):.2f}")


if __name__ == "__main__":
    main()
