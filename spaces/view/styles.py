"""The app's own CSS (spaces/view/static/app.css), as the <style> block the frame injects once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

CSS_FILE = Path(__file__).with_name("static") / "app.css"


@cache
def app_style() -> str:
    """``<style>…</style>`` with the app's CSS: the page frame and the districts matrix."""
    return f"<style>\n{CSS_FILE.read_text(encoding='utf-8')}</style>"
