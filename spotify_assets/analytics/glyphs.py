"""One notice per process for characters no installed font can draw, instead of a warning per glyph.

matplotlib warns "Glyph 48169 (\\N{HANGUL SYLLABLE BANG}) missing from font(s) DejaVu Sans." once
per character per chart: without Noto CJK a day's top-artists chart alone floods the terminal
(and the run's stderr). ``glyph_notice`` is put around drawing only: it takes those warnings
(matched by message), lets every other warning through as it would have shown, and logs a single
line on the ``spotify_assets`` logger naming the scripts that come out as boxes and how to get
them drawn. Nothing about the process-wide warning filters changes.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from spotify_assets.analytics.fonts import installed_cjk_family

log = logging.getLogger(__name__)

# matplotlib._text_helpers.warn_on_missing_glyph, a UserWarning (a filter's message matches the start)
MISSING_GLYPH = re.compile(r"Glyph (\d+) \(.*\) missing from font\(s\) ")

# What Debian's fonts-noto-cjk adds: the first word of a character's Unicode name -> its script.
NOTO_CJK_SCRIPTS = {
    "HANGUL": "Hangul",
    "HIRAGANA": "Japanese kana",
    "KATAKANA": "Japanese kana",
    "CJK": "CJK ideographs",
    "IDEOGRAPHIC": "CJK ideographs",
    "BOPOMOFO": "Bopomofo",
    "FULLWIDTH": "fullwidth forms",
    "HALFWIDTH": "fullwidth forms",
}
# Words in a Unicode name that mark its first word as a script ("THAI CHARACTER KO KAI").
SCRIPT_MARKERS = (" LETTER ", " SYLLABLE ", " CHARACTER ", " DIGIT ", " SIGN ", " VOWEL ")

_noticed = threading.Event()


def script_of(char: str) -> str:
    """The script a character belongs to, as a notice names it ("Hangul", "Thai", "symbols")."""
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0]
    if first in NOTO_CJK_SCRIPTS:
        return NOTO_CJK_SCRIPTS[first]
    if any(marker in f" {name} " for marker in SCRIPT_MARKERS):
        return first.title()
    return "symbols"


def notice(missing: Iterable[str], cjk_font_found: bool) -> str:
    """The one line: which scripts are drawn as boxes, and what installs a font that has them."""
    scripts = sorted({script_of(char) for char in missing})  # scripts first, then "fullwidth forms", "symbols"
    noto_fixes = [] if cjk_font_found else [s for s in scripts if s in NOTO_CJK_SCRIPTS.values()]
    others = [s for s in scripts if s not in noto_fixes]
    if noto_fixes:
        fix = "install Debian's fonts-noto-cjk (`make fonts`, or `apt-get install fonts-noto-cjk`; elsewhere any Noto Sans CJK font)"
        if others:
            fix += f", and a font that has {_listed(others)}"
    else:
        fix = "install a font that has them"
    return (
        f"spotify-assets: charts draw {_listed(scripts)} as boxes: no installed font has them. "
        f"To fix, {fix}. (Shown once per process.)"
    )


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@contextmanager
def glyph_notice() -> Iterator[None]:
    """Around drawing: matplotlib's missing-glyph warnings become one notice per process.

    Every other warning raised inside is shown after the block through ``warnings.showwarning``
    (the filters already let it through: an "error" filter still raises at once, "ignore" still
    drops it). ``catch_warnings`` swaps module state, so two threads must not draw at once: each
    run draws its charts one after another (in-process executor).
    """
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            # "always": every missing glyph reaches the list, whatever filter would apply to it
            warnings.filterwarnings("always", message=MISSING_GLYPH.pattern, category=UserWarning)
            yield
    finally:
        _report(caught)


def _report(caught: list[warnings.WarningMessage]) -> None:
    missing = []
    for message in caught:
        glyph = MISSING_GLYPH.match(str(message.message))
        if glyph and issubclass(message.category, UserWarning):
            missing.append(chr(int(glyph[1])))
        else:
            warnings.showwarning(
                message.message, message.category, message.filename, message.lineno, message.file, message.line
            )
    if missing and not _noticed.is_set():
        _noticed.set()
        log.warning(notice(missing, cjk_font_found=installed_cjk_family() is not None))
