"""Issue 12: how often one click on the map opens the detail panel, in fresh Chromium sessions.

Run against a served app (``streamlit run streamlit_app.py --server.port 8650``)::

    python benchmarks/pick_trials.py --url http://127.0.0.1:8650 --trials 10 --target 宁海 --out /tmp/pick/run.jsonl

Each trial: a fresh browser context (1440x900, zh-CN), the default URL, wait for the map to draw, move the
mouse onto the target as a hand does (the tooltip shows), then one click (down, 90 ms, up). Recorded per trial:
whether a widget message left over the websocket (and which object kind it carried), whether the URL got
``sel=`` (the detail panel opened), and in-page timings: every pointerdown/pointerup/click event's
processing time (Event Timing API), every readPixels (= a deck.gl pick) and the gap between the pointerdown
and pointerup handlers, which is what mjolnir.js's tap recogniser compares with its 250 ms limit.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
VIEW = {"longitude": 121.52, "latitude": 29.72, "zoom": 8.0}  # spaces.view.deck.NINGBO_VIEW
TARGETS = {  # representative points (WGS-84) of districts / parks in the sample store
    "宁海": (121.469, 29.3093), "余姚": (121.2151, 30.0136), "奉化": (121.4338, 29.599),
    "C宁海": (121.46397, 29.30758), "C余姚": (121.21494, 30.0109), "C奉化": (121.43289, 29.60527),  # 1 km cells
    "P001": (121.8615, 29.9052), "P012": (121.4403, 29.3071), "象山": (121.8311, 29.3531),
}

INIT = r"""
(() => {
  const log = window.__pick = {events: [], reads: [], moves: 0, t0: performance.now()};
  try {
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) {
        if (['pointerdown', 'pointerup', 'click', 'mousedown', 'mouseup'].includes(e.name))
          log.events.push({name: e.name, start: e.startTime, pstart: e.processingStart, pend: e.processingEnd,
                           dur: e.duration});
      }
    }).observe({type: 'event', buffered: true, durationThreshold: 16});
  } catch (err) { log.err = String(err); }
  // Our own listeners on window (capture: before deck's) and (bubble: after deck's handlers on the canvas)
  for (const type of ['pointerdown', 'pointerup']) {
    window.addEventListener(type, ev => log.events.push({name: type + '@capture', t: performance.now(),
                                                          ts: ev.timeStamp}), true);
    window.addEventListener(type, ev => log.events.push({name: type + '@bubble', t: performance.now()}), false);
  }
  window.addEventListener('pointermove', () => { log.moves++; }, true);
  for (const proto of [WebGLRenderingContext.prototype, WebGL2RenderingContext.prototype]) {
    const read = proto.readPixels;
    proto.readPixels = function (...a) {
      const t = performance.now();
      const r = read.apply(this, a);
      log.reads.push({t, dur: performance.now() - t, w: a[2], h: a[3]});
      return r;
    };
  }
  const raf = window.requestAnimationFrame;
  log.frames = [];
  window.requestAnimationFrame = function (cb) {
    return raf.call(window, ts => {
      const t = performance.now();
      cb(ts);
      const d = performance.now() - t;
      if (d > 30) log.frames.push({t, dur: d});
    });
  };
})();
"""


def project(lon: float, lat: float, box: dict) -> tuple[float, float]:
    """Pixel of (lon, lat) in the canvas at NINGBO_VIEW (deck.gl's 512 px Web Mercator)."""
    scale = 512 * 2 ** VIEW["zoom"] / (2 * math.pi)

    def merc(phi):
        return math.log(math.tan(math.pi / 4 + math.radians(phi) / 2))

    x = box["x"] + box["width"] / 2 + math.radians(lon - VIEW["longitude"]) * scale
    y = box["y"] + box["height"] / 2 - (merc(lat) - merc(VIEW["latitude"])) * scale
    return x, y


def trial(browser, url: str, target: str, *, hover: bool, press_ms: int, settle_ms: int, query: str,
          tap_time: int | None = None) -> dict:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.add_init_script(INIT)
    sent: list[tuple[float, bytes]] = []

    def on_ws(ws):
        ws.on("framesent", lambda payload: sent.append((time.monotonic(),
                                                        payload if isinstance(payload, bytes) else payload.encode())))

    page.on("websocket", on_ws)
    host = urlparse(url).hostname
    context.route("**/*", lambda r: r.continue_() if (urlparse(r.request.url).hostname in (host, None)
                                                      or r.request.url.startswith(("data:", "blob:")))
                  else r.abort())
    page.goto(url + query, wait_until="domcontentloaded")
    page.get_by_text("示例数据", exact=False).first.wait_for(timeout=120_000)
    canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
    canvas.wait_for(timeout=120_000)
    page.wait_for_timeout(settle_ms)
    if tap_time:  # control experiment: widen mjolnir's tap time limit (250 ms) on the page's Deck
        from pick_probe import FIND_DECK
        assert page.evaluate(FIND_DECK)
        page.evaluate("t => { const m = window.__deck.eventManager.manager; const r = m.get('click');"
                      " r.options.time = t; return r.options; }", tap_time)
    box = canvas.bounding_box()
    x, y = project(*TARGETS[target], box)
    if hover:
        page.mouse.move(x - 40, y - 30)
        page.mouse.move(x, y, steps=8)
        page.wait_for_timeout(900)
    tooltip = page.evaluate("!!document.querySelector('.deck-tooltip') && "
                            "getComputedStyle(document.querySelector('.deck-tooltip')).display !== 'none' && "
                            "document.querySelector('.deck-tooltip').innerText")
    page.evaluate("window.__pick.clickAt = performance.now()")
    before = len(sent)
    clicked_at = time.monotonic()
    page.mouse.move(x, y)
    page.mouse.down()
    if press_ms:
        page.wait_for_timeout(press_ms)
    page.mouse.up()
    opened = False
    try:
        page.wait_for_function("location.search.includes('sel=') || location.search.includes('f=')", timeout=5000)
        opened = True
    except Exception:  # noqa: BLE001 - a lost click
        pass
    page.wait_for_timeout(300)
    frames = [p for t, p in sent[before:] if t >= clicked_at]
    kinds = []
    for p in frames:
        for kind in (b'"kind":"park"', b'"kind":"district"', b'"kind":"plot"', b'"kind":"community"',
                     b'"kind":"plot_cell"', b'"indices":{}'):
            if kind in p:
                kinds.append(kind.decode())
    log = page.evaluate("window.__pick")
    context.close()
    t_click = log.get("clickAt", 0)
    events = [e for e in log["events"] if e.get("start", e.get("t", 0)) >= t_click - 5]
    caps = {e["name"]: e for e in events if "@" in e["name"]}
    gap = None
    if "pointerdown@capture" in caps and "pointerup@capture" in caps:
        gap = caps["pointerup@capture"]["t"] - caps["pointerdown@capture"]["t"]
    down_handler = None
    if "pointerdown@capture" in caps and "pointerdown@bubble" in caps:
        down_handler = caps["pointerdown@bubble"]["t"] - caps["pointerdown@capture"]["t"]
    reads = [r for r in log["reads"] if r["t"] >= t_click - 5]
    return {"target": target, "hover": hover, "press_ms": press_ms, "opened": opened, "messages": len(frames),
            "kinds": kinds, "tooltip": (tooltip or "")[:40] if tooltip else None,
            "down_to_up_ms": None if gap is None else round(gap, 1),
            "pointerdown_handlers_ms": None if down_handler is None else round(down_handler, 1),
            "reads_after_click": [(round(r["t"] - t_click), round(r["dur"], 1)) for r in reads][:8],
            "long_frames_after_click": [(round(f["t"] - t_click), round(f["dur"])) for f in log["frames"]
                                        if f["t"] >= t_click - 5][:6],
            "hover_reads": [round(r["dur"], 1) for r in log["reads"] if r["t"] < t_click][-6:],
            "event_timing": [(e["name"], round(e["pstart"] - t_click), round(e["pend"] - e["pstart"]))
                             for e in events if "pstart" in e]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8650")
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--target", default="宁海")
    parser.add_argument("--no-hover", action="store_true")
    parser.add_argument("--press-ms", type=int, default=90)
    parser.add_argument("--settle-ms", type=int, default=3000)
    parser.add_argument("--query", default="")
    parser.add_argument("--label", default="")
    parser.add_argument("--tap-time", type=int)
    parser.add_argument("--out")
    args = parser.parse_args()
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for i in range(args.trials):
            targets = args.target.split(",")
            result = trial(browser, args.url, targets[i % len(targets)], hover=not args.no_hover,
                           press_ms=args.press_ms, settle_ms=args.settle_ms, query=args.query,
                           tap_time=args.tap_time)
            result["label"] = args.label
            results.append(result)
            print(json.dumps(result, ensure_ascii=False), flush=True)
            if args.out:
                with open(args.out, "a", encoding="utf-8") as out:
                    out.write(json.dumps(result, ensure_ascii=False) + "\n")
        browser.close()
    ok = sum(r["opened"] for r in results)
    print(f"SUMMARY {args.label}: opened {ok}/{len(results)}; messages sent in "
          f"{sum(bool(r['messages']) for r in results)}/{len(results)}")


if __name__ == "__main__":
    main()
