"""City-scale timings (store load, summary, plots layer, filter rerun, memory) beside naive baselines, same run.

For each size N a fresh subprocess builds a sample store with N plots (untimed), then times every
step ``--runs`` times and prints medians, the ratio naive / ours, bytes and peak memory (RSS).
Nothing is asserted. Usage: python benchmarks/city_scale.py [--sizes 10000 100000 1000000] [--runs 3]
[--markdown FILE]

Naive baselines: ``geopandas.read_file`` of each layer; for the summary, a read of plots + ``sjoin``
to the districts + ``to_crs`` to the equal-area CRS for the area, on every call; folium ``GeoJson``
of the same plots for the map; a re-read of the layers + the same filters + every plot drawn for the
rerun. Naive map baselines run at most at ``NAIVE_MAP_CAP`` plots and once only if one run takes
over ``SLOW_SECONDS``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEAR = 2025
NAIVE_MAP_CAP = 100_000
SLOW_SECONDS = 60.0
MAP_LAYERS = ["parks", "communities", "plots", "factories"]
DATA_LAYERS = ["parks", "communities", "plots", "factories", "indicators", "allocations"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _timed(function, runs: int) -> tuple[float, object, int]:
    """Median seconds over ``runs`` (fewer when one run exceeds SLOW_SECONDS), last result, runs done."""
    seconds, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
        if seconds[-1] > SLOW_SECONDS:
            break
    return statistics.median(seconds), result, len(seconds)


def measure(size: int, runs: int) -> dict:
    """Every step for one store of ``size`` plots; runs inside the per-size subprocess."""
    import folium
    import geopandas as gpd
    import pydeck as pdk

    from spaces.geo.crs import EQUAL_AREA_CRS
    from spaces.geo.grid import plot_cells
    from spaces.planning.filters import Filters, apply_filters
    from spaces.planning.summary import build_summary
    from spaces.reference.districts import load_districts
    from spaces.sample import build_sample
    from spaces.store import local_actor, open_store
    from spaces.view.deck import PLOT_POLYGON_LIMIT, CompactDeck, build_layers, plot_drawing, plot_records

    out: dict = {"size": size, "runs": runs, "notes": []}
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "spaces.gpkg")
        open_store(path).initialise(build_sample(plots=size), dataset="sample", actor=local_actor())
        out["store_mb"] = os.path.getsize(path) / 1e6
        out["peak_after_build_mb"] = _peak_mb()

        # 1. loading the store
        out["load"], layers, _ = _timed(lambda: open_store(path).read_all(), runs)
        out["load_naive"], _, _ = _timed(lambda: {n: gpd.read_file(path, layer=n) for n in DATA_LAYERS}, runs)
        out["peak_after_load_mb"] = _peak_mb()

        # 2. the district summary for a year
        districts = load_districts()

        def naive_summary():
            plots = gpd.read_file(path, layer="plots")
            joined = gpd.sjoin(plots, districts[["adcode", "geometry"]], how="left", predicate="intersects")
            joined = joined.loc[~joined.index.duplicated()]
            joined["mu"] = joined.to_crs(EQUAL_AREA_CRS).area / (2000 / 3)
            years = joined["reclaimed_year"].astype(float)
            reclaimed = joined.loc[(joined["status"] == "reclaimed") & (years <= YEAR)]
            return reclaimed.groupby("adcode")["mu"].sum()

        out["summary"], _, _ = _timed(lambda: build_summary(layers, year=YEAR), runs)
        out["load_summary"], _, _ = _timed(lambda: build_summary(open_store(path).read_all(), year=YEAR), runs)
        out["summary_naive"], _, _ = _timed(naive_summary, runs)
        out["peak_after_summary_mb"] = _peak_mb()

        # 3. the plots layer and its bytes
        shown = apply_filters(layers, Filters(year=YEAR))
        out["plots_layer"], built, _ = _timed(
            lambda: build_layers(shown, visible=["plots"], choropleth=None, language="zh"), runs)
        out["aggregated"] = len(shown["plots"]) > PLOT_POLYGON_LIMIT
        out["layer_objects"] = len(built[0].data)
        out["layer_bytes"] = len(json.dumps(built[0].data, ensure_ascii=False).encode())
        out["deck_bytes_pydeck"] = len(pdk.Deck(layers=built).to_json().encode())
        out["deck_bytes"] = len(CompactDeck(layers=built).to_json().encode())
        if size <= NAIVE_MAP_CAP:
            out["detail_layer"], detail, _ = _timed(lambda: plot_records(shown["plots"], language="zh"), 1)
            out["detail_bytes"] = len(json.dumps(detail, ensure_ascii=False).encode())
            plots_frame = layers["plots"]
            def naive_folium():
                page = folium.Map(location=[29.72, 121.52], zoom_start=9, tiles=None)
                folium.GeoJson(plots_frame).add_to(page)
                return page.get_root().render()
            out["folium"], html, done = _timed(naive_folium, runs)
            out["folium_bytes"] = len(html.encode())
            if done < runs:
                out["notes"].append(f"folium took > {SLOW_SECONDS:.0f} s, timed once")
        else:
            out["notes"].append(f"naive map baselines (folium, full detail) capped at {NAIVE_MAP_CAP:,} plots")
        out["peak_after_layer_mb"] = _peak_mb()

        # 4. a rerun after a filter change, as the app does it: the loaded layers and every plot's
        # grid cell are cached per store version (cached.plot_cells), the rest is computed again.
        out["plot_cells"], cells, _ = _timed(lambda: plot_cells(layers["plots"]), runs)
        district = str(layers["plots"]["district_adcode"].mode().iloc[0])
        changes = {"industry": Filters(year=YEAR, industries=("新材料",)),
                   "district": Filters(year=YEAR, districts=(district,))}
        for label, chosen in changes.items():
            def rerun(chosen=chosen):
                narrowed = apply_filters(layers, chosen)
                drawing = plot_drawing(narrowed["plots"], language="zh", cells=cells)
                return build_layers(narrowed, visible=MAP_LAYERS, choropleth=None, language="zh", plots=drawing)
            out[f"rerun_{label}"], _, _ = _timed(rerun, runs)
            out[f"rerun_{label}_plots"] = int(len(apply_filters(layers, chosen)["plots"]))
        # zooming in: a click on the cell of the district's first plot (full detail around it)
        centre = layers["plots"].geometry.iloc[0].centroid
        def zoom_in():
            return plot_drawing(shown["plots"], language="zh", cells=cells, focus=(centre.x, centre.y))
        out["zoom_in"], zoomed, _ = _timed(zoom_in, runs)
        out["zoom_in_plots"] = zoomed.plot_polygons
        out["zoom_in_km"] = zoomed.window.size_km if zoomed.window else None
        out["zoom_in_bytes"] = len(CompactDeck(layers=build_layers(shown, visible=["plots"], choropleth=None,
                                                                language="zh", plots=zoomed)).to_json().encode())
        if size <= NAIVE_MAP_CAP:
            def naive_rerun():
                fresh = {n: gpd.read_file(path, layer=n) for n in DATA_LAYERS}
                narrowed = apply_filters(fresh, changes["industry"])
                return plot_records(narrowed["plots"], language="zh")
            out["rerun_naive"], _, _ = _timed(naive_rerun, runs)
        out["peak_mb"] = _peak_mb()
    return out


def _ratio(naive: float | None, ours: float | None) -> str:
    return f"{naive / ours:.1f}×" if naive and ours else "—"


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f} s"


def _km(value: float | None) -> str:
    return "no window" if value is None else f"{value:g} × {value:g} km"


def _mb(value: float | None) -> str:
    return "—" if value is None else f"{value / 1e6:.2f} MB"


def table(results: list[dict]) -> str:
    """A markdown table: one row per measurement, one column per size."""
    rows = [
        ("load store (read_all)", lambda r: _s(r["load"])),
        ("load naive (gpd.read_file ×6)", lambda r: _s(r["load_naive"])),
        ("load ratio naive/ours", lambda r: _ratio(r["load_naive"], r["load"])),
        ("summary (build_summary)", lambda r: _s(r["summary"])),
        ("load + summary", lambda r: _s(r["load_summary"])),
        ("summary naive (read+sjoin+to_crs)", lambda r: _s(r["summary_naive"])),
        ("summary ratio naive/ours", lambda r: _ratio(r["summary_naive"], r["summary"])),
        ("summary ratio naive/(load+ours)", lambda r: _ratio(r["summary_naive"], r["load_summary"])),
        ("plots layer (build_layers)", lambda r: _s(r["plots_layer"])),
        ("plots layer aggregated", lambda r: "yes" if r["aggregated"] else "no (full detail)"),
        ("plots layer objects", lambda r: f"{r['layer_objects']:,}"),
        ("plots layer bytes (json.dumps)", lambda r: _mb(r["layer_bytes"])),
        ("deck bytes as sent (CompactDeck.to_json)", lambda r: _mb(r["deck_bytes"])),
        ("deck bytes with pydeck's own to_json", lambda r: _mb(r["deck_bytes_pydeck"])),
        ("full-detail layer bytes", lambda r: _mb(r.get("detail_bytes"))),
        ("folium GeoJson render", lambda r: _s(r.get("folium"))),
        ("folium bytes", lambda r: _mb(r.get("folium_bytes"))),
        ("layer time ratio folium/ours", lambda r: _ratio(r.get("folium"), r["plots_layer"])),
        ("layer bytes ratio folium/ours", lambda r: _ratio(r.get("folium_bytes"), r["deck_bytes"])),
        ("plot cells (once per store version)", lambda r: _s(r["plot_cells"])),
        ("rerun: industry filter", lambda r: _s(r["rerun_industry"])),
        ("rerun: one district", lambda r: f"{_s(r['rerun_district'])} ({r['rerun_district_plots']:,} plots)"),
        ("zoom in: click a cell (plots layer)", lambda r: f"{_s(r['zoom_in'])} ({r['zoom_in_plots']:,} plots in "
                                                           f"{_km(r['zoom_in_km'])})"),
        ("zoom in: deck bytes", lambda r: _mb(r["zoom_in_bytes"])),
        ("rerun naive (re-read + filter + every plot)", lambda r: _s(r.get("rerun_naive"))),
        ("rerun ratio naive/ours", lambda r: _ratio(r.get("rerun_naive"), r["rerun_industry"])),
        ("peak RSS after build", lambda r: f"{r['peak_after_build_mb']:,.0f} MB"),
        ("peak RSS after load", lambda r: f"{r['peak_after_load_mb']:,.0f} MB"),
        ("peak RSS after summary (incl. naive)", lambda r: f"{r['peak_after_summary_mb']:,.0f} MB"),
        ("peak RSS overall", lambda r: f"{r['peak_mb']:,.0f} MB"),
        ("store file", lambda r: f"{r['store_mb']:.1f} MB"),
    ]
    header = "| measurement | " + " | ".join(f"{r['size']:,} plots" for r in results) + " |"
    lines = [header, "|---" * (len(results) + 1) + "|"]
    lines += ["| " + label + " | " + " | ".join(cell(r) for r in results) + " |" for label, cell in rows]
    return "\n".join(lines)


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal"))
    return (f"{os.cpu_count()} cores, {model}, {memory_kb / 1024 ** 2:.1f} GiB RAM, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table to this file")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)  # the per-size child
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.one, args.runs)))
        return
    print(f"machine: {machine()}", flush=True)
    results = []
    for size in args.sizes:
        start = time.perf_counter()
        child = subprocess.run([sys.executable, __file__, "--one", str(size), "--runs", str(args.runs)],
                               capture_output=True, text=True, check=False)
        if child.returncode != 0:
            sys.stderr.write(child.stderr)
            sys.exit(f"size {size}: the measuring subprocess failed (exit {child.returncode})")
        result = json.loads(child.stdout.strip().splitlines()[-1])
        results.append(result)
        print(f"size {size:,}: measured in {time.perf_counter() - start:.0f} s "
              f"(median of {args.runs} runs){''.join('; ' + n for n in result['notes'])}", flush=True)
    text = table(results)
    print(text)
    if args.markdown:
        notes = [f"- {r['size']:,}: {n}" for r in results for n in r["notes"]]
        args.markdown.write_text(f"Machine: {machine()}\n\n{text}\n" + ("\n" + "\n".join(notes) + "\n" if notes
                                                                       else ""), encoding="utf-8")


if __name__ == "__main__":
    main()
