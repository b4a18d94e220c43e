"""What the dashboard draws, read from the trend tables by column name (no Dagster, no plotly)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from spotify_assets.analytics.rows import query_dicts
from spotify_assets.analytics.trends import (
    ALBUM_SIZES,
    ARTISTS_PER_DAY,
    EXPLICIT_SHARE,
    LABEL_SHARE_30D,
    RELEASES_PER_WEEK,
    TOP_ARTISTS_30D,
    TRACK_DURATIONS,
    TRAILING_DAYS,
    Trend,
    ensure_trend_tables,
)

if TYPE_CHECKING:
    import duckdb

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class DashboardData:
    days: list[date]  # listing days of the history, oldest first
    releases_per_week: Rows
    artists_per_day: Rows
    track_durations: Rows
    explicit_share: Rows
    album_sizes: Rows
    top_artists: Rows  # as of the last day
    label_share: Rows  # as of the last day; empty when no album of the window has a label
    albums_in_label_window: int  # distinct albums of the last 30-day window (for the "no labels" note)

    @property
    def first_day(self) -> date | None:
        return self.days[0] if self.days else None

    @property
    def last_day(self) -> date | None:
        return self.days[-1] if self.days else None


def _all(conn: duckdb.DuckDBPyConnection, trend: Trend) -> Rows:
    return query_dicts(conn, f"SELECT * FROM {trend.table.name} ORDER BY {trend.order_by}")


def _as_of(conn: duckdb.DuckDBPyConnection, trend: Trend, day: date | None) -> Rows:
    if day is None:
        return []
    return query_dicts(conn, f"SELECT * FROM {trend.table.name} WHERE as_of_date = ? ORDER BY {trend.order_by}", [day])


def load_dashboard_data(conn: duckdb.DuckDBPyConnection) -> DashboardData:
    """Everything the dashboard shows; the history's days are those of ``trend_artists_per_day``."""
    ensure_trend_tables(conn)
    days = [
        r["snapshot_date"]
        for r in query_dicts(conn, f"SELECT snapshot_date FROM {ARTISTS_PER_DAY.table.name} ORDER BY 1")
    ]
    last = days[-1] if days else None
    in_window = 0
    if last is not None:
        # the label-share table has no row for a window without labels: count the window's albums here
        [row] = query_dicts(
            conn,
            f"SELECT count(DISTINCT album_id) AS albums FROM albums "
            f"WHERE snapshot_date BETWEEN ?::DATE - {TRAILING_DAYS - 1} AND ?",
            [last, last],
        )
        in_window = int(row["albums"])
    return DashboardData(
        days=days,
        releases_per_week=_all(conn, RELEASES_PER_WEEK),
        artists_per_day=_all(conn, ARTISTS_PER_DAY),
        track_durations=_all(conn, TRACK_DURATIONS),
        explicit_share=_all(conn, EXPLICIT_SHARE),
        album_sizes=_all(conn, ALBUM_SIZES),
        top_artists=_as_of(conn, TOP_ARTISTS_30D, last),
        label_share=_as_of(conn, LABEL_SHARE_30D, last),
        albums_in_label_window=in_window,
    )
