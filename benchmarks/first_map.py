"""Time to the first drawn map: the explorer against a bare one-chart pydeck page, in the same run.

Starts both with `streamlit run` on free localhost ports, opens each N times in a fresh headless
Chromium context (offline), and records the time from navigation until the map canvas shows the
districts' colours. Then times a filter change on the explorer (no page reload). Prints medians
and the ratio; nothing is asserted. Usage: python benchmarks/first_map.py [--runs 5] [--plots N]
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
from spaces.sample import build_sample  # noqa: E402
from spaces.store import local_actor, open_store  # noqa: E402

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
                browser.close()
        finally:
            explorer.terminate()
            bare.terminate()
    bare_median, explorer_median = statistics.median(bare_times), statistics.median(explorer_times)
    print(f"plots in store: {args.plots or 'default sample'}; runs: {args.runs}; cores: {os.cpu_count()}")
    print(f"bare pydeck page, first map drawn: median {bare_median:.2f} s  {[round(t, 2) for t in bare_times]}")
    print(f"explorer,         first map drawn: median {explorer_median:.2f} s  {[round(t, 2) for t in explorer_times]}")
    print(f"ratio explorer / bare: {explorer_median / bare_median:.2f} (goal ≤ 2)")
    print(f"filter change redrawn in {change:.2f} s; page not reloaded: {kept}")


if __name__ == "__main__":
    main()
