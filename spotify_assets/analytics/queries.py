"""The four analyses as set-based SQL over the warehouse tables, persisted as ``analytics_*`` tables.

Each analysis is computed *for one partition date* and stored with ``snapshot_date`` = that date,
replacing the date's previous rows in one transaction, so a rerun leaves the same rows (the same
idempotency rule as the five warehouse tables):

- ``analytics_releases_per_day``: albums in the new-releases listing per listing day and album
  type, over the trailing ``RELEASES_WINDOW_DAYS`` days ending at the partition date (whichever of
  those days the warehouse holds).
- ``analytics_top_artists``: the partition day's ``TOP_ARTISTS`` artists credited on the most
  albums of the listing (ties: more tracks credited, then name, then id).
- ``analytics_track_duration_distribution``: the day's tracks in ``DURATION_BUCKET_S``-second
  buckets, everything from ``DURATION_CAP_S`` on in one open-ended bucket.
- ``analytics_explicit_share``: share of the day's tracks marked explicit, per album type and
  overall (``album_type = 'all'``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from spotify_assets.analytics.rows import query_dicts
from spotify_assets.tables.schema import ALBUM_ARTISTS, ALBUMS, ARTISTS, TRACK_ARTISTS, TRACKS, Column, Table
from spotify_assets.tables.sql import transaction

if TYPE_CHECKING:
    import duckdb

RELEASES_WINDOW_DAYS = 14
TOP_ARTISTS = 10
DURATION_BUCKET_S = 30
DURATION_CAP_S = 600

AS_OF = Column("snapshot_date", "DATE", "Partition date the analysis was computed for")


@dataclass(frozen=True)
class Analysis:
    """One analysis: its result table, the warehouse tables it reads and the SELECT that fills it.

    ``select_sql`` returns the table's columns in order and may use ``$day`` (the partition date)
    and ``$window_start`` (first day of the trailing window).
    """

    key: str
    title: str
    table: Table
    sources: tuple[str, ...]
    select_sql: str
    order_by: str


RELEASES_PER_DAY = Analysis(
    key="releases_per_day",
    title=f"New releases per day by album type (trailing {RELEASES_WINDOW_DAYS} days)",
    table=Table(
        name="analytics_releases_per_day",
        description=(
            f"Albums in the new-releases listing per listing day and album type, over the {RELEASES_WINDOW_DAYS} "
            "days ending at snapshot_date (days the warehouse holds)"
        ),
        primary_key=("snapshot_date", "listing_date", "album_type"),
        columns=(
            AS_OF,
            Column(
                "listing_date",
                "DATE",
                "Day of the new-releases listing counted",
                sources=ALBUMS.source("snapshot_date"),
            ),
            Column("album_type", "VARCHAR", "album, single or compilation", sources=ALBUMS.source("album_type")),
            Column(
                "releases", "BIGINT", "Albums of that type in that day's listing", sources=ALBUMS.source("album_id")
            ),
        ),
    ),
    sources=("albums",),
    select_sql="""
        SELECT $day, snapshot_date, album_type, count(*)
        FROM albums
        WHERE snapshot_date BETWEEN $window_start AND $day
        GROUP BY ALL
    """,
    order_by="listing_date, album_type",
)

TOP_ARTISTS_BY_RELEASES = Analysis(
    key="top_artists",
    title=f"Top {TOP_ARTISTS} artists by releases in the day's listing",
    table=Table(
        name="analytics_top_artists",
        description=f"The {TOP_ARTISTS} artists credited on the most albums of the day's new releases",
        primary_key=("snapshot_date", "rank"),
        columns=(
            AS_OF,
            Column(
                "rank",
                "INTEGER",
                "1 = most releases (ties: more tracks, then name, then id)",
                sources=ALBUM_ARTISTS.source("album_id", "artist_id")
                + TRACK_ARTISTS.source("track_id")
                + ARTISTS.source("name"),
            ),
            Column("artist_id", "VARCHAR", "Spotify artist id", sources=ALBUM_ARTISTS.source("artist_id")),
            Column("artist_name", "VARCHAR", "Artist name", optional=True, sources=ARTISTS.source("name")),
            Column(
                "releases",
                "BIGINT",
                "Albums of the day's listing crediting the artist",
                sources=ALBUM_ARTISTS.source("album_id"),
            ),
            Column(
                "tracks", "BIGINT", "Tracks of the day crediting the artist", sources=TRACK_ARTISTS.source("track_id")
            ),
        ),
    ),
    sources=("albums", "artists", "album_artists", "track_artists"),
    select_sql=f"""
        WITH releases AS (
            SELECT artist_id, count(DISTINCT album_id) AS releases
            FROM album_artists WHERE snapshot_date = $day GROUP BY ALL
        ), credited_tracks AS (
            SELECT artist_id, count(DISTINCT track_id) AS tracks
            FROM track_artists WHERE snapshot_date = $day GROUP BY ALL
        ), ranked AS (
            SELECT
                r.artist_id, a.name AS artist_name, r.releases, coalesce(t.tracks, 0) AS tracks,
                row_number() OVER (
                    ORDER BY r.releases DESC, coalesce(t.tracks, 0) DESC, a.name NULLS LAST, r.artist_id
                ) AS rank
            FROM releases r
            LEFT JOIN artists a ON a.snapshot_date = $day AND a.artist_id = r.artist_id
            LEFT JOIN credited_tracks t ON t.artist_id = r.artist_id
        )
        SELECT $day, rank, artist_id, artist_name, releases, tracks FROM ranked WHERE rank <= {TOP_ARTISTS}
    """,
    order_by="rank",
)

TRACK_DURATIONS = Analysis(
    key="track_duration_distribution",
    title=f"Track durations ({DURATION_BUCKET_S} s buckets)",
    table=Table(
        name="analytics_track_duration_distribution",
        description=(
            f"The day's tracks per {DURATION_BUCKET_S}-second duration bucket "
            f"(from {DURATION_CAP_S} s on: one open-ended bucket; empty buckets between the shortest and "
            "the longest track included)"
        ),
        primary_key=("snapshot_date", "bucket_start_s"),
        columns=(
            AS_OF,
            Column(
                "bucket_start_s",
                "INTEGER",
                "Bucket start in seconds (inclusive)",
                sources=TRACKS.source("duration_ms"),
            ),
            Column(
                "bucket_end_s",
                "INTEGER",
                "Bucket end in seconds (exclusive); NULL = open-ended",
                optional=True,
                sources=TRACKS.source("duration_ms"),
            ),
            Column(
                "tracks",
                "BIGINT",
                "Tracks whose duration falls in the bucket",
                sources=TRACKS.source("track_id", "duration_ms"),
            ),
            Column(
                "share", "DOUBLE", "tracks / all the day's tracks", sources=TRACKS.source("track_id", "duration_ms")
            ),
        ),
    ),
    sources=("tracks",),
    select_sql=f"""
        WITH bucketed AS (
            SELECT least(floor(duration_ms / {DURATION_BUCKET_S * 1000})::INTEGER * {DURATION_BUCKET_S}, {DURATION_CAP_S})
                AS bucket_start_s
            FROM tracks WHERE snapshot_date = $day
        ), counted AS (
            SELECT bucket_start_s, count(*) AS tracks FROM bucketed GROUP BY ALL
        ), buckets AS (  -- every bucket between the shortest and the longest, empty ones too
            SELECT unnest(range(min(bucket_start_s), max(bucket_start_s) + 1, {DURATION_BUCKET_S})) AS bucket_start_s
            FROM counted
        )
        SELECT
            $day, b.bucket_start_s,
            CASE WHEN b.bucket_start_s < {DURATION_CAP_S} THEN b.bucket_start_s + {DURATION_BUCKET_S} END,
            coalesce(c.tracks, 0), coalesce(c.tracks, 0) / sum(c.tracks) OVER ()
        FROM buckets b LEFT JOIN counted c USING (bucket_start_s)
    """,
    order_by="bucket_start_s",
)

EXPLICIT_SHARE = Analysis(
    key="explicit_share",
    title="Share of explicit tracks by album type",
    table=Table(
        name="analytics_explicit_share",
        description="Share of the day's tracks marked explicit, per album type and overall ('all')",
        primary_key=("snapshot_date", "album_type"),
        columns=(
            AS_OF,
            Column(
                "album_type", "VARCHAR", "album, single, compilation, or 'all'", sources=ALBUMS.source("album_type")
            ),
            Column("tracks", "BIGINT", "Tracks of the day on albums of that type", sources=TRACKS.source("track_id")),
            Column("explicit_tracks", "BIGINT", "Of which marked explicit", sources=TRACKS.source("explicit")),
            Column(
                "explicit_share",
                "DOUBLE",
                "explicit_tracks / tracks",
                sources=TRACKS.source("explicit", "track_id"),
            ),
        ),
    ),
    sources=("albums", "tracks"),
    select_sql="""
        SELECT
            $day,
            CASE WHEN grouping(a.album_type) = 1 THEN 'all' ELSE a.album_type END,
            count(*), count(*) FILTER (WHERE t.explicit), count(*) FILTER (WHERE t.explicit) / count(*)
        FROM tracks t
        JOIN albums a ON a.snapshot_date = t.snapshot_date AND a.album_id = t.album_id
        WHERE t.snapshot_date = $day
        GROUP BY GROUPING SETS ((a.album_type), ())
        HAVING count(*) > 0  -- the grand total exists even for a day without tracks: no row then
    """,
    order_by="album_type = 'all', album_type",
)

ANALYSES: tuple[Analysis, ...] = (RELEASES_PER_DAY, TOP_ARTISTS_BY_RELEASES, TRACK_DURATIONS, EXPLICIT_SHARE)

# An analysis row, read by column name (the table's column names), never by position.
Row = dict[str, Any]


def window_start(day: date) -> date:
    return day - timedelta(days=RELEASES_WINDOW_DAYS - 1)


def _params(sql: str, day: date) -> dict[str, Any]:
    """Only the named parameters the statement uses (DuckDB refuses unused ones)."""
    params = {"day": day, "window_start": window_start(day)}
    return {name: value for name, value in params.items() if f"${name}" in sql}


def refresh(conn: duckdb.DuckDBPyConnection, analysis: Analysis, day: date) -> list[Row]:
    """Replace ``day``'s rows of the analysis table in one transaction; return them in order."""
    table = analysis.table
    conn.execute(table.create_sql())
    insert = f"INSERT INTO {table.name} ({', '.join(table.column_names)}) {analysis.select_sql}"
    with transaction(conn):
        conn.execute(f"DELETE FROM {table.name} WHERE snapshot_date = ?", [day])
        conn.execute(insert, _params(insert, day))
    return rows_for(conn, analysis, day)


def rows_for(conn: duckdb.DuckDBPyConnection, analysis: Analysis, day: date) -> list[Row]:
    """The stored rows of one partition date, in the analysis' natural order."""
    table = analysis.table
    return query_dicts(conn, f"SELECT * FROM {table.name} WHERE snapshot_date = ? ORDER BY {analysis.order_by}", [day])


# ----- one-line summaries (CLI and the asset's metadata) ----------------------------------------


def summarize(analysis: Analysis, rows: Sequence[Row], day: date) -> str:
    return _SUMMARIES[analysis.key](rows, day)


def _releases_summary(rows: Sequence[Row], day: date) -> str:
    today = {r["album_type"]: r["releases"] for r in rows if r["listing_date"] == day}
    days = len({r["listing_date"] for r in rows})
    mix = ", ".join(f"{album_type} {n}" for album_type, n in sorted(today.items()))
    return f"{sum(today.values())} albums listed ({mix or 'none'}); {days} of {RELEASES_WINDOW_DAYS} days in window"


def _top_artists_summary(rows: Sequence[Row], day: date) -> str:
    if not rows:
        return "no artists credited"
    top = rows[0]
    return f"#1 {top['artist_name'] or top['artist_id']}: {top['releases']} releases, {top['tracks']} tracks"


def format_duration(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _durations_summary(rows: Sequence[Row], day: date) -> str:
    if not rows:
        return "no tracks"
    total = sum(r["tracks"] for r in rows)
    top = max(rows, key=lambda r: (r["tracks"], -r["bucket_start_s"]))
    end = format_duration(top["bucket_end_s"]) if top["bucket_end_s"] is not None else "+"
    return f"{total} tracks, most in {format_duration(top['bucket_start_s'])}-{end} ({top['tracks']})"


def _explicit_summary(rows: Sequence[Row], day: date) -> str:
    overall = next((r for r in rows if r["album_type"] == "all"), None)
    if overall is None:
        return "no tracks"
    return f"{overall['explicit_tracks']} of {overall['tracks']} tracks explicit ({overall['explicit_share']:.1%})"


_SUMMARIES = {
    RELEASES_PER_DAY.key: _releases_summary,
    TOP_ARTISTS_BY_RELEASES.key: _top_artists_summary,
    TRACK_DURATIONS.key: _durations_summary,
    EXPLICIT_SHARE.key: _explicit_summary,
}


def duration_stats(conn: duckdb.DuckDBPyConnection, day: date) -> dict[str, float | int | None]:
    """Count, min, median, mean, 90th percentile and max of the day's track durations (seconds)."""
    [stats] = query_dicts(
        conn,
        """
        SELECT count(*) AS tracks, min(duration_ms) / 1000 AS min_s, median(duration_ms) / 1000 AS median_s,
               avg(duration_ms) / 1000 AS mean_s, quantile_cont(duration_ms, 0.9) / 1000 AS p90_s,
               max(duration_ms) / 1000 AS max_s
        FROM tracks WHERE snapshot_date = ?
        """,
        [day],
    )
    return stats
