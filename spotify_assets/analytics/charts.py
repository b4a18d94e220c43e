"""Small PNG charts of the analyses, drawn with matplotlib's Agg canvas.

Figures are built with the object-oriented API on a ``FigureCanvasAgg`` rather than pyplot: no
GUI backend is ever tried, no global figure registry to leak into, safe from several threads.
Charts are drawn at a low DPI so a PNG stays a few tens of KB: it is embedded base64 in the
asset's Markdown metadata (``chart_markdown``), which the Dagster UI shows inline.

matplotlib is imported inside the drawing functions (loading the definitions stays fast), and every
chart is drawn inside ``rc_context`` with a font fallback list covering CJK and Hangul
(``analytics/fonts.py``): no process-wide rcParams. Where no installed font has some characters
(no Noto CJK), ``analytics/glyphs.py`` turns matplotlib's warning per glyph into one notice.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from spotify_assets.analytics.fonts import matplotlib_font_rc
from spotify_assets.analytics.glyphs import glyph_notice
from spotify_assets.analytics.queries import (
    EXPLICIT_SHARE,
    RELEASES_PER_DAY,
    TOP_ARTISTS_BY_RELEASES,
    TRACK_DURATIONS,
    Analysis,
    Row,
    format_duration,
)

FIGSIZE = (6.4, 3.2)
DPI = 80
ALBUM_TYPE_COLORS = {"album": "#1db954", "single": "#535353", "compilation": "#b3b3b3"}
OTHER_COLOR = "#509bf5"

Rows = Sequence[Row]

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def with_fonts(draw: Callable[[Rows, date], bytes]) -> Callable[[Rows, date], bytes]:
    """Run ``draw`` with the CJK-capable font fallback list (text objects read it when created),
    missing glyphs reported once per process."""

    @functools.wraps(draw)
    def drawn(rows: Rows, day: date) -> bytes:
        import matplotlib

        with glyph_notice(), matplotlib.rc_context(matplotlib_font_rc()):
            return draw(rows, day)

    return drawn


# Fixed margins per chart (fractions of the figure) instead of ``tight_layout``: measuring the
# text to fit it costs a second rendering pass, a third of a chart's time, paid four times a day.
Margins = dict[str, float]
PLAIN: Margins = {"left": 0.1, "right": 0.97, "bottom": 0.14, "top": 0.88}


def _figure(title: str, margins: Margins = PLAIN) -> tuple[Figure, Any]:
    # matplotlib (~0.35 s to import) loads with the first chart, not with the code location:
    # every Dagster process imports the definitions, few of them draw.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    fig.subplots_adjust(**{**PLAIN, **margins})
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    return fig, ax


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _empty(fig: Figure, ax: Any) -> bytes:
    ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    return _png(fig)


@with_fonts
def releases_chart(rows: Rows, day: date) -> bytes:
    """Stacked bars: albums per listing day, one colour per album type."""
    fig, ax = _figure(RELEASES_PER_DAY.title, {"right": 0.8, "bottom": 0.2})
    if not rows:
        return _empty(fig, ax)
    days = sorted({r["listing_date"] for r in rows})
    types = sorted({r["album_type"] for r in rows}, key=lambda t: (t not in ALBUM_TYPE_COLORS, t))
    counts = {(r["listing_date"], r["album_type"]): r["releases"] for r in rows}
    labels = [d.strftime("%m-%d") for d in days]
    bottom = [0] * len(days)
    for album_type in types:
        heights = [counts.get((d, album_type), 0) for d in days]
        ax.bar(labels, heights, bottom=bottom, label=album_type, color=ALBUM_TYPE_COLORS.get(album_type, OTHER_COLOR))
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_ylabel("albums", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    if len(days) > 7:
        ax.tick_params(axis="x", labelrotation=45)
    return _png(fig)


@with_fonts
def top_artists_chart(rows: Rows, day: date) -> bytes:
    """Horizontal bars, #1 on top."""
    fig, ax = _figure(f"{TOP_ARTISTS_BY_RELEASES.title} ({day})", {"left": 0.36, "bottom": 0.16})
    if not rows:
        return _empty(fig, ax)
    names = [_shorten(r["artist_name"] or r["artist_id"]) for r in rows][::-1]
    releases = [r["releases"] for r in rows][::-1]
    ax.barh(names, releases, color=ALBUM_TYPE_COLORS["album"])
    ax.set_xlabel("releases", fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


@with_fonts
def durations_chart(rows: Rows, day: date) -> bytes:
    """Histogram bars labelled by bucket start (m:ss); the open-ended bucket gets a '+'."""
    fig, ax = _figure(f"{TRACK_DURATIONS.title} ({day})", {"bottom": 0.24 if len(rows) > 12 else 0.16})
    if not rows:
        return _empty(fig, ax)
    labels = [format_duration(r["bucket_start_s"]) + ("+" if r["bucket_end_s"] is None else "") for r in rows]
    ax.bar(labels, [r["tracks"] for r in rows], color=OTHER_COLOR)
    ax.set_xlabel("duration (m:ss, bucket start)", fontsize=8)
    ax.set_ylabel("tracks", fontsize=8)
    if len(rows) > 12:
        ax.tick_params(axis="x", labelrotation=45)
    return _png(fig)


@with_fonts
def explicit_chart(rows: Rows, day: date) -> bytes:
    """Bars of the explicit share per album type and overall, labelled in percent."""
    fig, ax = _figure(f"{EXPLICIT_SHARE.title} ({day})")
    if not rows:
        return _empty(fig, ax)
    labels = [r["album_type"] for r in rows]
    shares = [100 * r["explicit_share"] for r in rows]
    bars = ax.bar(labels, shares, color=[ALBUM_TYPE_COLORS.get(t, OTHER_COLOR) for t in labels])
    ax.bar_label(bars, labels=[f"{s:.1f} %" for s in shares], fontsize=8)
    ax.set_ylabel("% explicit", fontsize=8)
    ax.set_ylim(0, max(max(shares) * 1.25, 1))
    return _png(fig)


def _shorten(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


CHARTS: dict[str, Callable[[Rows, date], bytes]] = {
    RELEASES_PER_DAY.key: releases_chart,
    TOP_ARTISTS_BY_RELEASES.key: top_artists_chart,
    TRACK_DURATIONS.key: durations_chart,
    EXPLICIT_SHARE.key: explicit_chart,
}


def chart_png(analysis: Analysis, rows: Rows, day: date) -> bytes:
    return CHARTS[analysis.key](rows, day)


def chart_markdown(png: bytes, alt: str) -> str:
    """Markdown embedding the PNG as a data URI (what ``dg.MetadataValue.md`` renders inline)."""
    alt = alt.replace("[", "(").replace("]", ")")
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"
