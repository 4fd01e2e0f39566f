"""The minimal app in Debian's Chromium: it draws the district map offline, with no page error."""

import io

import numpy as np
from PIL import Image


def _coloured_pixels(png: bytes) -> int:
    """Pixels with a clear hue (status colours), as opposed to white, grey and black."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int(((pixels.max(axis=2) - pixels.min(axis=2)) > 60).sum())


def test_overview_draws_the_districts_offline(page, app_url, screenshot):
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_text("示例数据", exact=False).first.wait_for(timeout=60_000)
    canvas = page.locator("canvas").first
    canvas.wait_for(timeout=60_000)
    page.wait_for_timeout(3000)  # let deck.gl finish its first frame under SwiftShader
    drawn = _coloured_pixels(canvas.screenshot())
    screenshot(page, "overview")
    assert drawn > 5000, f"the map canvas shows only {drawn} coloured pixels"
    assert page.outside_requests == [], page.outside_requests
    assert page.errors == [], page.errors
