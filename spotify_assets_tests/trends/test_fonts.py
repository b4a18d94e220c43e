"""Every script renders: the PNG charts draw Korean, Japanese and Chinese names with a Noto CJK
font through matplotlib's per-glyph fallback, without a single "Glyph missing" warning or log
line, and without touching the process-wide rcParams. Without a CJK font (matplotlib told to
ignore the system's fonts) a process says so in one notice, not a warning per glyph, and any
other warning raised while drawing still shows. Loading the definitions imports neither
matplotlib nor plotly."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import matplotlib
import pytest
from matplotlib import font_manager

from spotify_assets.analytics.charts import top_artists_chart
from spotify_assets.analytics.fonts import BASE_FAMILY, CJK_FAMILIES, installed_cjk_family, matplotlib_font_rc
from spotify_assets.analytics.glyphs import notice, script_of
from spotify_assets_tests.trends.conftest import boxes_notices, glyph_problems, without_system_fonts

DAY = date(2026, 11, 21)
# (snapshot_date, rank, artist_id, artist_name, releases, tracks), as analytics_top_artists holds them
NAMES = ["방탄소년단", "아이유", "宇多田ヒカル", "東京事変", "周杰倫", "王菲", "Björk", "Кино", "Θάνος", "فيروز"]
ROWS = [
    {
        "snapshot_date": DAY,
        "rank": i + 1,
        "artist_id": f"id{i}",
        "artist_name": name,
        "releases": 10 - i,
        "tracks": 20 - i,
    }
    for i, name in enumerate(NAMES)
]


@pytest.fixture(scope="module")
def cjk_family() -> str:
    family = installed_cjk_family()
    if family is None:
        pytest.skip(f"none of {CJK_FAMILIES} is installed (`make fonts` installs Debian's fonts-noto-cjk)")
    return family


@contextmanager
def captured() -> Iterator[list[str]]:
    """Every warning and every matplotlib log record (any level) raised inside."""
    messages: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger, handler = logging.getLogger("matplotlib"), Keep(level=logging.DEBUG)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield messages
        messages.extend(str(w.message) for w in caught)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def font_files_used(draw: Callable[[], object]) -> set[str]:
    """The font files the Agg renderer opened (main font and fallbacks) while ``draw`` ran."""
    from matplotlib.backends import backend_agg

    opened: set[str] = set()
    original = backend_agg.get_font

    def spy(font_filepaths, *args, **kwargs):  # type: ignore[no-untyped-def]
        paths = [font_filepaths] if isinstance(font_filepaths, (str, bytes)) else list(font_filepaths)
        opened.update(str(p) for p in paths)
        return original(font_filepaths, *args, **kwargs)

    backend_agg.get_font = spy  # type: ignore[assignment]
    try:
        draw()
    finally:
        backend_agg.get_font = original  # type: ignore[assignment]
    return opened


def font_file(family: str) -> str:
    return str(font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False))


def test_the_negative_control_dejavu_alone_warns_about_hangul(cjk_family: str) -> None:
    """Proves the capture sees the warning the issue reported when the fallback is missing."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with captured() as messages, matplotlib.rc_context({"font.family": [BASE_FAMILY]}):
        fig = Figure()
        FigureCanvasAgg(fig)
        fig.text(0.1, 0.5, "방탄소년단")
        fig.canvas.draw()
    assert any("HANGUL SYLLABLE" in m for m in glyph_problems(messages)), messages


def test_charts_draw_cjk_and_hangul_names_with_noto_and_no_warning(cjk_family: str) -> None:
    # 'backend' is left out: reading it resolves matplotlib's "auto" sentinel, which is no change
    rc_before = {k: v for k, v in matplotlib.rcParams.items() if k != "backend"}
    with captured() as messages:
        used = font_files_used(lambda: top_artists_chart(ROWS, DAY))
    assert glyph_problems(messages) == [], messages
    assert {font_file(cjk_family), font_file(BASE_FAMILY)} <= used, used
    rc_after = {k: v for k, v in matplotlib.rcParams.items() if k != "backend"}
    assert rc_after == rc_before, "drawing must not change the process-wide rcParams"
    assert cjk_family not in matplotlib.rcParams["font.family"]


def test_the_fallback_list_is_found_by_family_name(cjk_family: str) -> None:
    assert matplotlib_font_rc() == {"font.family": [BASE_FAMILY, cjk_family]}
    assert "NotoSansCJK" in font_file(cjk_family)


def test_loading_the_definitions_imports_neither_matplotlib_nor_plotly() -> None:
    code = (
        "import sys, spotify_assets.definitions; print(sorted(m for m in ('matplotlib', 'plotly') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


def test_a_font_installed_after_matplotlib_cached_its_font_list_is_still_found(cjk_family: str) -> None:
    """`make fonts` on a machine where matplotlib already ran: its cached list lacks Noto CJK."""
    code = (
        "from matplotlib import font_manager as fm\n"
        "fm.fontManager.ttflist = [e for e in fm.fontManager.ttflist if 'CJK' not in e.name]  # a stale cache\n"
        "from spotify_assets.analytics.fonts import installed_cjk_family\n"
        "print(installed_cjk_family())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == cjk_family


DRAW_TWICE_THEN_WARN = f"""
import datetime
import warnings
from spotify_assets.analytics.charts import top_artists_chart, releases_chart
from spotify_assets.analytics.fonts import installed_cjk_family
from spotify_assets.analytics.glyphs import glyph_notice
rows = {ROWS!r}
print("cjk family:", installed_cjk_family())
top_artists_chart(rows, rows[0]["snapshot_date"])
top_artists_chart(rows, rows[0]["snapshot_date"])
print("drawn")
with glyph_notice():
    warnings.warn("an unrelated warning raised while drawing")
"""


def test_without_a_cjk_font_drawing_prints_one_notice_and_other_warnings_still_show(tmp_path: Path) -> None:
    command = [sys.executable, "-c", DRAW_TWICE_THEN_WARN]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=without_system_fonts(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["cjk family: None", "drawn"]
    [line] = boxes_notices(done.stderr)
    assert line.startswith("spotify-assets: charts draw CJK ideographs, Hangul and Japanese kana as boxes: "), line
    assert "fonts-noto-cjk" in line and "`make fonts`" in line
    assert glyph_problems(done.stderr.splitlines()) == [], done.stderr
    assert "UserWarning: an unrelated warning raised while drawing" in done.stderr


def test_an_error_filter_still_raises_other_warnings_while_drawing_but_not_missing_glyphs(tmp_path: Path) -> None:
    command = [sys.executable, "-W", "error", "-c", DRAW_TWICE_THEN_WARN]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=without_system_fonts(tmp_path))
    assert done.returncode == 1
    assert done.stdout.splitlines() == ["cjk family: None", "drawn"], done.stderr
    assert done.stderr.strip().endswith("UserWarning: an unrelated warning raised while drawing")
    assert len(boxes_notices(done.stderr)) == 1


@pytest.mark.parametrize(
    ("char", "script"),
    [
        ("방", "Hangul"),
        ("ヒ", "Japanese kana"),
        ("か", "Japanese kana"),
        ("宇", "CJK ideographs"),
        ("ก", "Thai"),
        ("अ", "Devanagari"),
        ("\N{GRINNING FACE}", "symbols"),
    ],
)
def test_a_missing_character_is_named_by_its_script(char: str, script: str) -> None:
    assert script_of(char) == script


def test_the_notice_names_fonts_noto_cjk_only_for_what_it_would_fix() -> None:
    assert notice("방宇ก", cjk_font_found=False) == (
        "spotify-assets: charts draw CJK ideographs, Hangul and Thai as boxes: no installed font has them. "
        "To fix, install Debian's fonts-noto-cjk (`make fonts`, or `apt-get install fonts-noto-cjk`; "
        "elsewhere any Noto Sans CJK font), and a font that has Thai. (Shown once per process.)"
    )
    assert "noto" not in notice("宇ก", cjk_font_found=True).lower()
