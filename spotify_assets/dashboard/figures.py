"""Plotly figures of the trends, built from plain lists (no pandas).

Every trace that belongs to one album type carries ``meta.album_type``: the page's album-type
filter toggles those traces, and ``meta.album_type = "all"`` traces (overall lines) always stay.
Time axes are dates, so the page's date range applies to all of them at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spotify_assets.analytics.fonts import CSS_FONT_STACK
from spotify_assets.analytics.trends import ALL_TYPES, SIZE_CLASSES, TRAILING_DAYS
from spotify_assets.dashboard.data import DashboardData, Rows

if TYPE_CHECKING:
    import plotly.graph_objects as go

ALBUM_TYPES = ("album", "single", "compilation")
ALBUM_TYPE_COLORS = {"album": "#1db954", "single": "#535353", "compilation": "#b3b3b3", ALL_TYPES: "#191414"}
OTHER_COLOR = "#509bf5"
SIZE_COLORS = ("#f7c873", "#f39c6b", "#d9637a", "#8e4f9c", "#3f5aa8")
HEIGHT = 360
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
A_MONDAY = "2024-01-01"


@dataclass(frozen=True)
class Chart:
    """One figure of the page: its DOM id, heading and whether the date range applies to it."""

    div_id: str
    title: str
    figure: go.Figure
    time_axis: bool
    note: str = ""


def album_types(rows: Rows) -> list[str]:
    """Known types first in a fixed order, anything else (the API may add one) after, by name."""
    seen = {r["album_type"] for r in rows} - {ALL_TYPES}
    return [t for t in ALBUM_TYPES if t in seen] + sorted(seen - set(ALBUM_TYPES))


def _color(album_type: str) -> str:
    return ALBUM_TYPE_COLORS.get(album_type, OTHER_COLOR)


def _layout(fig: go.Figure, *, y_title: str, time_axis: bool = True, period_ms: int = DAY_MS, **extra: Any) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=HEIGHT,
        margin={"l": 60, "r": 20, "t": 10, "b": 40},
        font={"family": CSS_FONT_STACK, "size": 13},
        hoverlabel={"font": {"family": CSS_FONT_STACK}},
        legend={"orientation": "h", "y": -0.18},
        yaxis={"title": {"text": y_title}, "rangemode": "tozero"},
    )
    fig.update_layout(**extra)
    if time_axis:
        # a point stands for a whole day (or week): drawn in its middle, so a date range from
        # D1 00:00 to D2+1 00:00 shows D1..D2 whole
        fig.update_traces(xperiod=period_ms, xperiod0=A_MONDAY, xperiodalignment="middle")
        fig.update_xaxes(type="date")
    return fig


def _only(rows: Rows, album_type: str) -> Rows:
    return [r for r in rows if r["album_type"] == album_type]


def _col(rows: Iterable[dict[str, Any]], name: str) -> list[Any]:
    return [r[name] for r in rows]


def releases_per_week(data: DashboardData) -> go.Figure:
    import plotly.graph_objects as go

    fig = go.Figure()
    for album_type in album_types(data.releases_per_week):
        rows = _only(data.releases_per_week, album_type)
        fig.add_bar(
            name=album_type,
            x=_col(rows, "week_start"),
            y=_col(rows, "releases"),
            customdata=_col(rows, "listing_days"),
            marker_color=_color(album_type),
            meta={"album_type": album_type},
            hovertemplate="week of %{x|%a %d %b %Y}<br>" + album_type + ": %{y} albums<br>"
            "%{customdata} of 7 days held<extra></extra>",
        )
    return _layout(
        fig, y_title="distinct albums listed", period_ms=WEEK_MS, barmode="stack",
        xaxis={"tick0": A_MONDAY, "dtick": WEEK_MS, "tickformat": "%d %b %Y", "ticklabelmode": "period"},
    )


def artists_per_day(data: DashboardData) -> go.Figure:
    import plotly.graph_objects as go

    rows = data.artists_per_day
    fig = go.Figure()
    for column, name, color in (("returning_artists", "returning", "#535353"), ("new_artists", "new", "#1db954")):
        fig.add_bar(
            name=name,
            x=_col(rows, "snapshot_date"),
            y=_col(rows, column),
            customdata=_col(rows, "artists"),
            marker_color=color,
            hovertemplate="%{x|%a %d %b %Y}<br>" + name + ": %{y} of %{customdata} artists<extra></extra>",
        )
    return _layout(fig, y_title="artists credited", barmode="stack")


def track_durations(data: DashboardData) -> go.Figure:
    """Median line per album type (its quartiles in the tooltip); the overall q1–q3 range shaded."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for album_type in [*album_types(data.track_durations), ALL_TYPES]:
        rows = _only(data.track_durations, album_type)
        if not rows:
            continue
        days, color, meta = _col(rows, "snapshot_date"), _color(album_type), {"album_type": album_type}
        name = "all types" if album_type == ALL_TYPES else album_type
        quartiles = [[r["q1_s"] / 60, r["q3_s"] / 60, r["tracks"]] for r in rows]
        if album_type == ALL_TYPES:  # one band only: four overlapping ones hide the lines
            fig.add_scatter(
                x=days, y=[r["q3_s"] / 60 for r in rows], mode="lines", line={"width": 0}, showlegend=False,
                legendgroup=album_type, meta=meta, hoverinfo="skip",
            )
            fig.add_scatter(
                name="q1–q3, all types", x=days, y=[r["q1_s"] / 60 for r in rows], mode="lines", line={"width": 0},
                fill="tonexty", fillcolor=_translucent(color), legendgroup=album_type, meta=meta, hoverinfo="skip",
            )
        fig.add_scatter(
            name=name, x=days, y=[r["median_s"] / 60 for r in rows], mode="lines+markers",
            line={"color": color, "width": 3 if album_type == ALL_TYPES else 2}, legendgroup=album_type, meta=meta,
            customdata=quartiles,
            hovertemplate="%{x|%a %d %b %Y} · " + name + "<br>median %{y:.2f} min<br>"
            "quartiles %{customdata[0]:.2f}–%{customdata[1]:.2f} min<br>%{customdata[2]} tracks<extra></extra>",
        )
    return _layout(fig, y_title="minutes (median)")


def explicit_share(data: DashboardData) -> go.Figure:
    import plotly.graph_objects as go

    fig = go.Figure()
    for album_type in [*album_types(data.explicit_share), ALL_TYPES]:
        rows = _only(data.explicit_share, album_type)
        if not rows:
            continue
        name = "all types" if album_type == ALL_TYPES else album_type
        fig.add_scatter(
            name=name,
            x=_col(rows, "snapshot_date"),
            y=[100 * r["explicit_share"] for r in rows],
            customdata=[[r["explicit_tracks"], r["tracks"]] for r in rows],
            mode="lines+markers",
            line={"color": _color(album_type), "width": 3 if album_type == ALL_TYPES else 2},
            meta={"album_type": album_type},
            hovertemplate="%{x|%a %d %b %Y} · " + name + "<br>%{y:.1f} % explicit "
            "(%{customdata[0]} of %{customdata[1]} tracks)<extra></extra>",
        )
    return _layout(fig, y_title="% of tracks explicit")


def album_sizes(data: DashboardData) -> go.Figure:
    """Stacked bars of albums per size class; one trace per (size, type) so the filter applies."""
    import plotly.graph_objects as go

    fig = go.Figure()
    types = album_types(data.album_sizes)
    for (size_class, _, _), color in zip(SIZE_CLASSES, SIZE_COLORS, strict=True):
        in_legend = False
        for album_type in types:
            rows = [r for r in _only(data.album_sizes, album_type) if r["size_class"] == size_class]
            if not rows:
                continue
            fig.add_bar(
                name=size_class,
                x=_col(rows, "snapshot_date"),
                y=_col(rows, "albums"),
                customdata=[100 * r["share"] for r in rows],
                marker={"color": color, "line": {"width": 0.5, "color": "#ffffff"}},
                legendgroup=size_class,
                showlegend=not in_legend,
                meta={"album_type": album_type},
                hovertemplate="%{x|%a %d %b %Y}<br>" + f"{album_type}, {size_class}: "
                "%{y} albums (%{customdata:.1f} % of the day)<extra></extra>",
            )
            in_legend = True
    return _layout(fig, y_title="albums listed", barmode="stack")


def top_artists(data: DashboardData) -> go.Figure:
    import plotly.graph_objects as go

    rows = data.top_artists
    fig = go.Figure(
        go.Bar(
            orientation="h",
            x=_col(rows, "releases"),
            y=[r["artist_name"] or r["artist_id"] for r in rows],
            customdata=[[r["rank"], r["listing_days"]] for r in rows],
            marker_color="#1db954",
            hovertemplate="#%{customdata[0]} %{y}<br>%{x} releases, listed on %{customdata[1]} days<extra></extra>",
        )
    )
    return _layout(
        fig, y_title="", time_axis=False, height=max(HEIGHT, 28 * len(rows) + 60),
        xaxis={"title": {"text": f"distinct albums in the last {TRAILING_DAYS} days"}},
        yaxis={"autorange": "reversed", "automargin": True},
    )


def label_share(data: DashboardData) -> go.Figure:
    import plotly.graph_objects as go

    rows = data.label_share
    fig = go.Figure(
        go.Bar(
            orientation="h",
            x=[100 * r["share"] for r in rows],
            y=_col(rows, "label"),
            customdata=_col(rows, "albums"),
            marker_color="#509bf5",
            hovertemplate="%{y}<br>%{x:.1f} % (%{customdata} albums)<extra></extra>",
        )
    )
    return _layout(
        fig, y_title="", time_axis=False,
        xaxis={"title": {"text": f"% of labelled albums, last {TRAILING_DAYS} days"}},
        yaxis={"autorange": "reversed", "automargin": True},
    )


def label_note(data: DashboardData) -> str:
    """Why there is no label chart, or why it covers only part of the albums ("" = nothing to say)."""
    if not data.label_share:
        return (
            f"Label share: none of the {data.albums_in_label_window} albums of the last {TRAILING_DAYS} days has a "
            "record label. Spotify does not serve the label field to Development-Mode apps (since February 2026); "
            "an Extended-Quota app gets it, and this chart appears."
        )
    first = data.label_share[0]
    missing = first["albums_in_window"] - first["albums_with_label"]
    if missing:
        return f"{missing} of {first['albums_in_window']} albums of the window have no label and are not counted."
    return ""


def _translucent(hex_color: str, alpha: float = 0.18) -> str:
    red, green, blue = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def charts(data: DashboardData) -> list[Chart]:
    """The page's charts in order; the label chart is left out (a note instead) without labels."""
    last = data.last_day.isoformat() if data.last_day else "—"
    found = [
        Chart("releases-per-week", "Releases per week by album type", releases_per_week(data), True),
        Chart("artists-per-day", "New vs returning artists per day", artists_per_day(data), True),
        Chart("track-durations", "Track duration: median and quartiles", track_durations(data), True),
        Chart("explicit-share", "Explicit share", explicit_share(data), True),
        Chart("album-sizes", "Album size mix (tracks per album)", album_sizes(data), True),
        Chart("top-artists", f"Top artists of the last {TRAILING_DAYS} days (as of {last})", top_artists(data), False),
    ]
    note = label_note(data)
    if data.label_share:
        found.append(Chart("label-share", f"Label share of the last {TRAILING_DAYS} days (as of {last})",
                           label_share(data), False, note))
    return found
