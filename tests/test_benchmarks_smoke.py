"""The benchmarks still run end to end on a tiny store (no timing is judged here)."""

import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
LABELS = ("load store (read_all)", "summary naive (read+sjoin+to_crs)", "plots layer bytes (json.dumps)",
          "folium bytes", "rerun: industry filter", "rerun naive", "peak RSS overall", "machine:")


def test_city_scale_benchmark_runs_on_a_tiny_store(tmp_path):
    report = tmp_path / "bench.md"
    result = subprocess.run([sys.executable, str(PROJECT_DIR / "benchmarks" / "city_scale.py"),
                             "--sizes", "2000", "--runs", "1", "--markdown", str(report)],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    for label in LABELS:
        assert label in result.stdout, label
    assert "| 2,000 plots |" in report.read_text(encoding="utf-8")


def test_store_writes_benchmark_runs_on_a_tiny_store(tmp_path):
    result = subprocess.run([sys.executable, str(PROJECT_DIR / "benchmarks" / "store_writes.py"),
                             "--plots", "1000", "--runs", "1"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    for label in ("status update, in place", "undo, rewrite (before)", "peak RSS, update + undo in place",
                  "machine:"):
        assert label in result.stdout, label
    assert "| same plots layer and log after both | yes |" in result.stdout


def test_mujun_scoring_benchmark_runs_and_agrees_with_its_naive_baseline(tmp_path):
    result = subprocess.run([sys.executable, str(PROJECT_DIR / "benchmarks" / "mujun_scoring.py"),
                             "--rows", "3000", "--naive-rows", "500", "--runs", "1"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    assert "| same scores and classes both ways | yes |" in result.stdout
    assert "ratio naive / vectorised" in result.stdout


def test_upload_memory_benchmark_runs_on_tiny_files(tmp_path):
    result = subprocess.run([sys.executable, str(PROJECT_DIR / "benchmarks" / "upload_memory.py"),
                             "--rows", "300", "--runs", "1", "--formats", "csv", "geojson"],
                            capture_output=True, text=True, timeout=180, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith(("csv ", "geojson "))]
    assert [(row[0], row[1], row[-1]) for row in rows] == [("csv", "300", "ok"), ("geojson", "300", "ok")]


def test_repair_budget_benchmark_runs_on_small_rings(tmp_path):
    result = subprocess.run([sys.executable, str(PROJECT_DIR / "benchmarks" / "repair_budget.py"),
                             "--sizes", "20", "70", "--runs", "1"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    assert [line.split()[-1] for line in result.stdout.splitlines()[1:]] == ["repaired", "repaired"]


def test_firm_layer_benchmark_runs_on_a_few_firms(tmp_path):
    result = subprocess.run([sys.executable, str(PROJECT_DIR / "benchmarks" / "firm_layer.py"),
                             "--firms", "300", "--runs", "1"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].split()[0] == "300"
