"""Trend tables over the whole history the warehouse holds, rebuilt incrementally per day.

Each trend is a ``trend_*`` DuckDB table with one *key* column (a listing day, a week, or the
"as of" day of a trailing window). When days are added or rerun, :func:`refresh_trends` works out
which keys those days affect, deletes exactly those keys' rows and inserts them again from the
day tables, for every trend in ONE transaction:

- per-day trends (durations, explicit share, album sizes): the days themselves;
- ``trend_releases_per_week``: the weeks (Monday starts) containing the days;
- ``trend_artists_per_day``: the days and every later day held, because "new" means "first seen
  in the history" and an older day added late turns later days' new artists into returning ones;
- the trailing-30-day tables (top artists, label share): every held day whose window contains
  one of the days (``day .. day + 29``).

So a rerun rewrites the same rows (identical tables), a later day only adds its keys, and a
backfilled older day fixes what depends on it. The SQL is set-based and takes the days as one
``DATE[]`` parameter, so a run over a range of partitions refreshes once, not once per day.

Partitioning (see ``defs/trends/assets.py``): the trend assets are daily-partitioned like the
tables they read; partition D means "history refreshed for D". That keeps them in the daily job,
its schedule and backfills, and a rerun of one day never recomputes the whole history. An unpartitioned asset would have to sit outside the daily job or
recompute everything each time, and could not say which day it was refreshed for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from spotify_assets.analytics.rows import query_dicts
from spotify_assets.tables.schema import ALBUM_ARTISTS, ALBUMS, ARTISTS, TRACKS, Column, Table
from spotify_assets.tables.sql import transaction

if TYPE_CHECKING:
    import duckdb

TRAILING_DAYS = 30
TOP_ARTISTS = 15
TOP_LABELS = 10
OTHER_LABELS = "(other labels)"
ALL_TYPES = "all"

# Album sizes by total_tracks: (class, lowest, highest) — highest NULL = open-ended.
SIZE_CLASSES: tuple[tuple[str, int, int | None], ...] = (
    ("1 track", 1, 1),
    ("2–3 tracks", 2, 3),
    ("4–6 tracks", 4, 6),
    ("7–12 tracks", 7, 12),
    ("13+ tracks", 13, None),
)


@dataclass(frozen=True)
class Trend:
    """One trend table: which keys a set of days affects (``scope_sql``, one column ``k``, may use
    ``$days``), and the SELECT producing the table's columns for the keys in ``_trend_scope``."""

    key: str
    title: str
    table: Table
    key_column: str
    scope_sql: str
    select_sql: str
    order_by: str


def _table(name: str, description: str, primary_key: tuple[str, ...], *columns: Column) -> Table:
    return Table(name=name, description=description, primary_key=primary_key, columns=columns)


DAY = Column("snapshot_date", "DATE", "Listing day (partition)")
ALBUM_TYPE = Column("album_type", "VARCHAR", "album, single, compilation, or 'all'")
AS_OF = Column("as_of_date", "DATE", f"Last day of the trailing {TRAILING_DAYS}-day window")
# The shared columns as the trends compute them: per day of the tracks (with their album's type), or
# per window ending on a listing day the warehouse holds.
TRACKS_DAY = DAY.with_sources(*TRACKS.source("snapshot_date"))
TRACKS_ALBUM_TYPE = ALBUM_TYPE.with_sources(*ALBUMS.source("album_type"))
WINDOW_END = AS_OF.with_sources(*ALBUMS.source("snapshot_date"))

_THE_DAYS = "SELECT unnest($days::DATE[]) AS k"

RELEASES_PER_WEEK = Trend(
    key="releases_per_week",
    title="Releases per week by album type",
    table=_table(
        "trend_releases_per_week",
        "Distinct albums in the new-releases listings of each week (Monday start), per album type",
        ("week_start", "album_type"),
        Column("week_start", "DATE", "Monday of the ISO week", sources=ALBUMS.source("snapshot_date")),
        Column("album_type", "VARCHAR", "album, single or compilation", sources=ALBUMS.source("album_type")),
        Column(
            "releases",
            "BIGINT",
            "Distinct albums of that type listed on any day of the week",
            sources=ALBUMS.source("album_id"),
        ),
        Column(
            "listing_days",
            "INTEGER",
            "Days of the week the warehouse holds (7 = complete week)",
            sources=ALBUMS.source("snapshot_date"),
        ),
    ),
    key_column="week_start",
    scope_sql="SELECT DISTINCT date_trunc('week', d)::DATE AS k FROM unnest($days::DATE[]) AS t(d)",
    select_sql="""
        WITH listed AS (
            SELECT date_trunc('week', snapshot_date)::DATE AS week_start, snapshot_date, album_type, album_id
            FROM albums
            WHERE date_trunc('week', snapshot_date)::DATE IN (SELECT k FROM _trend_scope)
        ), days AS (
            SELECT week_start, count(DISTINCT snapshot_date)::INTEGER AS listing_days FROM listed GROUP BY ALL
        )
        SELECT l.week_start, l.album_type, count(DISTINCT l.album_id) AS releases, d.listing_days
        FROM listed l JOIN days d USING (week_start)
        GROUP BY ALL
    """,
    order_by="week_start, album_type",
)

ARTISTS_PER_DAY = Trend(
    key="artists_per_day",
    title="New vs returning artists per day",
    table=_table(
        "trend_artists_per_day",
        "Artists credited on the day's releases: first seen in the history that day (new) or before (returning)",
        ("snapshot_date",),
        DAY.with_sources(*ARTISTS.source("snapshot_date")),
        Column("artists", "BIGINT", "Distinct artists credited that day", sources=ARTISTS.source("artist_id")),
        Column(
            "new_artists",
            "BIGINT",
            "Of which never credited on an earlier day of the history",
            sources=ARTISTS.source("artist_id", "snapshot_date"),
        ),
        Column(
            "returning_artists",
            "BIGINT",
            "Of which credited on an earlier day",
            sources=ARTISTS.source("artist_id", "snapshot_date"),
        ),
    ),
    key_column="snapshot_date",
    # an older day added late changes which artists are new on every later day
    scope_sql=f"{_THE_DAYS} UNION SELECT DISTINCT snapshot_date FROM artists WHERE snapshot_date >= list_min($days::DATE[])",
    select_sql="""
        WITH first_seen AS (SELECT artist_id, min(snapshot_date) AS first_day FROM artists GROUP BY ALL)
        SELECT
            a.snapshot_date, count(*),
            count(*) FILTER (WHERE f.first_day = a.snapshot_date),
            count(*) FILTER (WHERE f.first_day < a.snapshot_date)
        FROM artists a JOIN first_seen f USING (artist_id)
        WHERE a.snapshot_date IN (SELECT k FROM _trend_scope)
        GROUP BY ALL
    """,
    order_by="snapshot_date",
)


def _per_day_by_album_type_and_overall(measures: str) -> str:
    """``measures`` over the scope days' tracks, per (day, album type) and per day over every type
    (album_type ``'all'``): the grouping both per-type track trends share."""
    return f"""
        SELECT
            t.snapshot_date,
            CASE WHEN grouping(a.album_type) = 1 THEN '{ALL_TYPES}' ELSE a.album_type END,
            {measures}
        FROM tracks t JOIN albums a ON a.snapshot_date = t.snapshot_date AND a.album_id = t.album_id
        WHERE t.snapshot_date IN (SELECT k FROM _trend_scope)
        GROUP BY GROUPING SETS ((t.snapshot_date, a.album_type), (t.snapshot_date))
    """


TRACK_DURATIONS = Trend(
    key="track_durations",
    title="Track duration: median and quartiles",
    table=_table(
        "trend_track_durations",
        "Quartiles of the day's track durations in seconds, per album type and overall ('all')",
        ("snapshot_date", "album_type"),
        TRACKS_DAY,
        TRACKS_ALBUM_TYPE,
        Column("tracks", "BIGINT", "Tracks of the day on albums of that type", sources=TRACKS.source("track_id")),
        Column("q1_s", "DOUBLE", "25th percentile (s, interpolated)", sources=TRACKS.source("duration_ms")),
        Column("median_s", "DOUBLE", "Median (s, interpolated)", sources=TRACKS.source("duration_ms")),
        Column("q3_s", "DOUBLE", "75th percentile (s, interpolated)", sources=TRACKS.source("duration_ms")),
    ),
    key_column="snapshot_date",
    scope_sql=_THE_DAYS,
    select_sql=_per_day_by_album_type_and_overall(
        """count(*),
            quantile_cont(t.duration_ms, 0.25) / 1000, quantile_cont(t.duration_ms, 0.5) / 1000,
            quantile_cont(t.duration_ms, 0.75) / 1000"""
    ),
    order_by=f"snapshot_date, album_type = '{ALL_TYPES}', album_type",
)

EXPLICIT_SHARE = Trend(
    key="explicit_share",
    title="Explicit share",
    table=_table(
        "trend_explicit_share",
        "Share of the day's tracks marked explicit, per album type and overall ('all')",
        ("snapshot_date", "album_type"),
        TRACKS_DAY,
        TRACKS_ALBUM_TYPE,
        Column("tracks", "BIGINT", "Tracks of the day on albums of that type", sources=TRACKS.source("track_id")),
        Column("explicit_tracks", "BIGINT", "Of which marked explicit", sources=TRACKS.source("explicit")),
        Column("explicit_share", "DOUBLE", "explicit_tracks / tracks", sources=TRACKS.source("explicit", "track_id")),
    ),
    key_column="snapshot_date",
    scope_sql=_THE_DAYS,
    select_sql=_per_day_by_album_type_and_overall(
        "count(*), count(*) FILTER (WHERE t.explicit), count(*) FILTER (WHERE t.explicit) / count(*)"
    ),
    order_by=f"snapshot_date, album_type = '{ALL_TYPES}', album_type",
)

_SIZE_CASE = (
    "CASE "
    + " ".join(
        f"WHEN total_tracks >= {low}" + (f" AND total_tracks <= {high}" if high is not None else "") + f" THEN '{name}'"
        for name, low, high in SIZE_CLASSES
    )
    + " END"
)
_SIZE_ORDER = (
    "CASE size_class " + " ".join(f"WHEN '{name}' THEN {i}" for i, (name, _, _) in enumerate(SIZE_CLASSES)) + " END"
)

ALBUM_SIZES = Trend(
    key="album_sizes",
    title="Album size mix",
    table=_table(
        "trend_album_sizes",
        "The day's listed albums per album type and size class (total_tracks)",
        ("snapshot_date", "album_type", "size_class"),
        DAY.with_sources(*ALBUMS.source("snapshot_date")),
        Column("album_type", "VARCHAR", "album, single or compilation", sources=ALBUMS.source("album_type")),
        Column(
            "size_class",
            "VARCHAR",
            ", ".join(name for name, _, _ in SIZE_CLASSES),
            sources=ALBUMS.source("total_tracks"),
        ),
        Column("albums", "BIGINT", "Albums of that type and size listed that day", sources=ALBUMS.source("album_id")),
        Column("share", "DOUBLE", "albums / all albums listed that day", sources=ALBUMS.source("album_id")),
    ),
    key_column="snapshot_date",
    scope_sql=_THE_DAYS,
    select_sql=f"""
        SELECT snapshot_date, album_type, {_SIZE_CASE} AS size_class, count(*),
               count(*) / sum(count(*)) OVER (PARTITION BY snapshot_date)
        FROM albums
        WHERE snapshot_date IN (SELECT k FROM _trend_scope) AND total_tracks >= 1
        GROUP BY snapshot_date, album_type, size_class
    """,
    order_by=f"snapshot_date, album_type, {_SIZE_ORDER}",
)

# The days whose trailing window contains one of the days (only days the warehouse holds).
_WINDOWS_HOLDING_THE_DAYS = f"""
    {_THE_DAYS} UNION
    SELECT DISTINCT snapshot_date FROM albums
    WHERE snapshot_date BETWEEN list_min($days::DATE[]) AND list_max($days::DATE[]) + {TRAILING_DAYS - 1}
"""
_WINDOW_JOIN = f"a.snapshot_date BETWEEN s.k - {TRAILING_DAYS - 1} AND s.k"

TOP_ARTISTS_30D = Trend(
    key="top_artists_30d",
    title=f"Top artists of the last {TRAILING_DAYS} days",
    table=_table(
        "trend_top_artists_30d",
        f"The {TOP_ARTISTS} artists credited on the most distinct albums listed in the {TRAILING_DAYS} days "
        "ending at as_of_date (days the warehouse holds)",
        ("as_of_date", "rank"),
        WINDOW_END,
        Column(
            "rank",
            "INTEGER",
            "1 = most releases (ties: more listing days, then name, then id)",
            sources=ALBUM_ARTISTS.source("album_id", "snapshot_date", "artist_id") + ARTISTS.source("name"),
        ),
        Column("artist_id", "VARCHAR", "Spotify artist id", sources=ALBUM_ARTISTS.source("artist_id")),
        Column(
            "artist_name",
            "VARCHAR",
            "Latest name in the window",
            optional=True,
            sources=ARTISTS.source("name", "snapshot_date"),
        ),
        Column(
            "releases",
            "BIGINT",
            "Distinct albums in the window crediting the artist",
            sources=ALBUM_ARTISTS.source("album_id"),
        ),
        Column(
            "listing_days",
            "BIGINT",
            "Days in the window the artist was credited on a listed album",
            sources=ALBUM_ARTISTS.source("snapshot_date"),
        ),
    ),
    key_column="as_of_date",
    scope_sql=_WINDOWS_HOLDING_THE_DAYS,
    select_sql=f"""
        WITH credited AS (
            SELECT s.k AS as_of_date, a.artist_id, count(DISTINCT a.album_id) AS releases,
                   count(DISTINCT a.snapshot_date) AS listing_days
            FROM _trend_scope s JOIN album_artists a ON {_WINDOW_JOIN}
            GROUP BY ALL
        ), named AS (
            SELECT s.k AS as_of_date, a.artist_id, arg_max(a.name, a.snapshot_date) AS artist_name
            FROM _trend_scope s JOIN artists a ON {_WINDOW_JOIN}
            GROUP BY ALL
        ), ranked AS (
            SELECT c.*, n.artist_name, row_number() OVER (
                PARTITION BY c.as_of_date
                ORDER BY c.releases DESC, c.listing_days DESC, n.artist_name NULLS LAST, c.artist_id
            ) AS rank
            FROM credited c LEFT JOIN named n USING (as_of_date, artist_id)
        )
        SELECT as_of_date, rank, artist_id, artist_name, releases, listing_days
        FROM ranked WHERE rank <= {TOP_ARTISTS}
    """,
    order_by="as_of_date, rank",
)

LABEL_SHARE_30D = Trend(
    key="label_share_30d",
    title=f"Label share of the last {TRAILING_DAYS} days",
    table=_table(
        "trend_label_share_30d",
        f"Share of the distinct albums listed in the {TRAILING_DAYS} days ending at as_of_date per record label "
        f"(top {TOP_LABELS}, the rest as '{OTHER_LABELS}'); no rows when no album of the window has a label "
        "(Development-Mode apps are not served the field)",
        ("as_of_date", "rank"),
        WINDOW_END,
        Column(
            "rank",
            "INTEGER",
            f"1 = most albums; the '{OTHER_LABELS}' row comes last",
            sources=ALBUMS.source("label", "album_id"),
        ),
        Column("label", "VARCHAR", "Record label", sources=ALBUMS.source("label")),
        Column(
            "albums",
            "BIGINT",
            "Distinct albums of the window with that label",
            sources=ALBUMS.source("album_id", "label"),
        ),
        Column(
            "share",
            "DOUBLE",
            "albums / albums of the window that have a label",
            sources=ALBUMS.source("album_id", "label"),
        ),
        Column(
            "albums_with_label",
            "BIGINT",
            "Albums of the window that have a label",
            sources=ALBUMS.source("album_id", "label"),
        ),
        Column("albums_in_window", "BIGINT", "All distinct albums of the window", sources=ALBUMS.source("album_id")),
    ),
    key_column="as_of_date",
    scope_sql=_WINDOWS_HOLDING_THE_DAYS,
    select_sql=f"""
        WITH window_albums AS (  -- one label per album: its latest listing's
            SELECT s.k AS as_of_date, a.album_id, arg_max(a.label, a.snapshot_date) AS label
            FROM _trend_scope s JOIN albums a ON {_WINDOW_JOIN}
            GROUP BY ALL
        ), totals AS (
            SELECT as_of_date, count(label) AS albums_with_label, count(*) AS albums_in_window
            FROM window_albums GROUP BY ALL
        ), per_label AS (
            SELECT as_of_date, label, count(*) AS albums,
                   row_number() OVER (PARTITION BY as_of_date ORDER BY count(*) DESC, label) AS label_rank
            FROM window_albums WHERE label IS NOT NULL GROUP BY as_of_date, label
        ), folded AS (
            SELECT as_of_date,
                   CASE WHEN label_rank <= {TOP_LABELS} THEN label ELSE '{OTHER_LABELS}' END AS label,
                   least(label_rank, {TOP_LABELS + 1}) AS rank, sum(albums) AS albums
            FROM per_label GROUP BY 1, 2, 3
        )
        SELECT f.as_of_date, f.rank::INTEGER, f.label, f.albums::BIGINT, f.albums / t.albums_with_label,
               t.albums_with_label, t.albums_in_window
        FROM folded f JOIN totals t USING (as_of_date)
    """,
    order_by="as_of_date, rank",
)

TRENDS: tuple[Trend, ...] = (
    RELEASES_PER_WEEK,
    ARTISTS_PER_DAY,
    TRACK_DURATIONS,
    EXPLICIT_SHARE,
    ALBUM_SIZES,
    TOP_ARTISTS_30D,
    LABEL_SHARE_30D,
)
TRENDS_BY_TABLE: dict[str, Trend] = {t.table.name: t for t in TRENDS}
SOURCES: tuple[str, ...] = ("albums", "artists", "album_artists", "tracks")


@dataclass(frozen=True)
class Refreshed:
    """What one refresh rewrote in one trend table."""

    trend: Trend
    keys: int  # distinct keys replaced
    rows: int  # rows inserted for them
    total_rows: int  # rows in the table afterwards


def ensure_trend_tables(conn: duckdb.DuckDBPyConnection) -> None:
    for trend in TRENDS:
        conn.execute(trend.table.create_sql())


def refresh_trends(conn: duckdb.DuckDBPyConnection, days: Sequence[date]) -> dict[str, Refreshed]:
    """Replace, in one transaction, every trend row the given (added or rerun) days affect.

    Needs the day tables (``albums``, ``artists``, ``album_artists``, ``tracks``) to exist.
    """
    if not days:
        raise ValueError("refresh_trends needs at least one day")
    day_list = sorted(set(days))
    ensure_trend_tables(conn)
    refreshed: dict[str, Refreshed] = {}
    with transaction(conn):
        for trend in TRENDS:
            refreshed[trend.key] = _refresh_one(conn, trend, day_list)
        conn.execute("DROP TABLE IF EXISTS _trend_scope")
    return refreshed


def _refresh_one(conn: duckdb.DuckDBPyConnection, trend: Trend, days: list[date]) -> Refreshed:
    table = trend.table
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE _trend_scope AS SELECT DISTINCT k FROM ({trend.scope_sql}) WHERE k IS NOT NULL",
        {"days": days},
    )
    [scope] = query_dicts(conn, "SELECT count(*) AS keys FROM _trend_scope")
    conn.execute(f"DELETE FROM {table.name} WHERE {trend.key_column} IN (SELECT k FROM _trend_scope)")
    conn.execute(f"INSERT INTO {table.name} ({', '.join(table.column_names)}) {trend.select_sql}")
    [counts] = query_dicts(
        conn,
        f"SELECT count(*) AS total_rows, count(*) FILTER (WHERE {trend.key_column} IN (SELECT k FROM _trend_scope)) "
        f"AS rows FROM {table.name}",
    )
    return Refreshed(
        trend=trend, keys=int(scope["keys"]), rows=int(counts["rows"]), total_rows=int(counts["total_rows"])
    )


def history_days(conn: duckdb.DuckDBPyConnection) -> list[date]:
    """Every listing day the warehouse holds, oldest first."""
    return [r["snapshot_date"] for r in query_dicts(conn, "SELECT DISTINCT snapshot_date FROM albums ORDER BY 1")]
