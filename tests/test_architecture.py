"""The package's shape: spaces/ stays UI-free, pages stay wiring-only."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STREAMLIT_ALLOWED = {"cached.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "spaces").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_spaces_does_not_import_streamlit(path):
    if path.name in STREAMLIT_ALLOWED:
        return
    assert "streamlit" not in _imports(path), f"{path.name} imports streamlit; only {STREAMLIT_ALLOWED} may"


@pytest.mark.parametrize("path", sorted((ROOT / "app_pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_hold_wiring_only(path):
    text = path.read_text(encoding="utf-8")
    for forbidden in (".groupby(", ".to_crs(", "read_file(", "read_csv(", "read_dataframe(", "open("):
        assert forbidden not in text, f"{path.name} does {forbidden}: move it into spaces/"
    assert len(text.splitlines()) < 150


def test_no_bare_or_blanket_excepts():
    for path in [*ROOT.glob("spaces/**/*.py"), *ROOT.glob("app_pages/*.py"), ROOT / "streamlit_app.py"]:
        text = path.read_text(encoding="utf-8")
        assert "except:" not in text and "except Exception" not in text, path.name
