"""Issue 12: time deck.gl's own pick (what every pointerdown and hover runs) per layer and per layer variant.

Finds the page's Deck instance through React's fiber tree, then calls ``deck.pickObject`` at a point (the
same call ``Deck._onPointerDown`` makes synchronously) with all layers, with one layer at a time, and with
cloned layer variants swapped in (``layer.clone({...})``), several times each; prints median milliseconds.

    python benchmarks/pick_probe.py --url http://127.0.0.1:8650 --target 宁海
"""

from __future__ import annotations

import argparse
import json

from pick_trials import ARGS, CHROMIUM, TARGETS, project
from playwright.sync_api import sync_playwright

FIND_DECK = r"""
() => {
  const canvas = document.querySelector("[data-testid='stDeckGlJsonChart'] canvas");
  let fiber = canvas[Object.keys(canvas).find(k => k.startsWith('__reactFiber'))];
  const seen = new Set();
  function scan(v, depth) {
    if (!v || typeof v !== 'object' || seen.has(v) || depth > 4) return null;
    seen.add(v);
    if (typeof v.pickObject === 'function' && v.layerManager) return v;
    for (const k of Object.keys(v)) {
      if (k === 'return' || k === 'child' || k === 'sibling' || k === '_owner') continue;
      let r = null;
      try { r = scan(v[k], depth + 1); } catch (e) {}
      if (r) return r;
    }
    return null;
  }
  for (let f = fiber; f; f = f.return) {
    const d = scan(f.memoizedState, 0) || scan(f.stateNode, 0);
    if (d) { window.__deck = d; return true; }
  }
  return false;
}
"""

PROBE = r"""
async ({x, y, variants, reps}) => {
  const deck = window.__deck;
  const rect = deck.canvas.getBoundingClientRect();
  const px = x - rect.left, py = y - rect.top;
  const original = deck.layerManager.getLayers().filter(l => !l.parent).map(l => l);  // top-level layers
  const top = deck.props.layers.flat().filter(Boolean);
  const out = {};
  const median = a => a.slice().sort((p, q) => p - q)[Math.floor(a.length / 2)];
  const settle = () => new Promise(r => setTimeout(r, 150));
  async function timePick(label, opts = {}) {
    const times = [];
    let picked = null;
    for (let i = 0; i < reps; i++) {
      await settle();
      const t = performance.now();
      const info = deck.pickObject({x: px, y: py, radius: deck.props.pickingRadius, ...opts});
      times.push(performance.now() - t);
      picked = info ? `${info.layer.id}#${info.index}` : null;
    }
    out[label] = {median: Math.round(median(times)), all: times.map(Math.round), picked};
  }
  async function timeRedraw(label) {
    const times = [];
    for (let i = 0; i < reps; i++) {
      await settle();
      const t = performance.now();
      deck.redraw('probe');
      deck._drawLayers('probe');
      const gl = deck.device.gl; const buf = new Uint8Array(4);
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, buf);  // wait for the GPU to finish the frame
      times.push(performance.now() - t);
    }
    out[label] = {median: Math.round(median(times)), all: times.map(Math.round)};
  }
  out.layers = top.map(l => `${l.id}:${l.constructor.layerName}:pickable=${l.props.pickable}`);
  out.sublayers = deck.layerManager.getLayers().filter(l => l.isDrawable !== false && !l.isComposite)
    .map(l => `${l.id}:${l.props.pickable ? 'P' : '-'}:${l.getNumInstances ? l.getNumInstances() : '?'}`);
  out.dpr = window.devicePixelRatio; out.size = [deck.width, deck.height];
  out.pickingRadius = deck.props.pickingRadius;
  await timeRedraw('screen_redraw_all');
  await timePick('pick_all');
  for (const l of top) await timePick(`pick_only_${l.id}`, {layerIds: [l.id]});
  for (const [name, change] of Object.entries(variants)) {
    const swapped = top.map(l => (change[l.id] === null ? null : l.clone(change[l.id] || {})))
      .filter(Boolean);
    deck.setProps({layers: swapped});
    deck.layerManager.updateLayers();
    await new Promise(r => setTimeout(r, 600));
    await timePick(`variant_${name}`);
    await timeRedraw(`variant_${name}_redraw`);
  }
  deck.setProps({layers: top});
  return out;
}
"""

NO_STROKE_PICK = {"_subLayerProps": {"polygons-stroke": {"pickable": False}}}
VARIANTS = {
    "unchanged_clone": {},
    "districts_stroke_not_pickable": {"districts": NO_STROKE_PICK},
    "all_strokes_not_pickable": {"districts": NO_STROKE_PICK, "parks": NO_STROKE_PICK, "communities": NO_STROKE_PICK},
    "districts_not_pickable": {"districts": {"pickable": False}},
    "districts_no_stroke": {"districts": {"stroked": False}},
    "districts_no_fill": {"districts": {"filled": False}},
    "districts_removed": {"districts": None},
    "plots_removed": {"plots": None},
    "plots_not_pickable": {"plots": {"pickable": False}},
    "districts_only": {"plots": None, "parks": None, "communities": None},
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8650")
    parser.add_argument("--target", default="宁海")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--query", default="")
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.goto(args.url + args.query, wait_until="domcontentloaded")
        page.get_by_text("示例数据", exact=False).first.wait_for(timeout=120_000)
        canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
        canvas.wait_for(timeout=120_000)
        page.wait_for_timeout(4000)
        assert page.evaluate(FIND_DECK), "no Deck found"
        x, y = project(*TARGETS[args.target], canvas.bounding_box())
        result = page.evaluate(PROBE, {"x": x, "y": y, "variants": VARIANTS, "reps": args.reps})
        print(json.dumps(result, ensure_ascii=False, indent=1))
        browser.close()


if __name__ == "__main__":
    main()
