"""Shared fixtures: a throwaway store path, the small sample dataset, and child-process runners."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from spaces.sample import build_sample

PROJECT_DIR = Path(__file__).resolve().parent.parent
SAMPLE_PLOTS = 300


def _child_env(store: Path | str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_DIR), env.get("PYTHONPATH")]))
    env["SPACES_STORE"] = str(store)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture
def desktop(monkeypatch):
    """The app in desktop mode (``SPACES_MODE=desktop`` and a server bound to 127.0.0.1), as ``make app`` starts it."""
    from streamlit import config

    monkeypatch.setenv("SPACES_MODE", "desktop")
    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    yield
    config.set_option("server.address", before)


@pytest.fixture
def tmp_store(tmp_path: Path) -> Path:
    """Path of a store that does not exist yet, alone in its own folder.

    The folder holds nothing else, so a test can list it to prove that no temporary file was left
    behind (files the test writes itself go to ``tmp_path``, beside the folder).
    """
    folder = tmp_path / "store"
    folder.mkdir()
    return folder / "spaces.gpkg"


@pytest.fixture(scope="session")
def shared_sample_layers() -> dict[str, pd.DataFrame]:
    """The session's single ``build_sample(plots=300)``, for module-scoped fixtures that only read it.

    Never change these frames; tests take :func:`sample_layers`, which hands out copies.
    """
    return build_sample(plots=SAMPLE_PLOTS)


@pytest.fixture
def sample_layers(shared_sample_layers) -> dict[str, pd.DataFrame]:
    """The sample dataset with 300 plots: every layer, as ``build_sample(plots=300)`` returns it.

    Small enough to write in a fraction of a second, yet it has what the store must keep intact:
    Chinese names, nullable years (plots that are not reclaimed have none), bool flags, a layer
    mixing points and polygons (communities) and two non-spatial tables. Built once per session;
    each test gets its own copies, so changing them does not leak into other tests.
    """
    return {name: frame.copy() for name, frame in shared_sample_layers.items()}


@pytest.fixture(scope="session")
def run_cli(tmp_path_factory) -> Callable[..., subprocess.CompletedProcess]:
    """``run_cli(*args, store=None)`` runs ``python -m spaces ARGS`` in a child process, as a planner would.

    Returns the CompletedProcess with stdout and stderr as bytes. ``$SPACES_STORE`` is ``store``,
    or a path that does not exist, so no test ever touches the project's data/spaces.gpkg.
    Each call costs about a second: share stores between tests through module-scoped fixtures.
    """
    nowhere = tmp_path_factory.mktemp("no-store") / "absent.gpkg"

    def run(*args: str | Path, store: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "spaces", *map(str, args)], cwd=PROJECT_DIR,
                              env=_child_env(store or nowhere), capture_output=True, timeout=timeout, check=False)

    return run


@pytest.fixture(scope="session")
def spawn_python() -> Callable[..., subprocess.Popen]:
    """``spawn_python(code, *args, store=...)`` starts ``python -c code args`` and returns the Popen.

    For tests that need a second process doing something at the same time as the test (a
    concurrent writer, a writer to kill). The child imports ``spaces`` from this checkout; its
    stdout and stderr are pipes, so read them with ``communicate()`` once it is done or killed.
    """

    def spawn(code: str, *args: str | Path, store: Path) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], cwd=PROJECT_DIR,
                                env=_child_env(store), stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    return spawn
