"""A font that can draw Chinese for printed exports: ``$SPACES_CJK_FONT``, fontconfig's pick or a known path."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from spaces.errors import MissingFontError

# Debian/Ubuntu (fonts-noto-cjk, fonts-wqy-*), Fedora, macOS and Windows locations, tried in order
# after $SPACES_CJK_FONT and fontconfig's own answer for Simplified Chinese.
CJK_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
# A font is taken as CJK when it has every one of these glyphs (district words and the 亩 unit).
CJK_PROBE = "宁波区县亩绿"


def _has_cjk_glyphs(path: str) -> bool:
    try:
        charmap = FT2Font(path).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(char) in charmap for char in CJK_PROBE)


def _fontconfig_choice() -> str | None:
    if not shutil.which("fc-match"):
        return None
    result = subprocess.run(["fc-match", "-f", "%{file}", "sans-serif:lang=zh-cn"], capture_output=True,
                            text=True, timeout=10, check=False)
    return result.stdout.strip() or None


def find_cjk_font(candidates: tuple[str, ...] = CJK_FONT_PATHS, *, use_fontconfig: bool = True) -> str:
    """Path of a font file that can draw Chinese: ``$SPACES_CJK_FONT``, fontconfig's pick, or a known path.

    Raises
    ------
    MissingFontError
        When none has Chinese glyphs (say how to install one).
    """
    tried = [os.environ.get("SPACES_CJK_FONT") or None]
    if use_fontconfig:
        tried.append(_fontconfig_choice())
    tried.extend(candidates)
    for path in filter(None, tried):
        if Path(path).is_file() and _has_cjk_glyphs(path):
            return path
    raise MissingFontError(
        "no font with Chinese glyphs found for the PDF/HTML brief (tried $SPACES_CJK_FONT, fontconfig and "
        f"{', '.join(candidates) or 'no fixed paths'}); install one, e.g. `apt-get install fonts-noto-cjk`, "
        "or set SPACES_CJK_FONT=/path/to/font.ttc")


@cache
def cjk_family(path: str) -> str:
    """The matplotlib family name of ``path``, registered once; the Simplified Chinese face of a collection."""
    font_manager.fontManager.addfont(path)
    bold = path.replace("-Regular", "-Bold")
    if bold != path and Path(bold).is_file():
        font_manager.fontManager.addfont(bold)
    names = [entry.name for entry in font_manager.fontManager.ttflist if entry.fname == path]
    for preferred in (" SC", "CN", "Hans", "GB"):
        for name in names:
            if name.endswith(preferred) or preferred.strip() in name.split():
                return name
    if not names:
        raise MissingFontError(f"{path}: matplotlib cannot load this font")
    return names[0]
