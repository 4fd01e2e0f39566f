"""Status updates, their undo and small imports at city scale: in place (SQL on the rows) beside rewriting the layer.

For each N a fresh sample store with N plots is built (untimed) and copied twice: one copy is
written as the app writes it (``open_store``: the row changed with SQL in a copy of the file), the
other with ``GeoPackageStore(path, in_place=False)``, which reads and rewrites the whole plots layer
for every change, as the store did before. Each run updates a different pending plot to reclaimed
(``update_plot_status``) and undoes it (``undo_last``) on both; medians over ``--runs`` are printed
with the ratio rewrite / in place, beside the time to copy the file (the floor of any write that
keeps the copy-and-rename guarantee). Then each run imports a different 10-row plots file (5 pending
plots renamed, 5 new plots) into both (``upsert``: in place it deletes the 5 replaced rows and appends
the 10, the rewrite writes the whole layer), beside the time to read the plots layer, which imports did
to merge before they read only the rows the file names; each import is then undone (in place: delete the 10, append the 5 replaced
rows and give them back their feature ids). Peak memory (RSS) is that of a fresh process doing one update and its undo each
way. Nothing is asserted; the two copies are compared at the end.
Usage: python benchmarks/store_writes.py [--plots 100000 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEAR = 2024
# One update and its undo in a fresh process; prints its peak RSS in MB. VmHWM, not getrusage's
# ru_maxrss: Linux carries ru_maxrss over from the parent (the benchmark, several GB at 1M plots) through exec.
ONE_WRITE = """
import re, sys
from pathlib import Path
from spaces.intake.status import update_plot_status
from spaces.store import GeoPackageStore, local_actor
path, plot_id, in_place = sys.argv[1], sys.argv[2], sys.argv[3] == "yes"
store = GeoPackageStore(path, in_place=in_place)
update_plot_status(store, plot_id, status="reclaimed", reclaimed_year=2024, actor=local_actor())
store.undo_last(actor=local_actor())
print(int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) / 1024)
"""


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def _copy_with_fsync(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    with open(target, "rb+") as fh:
        os.fsync(fh.fileno())
    target.unlink()


def _peak_mb(path: Path, plot_id: str, *, in_place: bool) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", ONE_WRITE, str(path), plot_id, "yes" if in_place else "no"],
                          env=env, capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def _ten_row_file(path: Path, plots, renamed: list[str], run: int) -> Path:
    """5 stored plots with new names (updated) and 5 new plots with borrowed geometries (added)."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    rows = plots.set_index("plot_id").loc[renamed].reset_index()
    new = plots.iloc[run * 5:run * 5 + 5].assign(plot_id=[f"BENCH{run}-{n}" for n in range(5)])
    frame = gpd.GeoDataFrame(pd.concat([rows, new], ignore_index=True), geometry="geometry", crs="EPSG:4326")
    frame = frame.drop(columns=["source", "source_file", "imported_at", "area_mu"])
    frame["name_zh"] = [f"基准测试{run}-{n}" for n in range(len(frame))]
    pyogrio.write_dataframe(frame, path)
    return path


def measure(size: int, runs: int) -> dict:
    import shapely

    import spaces.store.geopackage as store_module
    from spaces.intake.status import update_plot_status
    from spaces.intake.validation import validate_file
    from spaces.sample import build_sample
    from spaces.store import GeoPackageStore, local_actor, open_store

    # One clock for both copies: imported rows are stamped with the time, and the rewrite is seconds slower.
    store_module._now = lambda: "2026-11-28T00:00:00+00:00"

    layers = build_sample(plots=size)
    plots = layers["plots"]
    # Pending plots from the middle of the layer on: a different one each run.
    pending = plots.loc[plots.index >= len(plots) // 2].query("status == 'pending'")["plot_id"].tolist()
    pending, spare, renamed = pending[:runs], pending[runs], pending[runs + 1:]
    times: dict[str, list[float]] = {"copy": [], "update": [], "undo": [], "update_naive": [], "undo_naive": [],
                                     "read": [], "import": [], "import_naive": [], "import_undo": [],
                                     "import_undo_naive": []}
    with tempfile.TemporaryDirectory() as folder:
        in_place_path = Path(folder) / "in_place" / "spaces.gpkg"
        rewriting_path = Path(folder) / "rewriting" / "spaces.gpkg"
        in_place_path.parent.mkdir()
        rewriting_path.parent.mkdir()
        open_store(str(in_place_path)).initialise(layers, dataset="sample", actor=local_actor())
        shutil.copyfile(in_place_path, rewriting_path)
        in_place, rewriting = open_store(str(in_place_path)), GeoPackageStore(rewriting_path, in_place=False)
        store_mb = in_place_path.stat().st_size / 1e6
        for plot_id in pending:
            times["copy"].append(_timed(lambda: _copy_with_fsync(in_place_path, Path(folder) / "copy.gpkg")))
            for store, suffix in ((in_place, ""), (rewriting, "_naive")):
                times["update" + suffix].append(_timed(lambda s=store, p=plot_id: update_plot_status(
                    s, p, status="reclaimed", reclaimed_year=YEAR, actor=local_actor())))
                times["undo" + suffix].append(_timed(lambda s=store: s.undo_last(actor=local_actor())))
        for run in range(runs):
            intake = validate_file(_ten_row_file(Path(folder) / f"import{run}.gpkg", plots,
                                                 renamed[run * 5:run * 5 + 5], run), "plots")
            times["read"].append(_timed(lambda: in_place.read_layer("plots")))
            for store, suffix in ((in_place, ""), (rewriting, "_naive")):
                times["import" + suffix].append(_timed(lambda s=store, i=intake: s.upsert(i, actor=local_actor())))
            for store, suffix in ((in_place, ""), (rewriting, "_naive")):
                times["import_undo" + suffix].append(_timed(lambda s=store: s.undo_last(actor=local_actor())))
        peak = {"peak": _peak_mb(in_place_path, spare, in_place=True),
                "peak_naive": _peak_mb(rewriting_path, spare, in_place=False)}
        ours, naive = in_place.read_layer("plots"), rewriting.read_layer("plots")
        same = ours.drop(columns="geometry").equals(naive.drop(columns="geometry")) and bool(
            (shapely.to_wkb(ours.geometry.to_numpy()) == shapely.to_wkb(naive.geometry.to_numpy())).all())
        logs_same = in_place.import_log().drop(columns=["time", "undone_at"]).equals(
            rewriting.import_log().drop(columns=["time", "undone_at"]))
    return {"size": size, "runs": len(pending), "store_mb": store_mb, "same": same and logs_same,
            **peak, **{name: statistics.median(values) for name, values in times.items()}}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
        memory = f"{kib / 1024 ** 2:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        memory = "RAM unknown"
    return (f"{os.cpu_count()} cores (nproc), {cpu}, {memory}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def report(results: list[dict]) -> str:
    header = "| measurement | " + " | ".join(f"{r['size']:,} plots" for r in results) + " |"
    lines = [header, "|---|" + "---|" * len(results)]

    def row(label: str, cell) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")

    row("store size", lambda r: f"{r['store_mb']:.0f} MB")
    row("copy file + fsync (floor)", lambda r: f"{r['copy']:.3f} s")
    row("status update, in place", lambda r: f"{r['update']:.3f} s")
    row("status update, rewrite (before)", lambda r: f"{r['update_naive']:.3f} s")
    row("status update ratio rewrite/in place", lambda r: f"{r['update_naive'] / r['update']:.1f}×")
    row("undo, in place", lambda r: f"{r['undo']:.3f} s")
    row("undo, rewrite (before)", lambda r: f"{r['undo_naive']:.3f} s")
    row("undo ratio rewrite/in place", lambda r: f"{r['undo_naive'] / r['undo']:.1f}×")
    row("read plots layer (imports did, to merge)", lambda r: f"{r['read']:.3f} s")
    row("import 10 rows (5 updated, 5 new), in place", lambda r: f"{r['import']:.3f} s")
    row("import 10 rows, rewrite (before)", lambda r: f"{r['import_naive']:.3f} s")
    row("import ratio rewrite/in place", lambda r: f"{r['import_naive'] / r['import']:.1f}×")
    row("undo of that import, in place", lambda r: f"{r['import_undo']:.3f} s")
    row("undo of that import, rewrite (before)", lambda r: f"{r['import_undo_naive']:.3f} s")
    row("import undo ratio rewrite/in place", lambda r: f"{r['import_undo_naive'] / r['import_undo']:.1f}×")
    row("peak RSS, update + undo in place", lambda r: f"{r['peak']:.0f} MB")
    row("peak RSS, update + undo by rewrite", lambda r: f"{r['peak_naive']:.0f} MB")
    row("same plots layer and log after both", lambda r: "yes" if r["same"] else "NO")
    row("runs (median of)", lambda r: str(r["runs"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, nargs="+", default=[100_000], help="store sizes in plots")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per measurement (median shown)")
    args = parser.parse_args(argv)
    results = []
    for size in args.plots:
        print(f"building a store of {size:,} plots ...", file=sys.stderr, flush=True)
        results.append(measure(size, args.runs))
    print(report(results))
    print(f"\nmachine: {machine()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
