"""The package's shape: imports point down the layers, no cycles, small modules, UI-free spaces/, wiring-only pages."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STREAMLIT_MODULE = "spaces/cached.py"
MAX_MODULE_LINES = 600
MAX_PAGE_LINES = 150

# What each part of spaces/ may import of spaces/ (its own subpackage included). The layers, bottom up:
# reference < geo < {store, intake, planning} < {view, exports}. errors and paths import nothing of spaces;
# the entry points on top (cli, cached, sample, __main__) may import anything and nothing imports them.
_BASE = {"errors", "paths"}
_MIDDLE = _BASE | {"reference", "geo", "store", "intake", "planning"}
ALLOWED = {
    "errors": set(),
    "paths": set(),
    "reference": _BASE | {"reference"},
    "geo": _BASE | {"reference", "geo"},
    "store": _MIDDLE - {"intake"},
    "intake": _MIDDLE,
    "planning": _MIDDLE,
    "view": _MIDDLE | {"view", "exports"},
    "exports": _MIDDLE | {"view", "exports"},
}


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(root: Path) -> dict[str, Path]:
    """Every module of ``root``/spaces by dotted name (a package by its own name, for its __init__.py)."""
    return {_module_name(path, root): path for path in sorted((root / "spaces").rglob("*.py"))}


def _group(module: str) -> str:
    """The subpackage (``geo``) or top-level module (``cli``) a module of spaces/ belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "spaces"


def _imports(path: Path, module: str, known: set[str]) -> dict[str, int]:
    """The modules of spaces/ that ``path`` imports (line of the first import of each): absolute, relative and
    lazy imports inside functions alike; ``from package import module`` counts as importing that module."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            if target == "spaces" or target.startswith("spaces."):
                found.setdefault(target, node.lineno)
    return found


@cache
def _graph(root: Path) -> dict[str, dict[str, int]]:
    modules = _modules(root)
    return {name: _imports(path, name, set(modules)) for name, path in modules.items()}


def layer_violations(root: Path, module: str) -> list[str]:
    """Imports of ``module`` that go up or sideways against :data:`ALLOWED`."""
    allowed = ALLOWED.get(_group(module))
    if allowed is None:
        return []
    return [f"{module}:{line} imports {target} ({_group(target)} is not among {sorted(allowed)})"
            for target, line in _graph(root)[module].items() if _group(target) not in allowed]


def cycle_through(root: Path, module: str) -> list[str]:
    """The shortest import cycle through ``module`` as the modules along it (first = last), or [] if none."""
    graph = _graph(root)
    came_from: dict[str, str] = {}
    frontier = [module]
    while frontier:
        following = []
        for current in frontier:
            for target in graph[current]:
                if target == module:
                    cycle = [current]
                    while cycle[-1] != module:
                        cycle.append(came_from[cycle[-1]])
                    return [*reversed(cycle), module]
                if target in graph and target not in came_from:
                    came_from[target] = current
                    following.append(target)
        frontier = following
    return []


def blanket_excepts(path: Path) -> list[int]:
    """Lines of ``except:`` and ``except Exception``/``BaseException`` (also inside a tuple) in ``path``."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ExceptHandler):
            caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            if any(c is None or (isinstance(c, ast.Name) and c.id in ("Exception", "BaseException")) for c in caught):
                lines.append(node.lineno)
    return lines


def imports_streamlit(path: Path) -> bool:
    return any(target == "streamlit" or target.startswith("streamlit.")
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               for target in ([a.name for a in node.names] if isinstance(node, ast.Import)
                              else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []))


PAGE_FORBIDDEN = (".groupby(", ".to_crs(", "read_file(", "read_csv(", "read_dataframe(", "open(")


def page_computations(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [forbidden for forbidden in PAGE_FORBIDDEN if forbidden in text]


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


MODULES = _modules(ROOT)
SPACES_FILES = sorted(MODULES.values())
PAGE_FILES = sorted((ROOT / "app_pages").rglob("*.py"))


# (a) ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", SPACES_FILES, ids=_rel)
def test_spaces_does_not_import_streamlit(path):
    if _rel(path) != STREAMLIT_MODULE:
        assert not imports_streamlit(path), f"{_rel(path)} imports streamlit; only {STREAMLIT_MODULE} may"


# (b) ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module):
    # store -> intake is the one pair checked apart (below), so that its marker names only that pair.
    violations = [v for v in layer_violations(ROOT, module)
                  if not (_group(module) == "store" and " imports spaces.intake" in v)]
    assert not violations, "\n".join(violations)


@pytest.mark.parametrize("module", [name for name in sorted(MODULES) if _group(name) == "store"])
def test_store_does_not_import_intake(module):
    assert not [t for t in _graph(ROOT)[module] if _group(t) == "intake"], f"{module} imports spaces.intake"


# (c) ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_cycle(module):
    cycle = cycle_through(ROOT, module)
    assert not cycle, "import cycle: " + " -> ".join(cycle)


# (d) ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", SPACES_FILES, ids=_rel)
def test_module_is_small_enough_to_read_in_one_sitting(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{_rel(path)} has {lines} lines (at most {MAX_MODULE_LINES})"


# (d, e) ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", PAGE_FILES, ids=_rel)
def test_pages_hold_wiring_only(path):
    found = page_computations(path)
    assert not found, f"{_rel(path)} does {', '.join(found)}: move it into spaces/"
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines < MAX_PAGE_LINES, f"{_rel(path)} has {lines} lines (under {MAX_PAGE_LINES})"


# (f) ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [*SPACES_FILES, *PAGE_FILES, ROOT / "streamlit_app.py"], ids=_rel)
def test_no_bare_or_blanket_excepts(path):
    lines = blanket_excepts(path)
    assert not lines, f"{_rel(path)}: bare or blanket except on line(s) {lines}"


# Each rule can fail: a throwaway package with one bad module per rule --------------------------------------

_BAD = {
    "spaces/__init__.py": "",
    "spaces/errors.py": "from spaces.paths import GEODATA_DIR\n",
    "spaces/paths.py": "",
    "spaces/geo/__init__.py": "",
    "spaces/geo/crs.py": "def shifted():\n    from ..view import deck\n    return deck\n",
    "spaces/view/__init__.py": "",
    "spaces/view/deck.py": "from spaces.view import charts\n",
    "spaces/view/charts.py": "from . import deck\n",
    "spaces/store/__init__.py": "",
    "spaces/store/rows.py": "import streamlit as st\ntry:\n    pass\nexcept (ValueError, Exception):\n    pass\n",
}


@pytest.fixture
def bad_root(tmp_path: Path) -> Path:
    for name, text in _BAD.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_each_rule_catches_a_bad_module(bad_root):
    assert imports_streamlit(bad_root / "spaces/store/rows.py")
    assert blanket_excepts(bad_root / "spaces/store/rows.py") == [4]
    assert layer_violations(bad_root, "spaces.errors") == [
        "spaces.errors:1 imports spaces.paths (paths is not among [])"]
    assert [v.split(" (")[0] for v in layer_violations(bad_root, "spaces.geo.crs")] == [
        "spaces.geo.crs:2 imports spaces.view.deck"]  # relative and lazy, inside a function
    assert cycle_through(bad_root, "spaces.view.charts") == ["spaces.view.charts", "spaces.view.deck",
                                                            "spaces.view.charts"]
    assert cycle_through(bad_root, "spaces.geo.crs") == []
    assert page_computations(bad_root / "spaces/geo/crs.py") == []
