"""Memory of one upload on the Data page: peak RSS over the file's size, beside a plain pandas/geopandas read.

For each format (CSV with WKT, XLSX with WKT, GeoJSON, zipped Shapefile) and each row count, a plots file
(and, with ``--formats csv-wide``, a CSV with a long remark per plot) is written from the sample (``build_sample``: rotated rectangles, ids, statuses, years, districts, areas)
into a temporary folder (untimed). Each measurement runs in a fresh process that imports the app's
modules, reads the file's bytes (as ``st.file_uploader`` holds them), notes its RSS, then either

- ``upload``: the Data page's path, ``spaces.cached.upload_check`` (``st.cache_data`` around
  ``spaces.intake.check_upload``: read, validate, district assignment, repair, the cached copy), then
  what the page draws of it: the report in the planner's language and, for a valid file, the map preview
  (``preview_layers`` in a ``CompactDeck`` turned into the JSON ``st.pydeck_chart`` sends), or
- ``naive``: a plain read of the same bytes (``pd.read_csv``, ``pd.read_excel``, ``gpd.read_file``),

and prints the rise of its peak RSS (for ``upload`` also after the check alone) (VmHWM, not ``ru_maxrss``, which Linux carries over from the parent
through exec) above that starting RSS, and the time taken. Medians over ``--runs`` are printed with the
ratio to the file's size and the ratio upload / naive; "check" is the check alone, "page" adds the drawing. A file over the upload limits is refused by the
upload path: its row then says ``refused`` and the memory it took to say so.
Nothing is asserted.
Usage: python benchmarks/upload_memory.py [--rows 5000 20000 80000] [--formats csv xlsx geojson shp-zip] [--runs 3]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUFFIX = {"csv": ".csv", "xlsx": ".xlsx", "geojson": ".geojson", "shp-zip": ".zip", "csv-wide": ".csv"}
DEFAULT_FORMATS = ["csv", "xlsx", "geojson", "shp-zip"]
# csv-wide: each plot with a remark of 270 Chinese characters (810 bytes), so 200,000 rows make ~200 MB,
# both upload limits at once.
REMARK = "旧厂房待腾退" * 45
ONE_UPLOAD = """
import io, re, sys, time, warnings
from pathlib import Path
warnings.filterwarnings("ignore")
import geopandas as gpd
import pandas as pd
import pydeck as pdk
from spaces import cached
from spaces.intake import presented_report
from spaces.view.deck import NINGBO_VIEW, TOOLTIP, CompactDeck, preview_layers

def rss(field):
    return int(re.search(field + r":\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) / 1024

path, mode = Path(sys.argv[1]), sys.argv[2]
data = path.read_bytes()
start, clock = rss("VmRSS"), time.perf_counter()
outcome, checked, check_clock = "-", 0.0, 0.0
if mode == "upload":
    check = cached.upload_check(path.name, data, "plots", None)
    checked, check_clock = rss("VmHWM") - start, time.perf_counter() - clock
    outcome = "ok" if check.ok else "refused: " + (check.problems[0].message if check.problems else "")
    presented_report(check.report(), "zh")
    if check.ok:
        CompactDeck(layers=preview_layers(check.intake.frame), map_provider=None,
                    initial_view_state=pdk.ViewState(**NINGBO_VIEW), tooltip=TOOLTIP).to_json()
elif path.suffix == ".csv":
    pd.read_csv(io.BytesIO(data))
elif path.suffix == ".xlsx":
    pd.read_excel(io.BytesIO(data))
else:
    gpd.read_file(io.BytesIO(data) if path.suffix != ".zip" else "zip://" + str(path))
print(checked, check_clock, rss("VmHWM") - start, time.perf_counter() - clock, outcome.replace("\\n", " ")[:160],
      sep="\\t")
"""


def write_files(rows: int, formats: list[str], folder: Path) -> dict[str, Path]:
    """The sample's ``rows`` plots as each of ``formats`` in ``folder``, with WKT in the tables."""
    from spaces.sample import build_sample

    plots = build_sample(plots=rows)["plots"][["plot_id", "status", "reclaimed_year", "district_adcode",
                                               "area_mu", "geometry"]]
    paths = {}
    for kind in formats:
        path = folder / f"plots_{rows}_{kind}{SUFFIX[kind]}"
        if kind in ("csv", "xlsx", "csv-wide"):
            table = plots.to_wkt()
            if kind == "csv-wide":
                table["remark"] = REMARK
            if kind != "xlsx":
                table.to_csv(path, index=False)
            else:
                table.to_excel(path, index=False)
        elif kind == "geojson":
            plots.to_file(path, driver="GeoJSON")
        else:
            shp = folder / f"shp_{rows}"
            shp.mkdir()
            plots.to_file(shp / "plots.shp", encoding="utf-8")
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                for member in sorted(shp.iterdir()):
                    archive.write(member, member.name)
        paths[kind] = path
    return paths


def measure(path: Path, mode: str, runs: int) -> tuple[float, float, float, float, str]:
    """Medians over ``runs`` fresh processes of the rise of peak RSS (MB) and seconds after the check and
    in all, and the last outcome."""
    numbers, outcome = [], ""
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", ONE_UPLOAD, str(path), mode], cwd=ROOT, check=True,
                              capture_output=True, text=True)
        *values, outcome = done.stdout.strip().split("\t")
        numbers.append([float(v) for v in values])
    return (*(statistics.median(column) for column in zip(*numbers, strict=True)), outcome)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[5000, 20000, 80000])
    parser.add_argument("--formats", nargs="+", default=DEFAULT_FORMATS, choices=list(SUFFIX))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {platform.machine()}, runs {args.runs} (medians)")
    print(f"{'format':8} {'rows':>7} {'file MB':>8} | {'check MB':>8} {'s':>6} | {'page MB':>7} {'x file':>6} "
          f"{'s':>6} | {'naive MB':>8} {'x file':>6} {'s':>6} | {'page/naive':>10} | outcome")
    with tempfile.TemporaryDirectory(prefix="upload-memory-") as folder:
        for rows in args.rows:
            for kind, path in write_files(rows, args.formats, Path(folder)).items():
                size = path.stat().st_size / (1 << 20)
                check, check_s, up, up_s, outcome = measure(path, "upload", args.runs)
                *_, naive, naive_s, _ = measure(path, "naive", args.runs)
                print(f"{kind:8} {rows:>7} {size:>8.1f} | {check:>8.0f} {check_s:>6.2f} | {up:>7.0f} "
                      f"{up / size:>6.1f} {up_s:>6.2f} | {naive:>8.0f} {naive / size:>6.1f} {naive_s:>6.2f} | "
                      f"{up / max(naive, 1):>10.1f} | {outcome}", flush=True)


if __name__ == "__main__":
    main()
