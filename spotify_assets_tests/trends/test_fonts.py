"""Every script renders: the PNG charts draw Korean, Japanese and Chinese names with a Noto CJK
font through matplotlib's per-glyph fallback, without a single "Glyph missing" warning or log
line, and without touching the process-wide rcParams. Loading the definitions imports neither
matplotlib nor plotly."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

import matplotlib
import pytest
from matplotlib import font_manager

from spotify_assets.analytics.charts import top_artists_chart
from spotify_assets.analytics.fonts import BASE_FAMILY, CJK_FAMILIES, installed_cjk_family, matplotlib_font_rc

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


def glyph_problems(messages: list[str]) -> list[str]:
    return [m for m in messages if "Glyph" in m or "missing from font" in m or "findfont" in m]


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
