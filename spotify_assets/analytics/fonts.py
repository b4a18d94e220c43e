"""Fonts that draw every script the catalog holds: Latin, Cyrillic, Greek, Arabic, CJK and Hangul.

New releases are international (K-pop, J-pop and C-pop are a large share): a chart in DejaVu Sans
alone draws Korean and Japanese names as boxes and warns "Glyph ... missing from font(s)". Debian's
``fonts-noto-cjk`` (installed by ``make fonts``) covers CJK and Hangul in one family; DejaVu Sans
(shipped with matplotlib) covers the rest. matplotlib (>= 3.6) falls back glyph by glyph through
a list of families, so the PNG charts use ``[DejaVu Sans, Noto Sans CJK …]`` — set only inside
an ``rc_context`` around drawing, never process-wide. Without a CJK font those names are drawn as
boxes and ``analytics/glyphs.py`` says so once per process, instead of one warning per glyph.
The dashboard's CSS stack names the same fonts for the browser, which falls back glyph by glyph
to whatever the viewer's machine has: nothing is drawn server-side, so nothing to warn about.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Any one of these covers CJK ideographs, kana and Hangul; they differ in regional glyph forms.
CJK_FAMILIES: tuple[str, ...] = ("Noto Sans CJK KR", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK TC")
BASE_FAMILY = "DejaVu Sans"  # bundled with matplotlib: Latin, Cyrillic, Greek, Arabic

CSS_FONT_STACK = ", ".join(
    [
        '"Noto Sans"',
        '"DejaVu Sans"',
        *(f'"{family}"' for family in CJK_FAMILIES),
        '"Noto Sans CJK"',
        "system-ui",
        "sans-serif",
    ]
)


@cache
def installed_cjk_family() -> str | None:
    """The first of ``CJK_FAMILIES`` matplotlib's ``findfont`` finds, or None.

    ``findfont`` is the lookup drawing itself does, so what it finds is what the charts get; it
    honours matplotlib's ``MPL_IGNORE_SYSTEM_FONTS`` (bundled fonts only: a machine without
    Noto CJK, as the tests run it).
    """
    from matplotlib import font_manager

    found = _findable_cjk_family()
    if found is None:
        # matplotlib caches its font list when first used: a font installed afterwards (`make fonts`
        # on a machine where matplotlib already ran) is missing from it until the cache is rebuilt
        for path in font_manager.findSystemFonts(fontext="ttf"):
            if Path(path).name.startswith("NotoSansCJK"):
                font_manager.fontManager.addfont(path)
        found = _findable_cjk_family()
    return found


def _findable_cjk_family() -> str | None:
    from matplotlib import font_manager

    for family in CJK_FAMILIES:
        try:
            font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        except ValueError:  # not found (and no "falling back" log line: no fallback asked for)
            continue
        return family
    return None


def matplotlib_font_rc() -> dict[RcKeyType, Any]:
    """rcParams for ``matplotlib.rc_context``: a per-glyph fallback list ending in a CJK font."""
    cjk = installed_cjk_family()
    families = [BASE_FAMILY, cjk] if cjk else [BASE_FAMILY]
    return {"font.family": families}
