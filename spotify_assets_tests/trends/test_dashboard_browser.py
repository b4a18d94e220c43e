"""The dashboard in headless Chromium, opened from the disk (file://) with every other request
blocked: no console error, every chart drawn, a tooltip on hover, the non-ASCII artist names in
the DOM drawn with Noto CJK, the album-type filter and the date range acting on the charts, and
the drawn numbers equal to the trend tables.

Screenshot: ``SPOTIFY_E2E_SCREENSHOTS=docs .venv/bin/pytest spotify_assets_tests/trends/test_dashboard_browser.py``
rewrites docs/dashboard.png; without it, it goes to a temporary folder.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from spotify_assets.analytics.fonts import CJK_FAMILIES
from spotify_assets_tests.e2e.conftest import browser, chromium_path, screenshot_dir  # noqa: F401  (fixtures)
from spotify_assets_tests.trends.conftest import FIRST, LAST, History, trend_contents

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

CHARTS = (
    "releases-per-week",
    "artists-per-day",
    "track-durations",
    "explicit-share",
    "album-sizes",
    "top-artists",
    "label-share",
)
ALL_DRAWN = """() => Array.from(document.querySelectorAll('.chart .plotly-graph-div'))
    .every(gd => gd._fullLayout && gd.querySelector('.main-svg'))"""
DRAWN_MARKS = "gd => gd.querySelectorAll('g.point path, path.js-line').length"
TRACES = "gd => gd.data.map(t => ({name: t.name, type: (t.meta || {}).album_type || null, visible: t.visible, y: t.y}))"


def hover_first_bar(page: Any, chart: str) -> Any:
    """Move the mouse over the chart's first bar (Plotly listens on its drag layer, above the
    bars, so the mouse is moved to the point rather than hovering the bar element)."""
    bar = page.locator(f"#{chart} g.point path").first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = page.locator(f"#{chart} .hoverlayer .hovertext")
    tooltip.wait_for(state="visible")
    return tooltip


def scripts_of(text: str) -> set[str]:
    """Unicode script-ish names of the letters in ``text`` (HANGUL, CJK, HIRAGANA, LATIN, ...)."""
    return {unicodedata.name(c).split()[0] for c in text if c.isalpha()}


@pytest.fixture(scope="module")
def page(history: History, browser: Any) -> Any:  # noqa: F811  (the e2e browser fixture)
    page = browser.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.blocked, page.errors = [], []  # type: ignore[attr-defined]

    def only_files(route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            page.blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_files)
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(history.dashboard_path.resolve().as_uri())
    page.wait_for_function(ALL_DRAWN)
    yield page
    page.close()


def test_every_chart_is_drawn_offline_without_console_errors(page: Any) -> None:
    ids = page.eval_on_selector_all(".chart .plotly-graph-div", "divs => divs.map(d => d.id)")
    assert ids == list(CHARTS)
    for chart in CHARTS:
        assert page.eval_on_selector(f"#{chart}", DRAWN_MARKS) > 0, f"{chart}: nothing drawn"
    assert page.errors == []
    assert page.blocked == [], "the page asked for something besides its own file"


def test_hovering_a_bar_shows_its_tooltip(page: Any, history: History) -> None:
    top = [r for r in trend_contents(history.database)["trend_top_artists_30d"] if r["as_of_date"] == LAST]
    tooltip = hover_first_bar(page, "top-artists")
    assert f"#1 {top[0]['artist_name']}" in tooltip.text_content()
    assert f"{top[0]['releases']} releases" in tooltip.text_content()


def test_non_ascii_artist_names_are_in_the_dom_and_drawn_with_noto_cjk(page: Any, history: History) -> None:
    names = [
        r["artist_name"] for r in trend_contents(history.database)["trend_top_artists_30d"] if r["as_of_date"] == LAST
    ]
    ticks = page.eval_on_selector_all("#top-artists .ytick text", "texts => texts.map(t => t.textContent)")
    assert sorted(ticks) == sorted(names)  # DOM order is the axis order (reversed: #1 on top)
    cjk = [name for name in ticks if scripts_of(name) & {"HANGUL", "CJK", "HIRAGANA", "KATAKANA"}]
    assert cjk, f"the 14-day history's top artists hold Korean/Japanese names: {ticks}"
    # which font Chromium really drew the first CJK name with (DevTools protocol)
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]["nodeId"]
    nodes = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "#top-artists .ytick text"})["nodeIds"]
    node = nodes[ticks.index(cjk[0])]
    fonts = {f["familyName"] for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]}
    assert fonts & {*CJK_FAMILIES, "Noto Sans CJK JP", "Noto Sans CJK KR"}, fonts
    cdp.detach()


def test_drawn_numbers_are_the_trend_tables(page: Any, history: History) -> None:
    rows = [r for r in trend_contents(history.database)["trend_explicit_share"] if r["album_type"] == "all"]
    traces = page.eval_on_selector("#explicit-share", TRACES)
    [overall] = [t for t in traces if t["type"] == "all"]
    assert overall["y"] == pytest.approx([100 * r["explicit_share"] for r in rows])
    days = page.eval_on_selector("#artists-per-day", "gd => gd.data[0].x")
    assert len(days) == 14 and days[0] == FIRST.isoformat() and days[-1] == LAST.isoformat()


def test_album_type_filter_and_date_range_act_on_every_chart(page: Any, history: History, screenshot_dir: Path) -> None:  # noqa: F811
    page.uncheck('input[name="album-type"][value="single"]')
    for chart in ("releases-per-week", "track-durations", "explicit-share", "album-sizes"):
        traces = page.eval_on_selector(f"#{chart}", TRACES)
        assert all(t["visible"] is False for t in traces if t["type"] == "single"), chart
        assert all(t["visible"] is not False for t in traces if t["type"] != "single"), chart
    page.check('input[name="album-type"][value="single"]')
    assert all(t["visible"] is True for t in page.eval_on_selector("#album-sizes", TRACES))

    start, end = LAST - timedelta(days=6), LAST - timedelta(days=2)
    page.fill("#date-from", start.isoformat())
    page.fill("#date-to", end.isoformat())
    page.dispatch_event("#date-to", "change")
    for chart in ("releases-per-week", "artists-per-day", "track-durations", "explicit-share", "album-sizes"):
        shown = page.eval_on_selector(f"#{chart}", "gd => gd.layout.xaxis.range")
        assert [s[:10] for s in shown] == [start.isoformat(), (end + timedelta(days=1)).isoformat()], chart
    page.click("#date-reset")
    assert page.eval_on_selector("#artists-per-day", "gd => gd.layout.xaxis.autorange") is True

    page.evaluate("window.scrollTo(0, 0)")  # the controls stick to the top of the viewport
    hover_first_bar(page, "releases-per-week")
    page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)
    assert page.errors == []
