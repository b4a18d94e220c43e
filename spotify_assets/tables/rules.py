"""Data-quality rules as plain SQL over a DuckDB connection (testable without Dagster).

Each rule looks at one day (``snapshot_date``) and returns an outcome with the numbers that
explain it, so a failed check in the UI says how many rows broke and shows a few of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from spotify_assets.tables.schema import (
    ALBUM_ARTISTS,
    ALBUMS,
    ARTISTS,
    TABLES,
    TRACK_ARTISTS,
    TRACKS,
    UNAVAILABLE_ALBUMS,
    Table,
)

if TYPE_CHECKING:
    import duckdb

SAMPLE_ROWS = 5


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)


Rule = Callable[["duckdb.DuckDBPyConnection", date], CheckOutcome]


def _scalar(conn: duckdb.DuckDBPyConnection, sql: str, day: date) -> Any:
    return conn.execute(sql, {"day": day}).fetchall()[0][0]


def _sample(conn: duckdb.DuckDBPyConnection, sql: str, day: date) -> list[str]:
    return [
        str(row if len(row) > 1 else row[0])
        for row in conn.execute(f"{sql} LIMIT {SAMPLE_ROWS}", {"day": day}).fetchall()
    ]


def _violations(conn: duckdb.DuckDBPyConnection, day: date, count_sql: str, sample_sql: str, what: str) -> CheckOutcome:
    """The common shape: count offending rows; pass at zero, else show a few of them."""
    bad = _scalar(conn, count_sql, day)
    if bad == 0:
        return CheckOutcome(True, f"no {what}", {"violations": 0})
    return CheckOutcome(False, f"{bad} {what}", {"violations": bad, "sample": _sample(conn, sample_sql, day)})


def primary_key_unique(table: Table) -> Rule:
    key = ", ".join(table.primary_key)
    any_null = " OR ".join(f"{c} IS NULL" for c in table.primary_key)

    def rule(conn: duckdb.DuckDBPyConnection, day: date) -> CheckOutcome:
        duplicated = (
            f"SELECT {key}, count(*) AS n FROM {table.name} WHERE snapshot_date = $day GROUP BY ALL HAVING n > 1"
        )
        outcome = _violations(
            conn,
            day,
            f"SELECT count(*) FROM ({duplicated})",
            duplicated,
            f"duplicate ({key}) keys",
        )
        nulls = _scalar(conn, f"SELECT count(*) FROM {table.name} WHERE snapshot_date = $day AND ({any_null})", day)
        if nulls:
            return CheckOutcome(False, f"{nulls} rows with a NULL in ({key})", {**outcome.metadata, "null_keys": nulls})
        return outcome

    return rule


def required_columns_present(table: Table) -> Rule:
    """Columns that are not optional must be filled; Development-Mode removals are optional."""
    required = [c.name for c in table.columns if not c.optional]
    null_counts = ", ".join(f"count(*) FILTER (WHERE {c} IS NULL) AS {c}" for c in required)

    def rule(conn: duckdb.DuckDBPyConnection, day: date) -> CheckOutcome:
        cursor = conn.execute(f"SELECT {null_counts} FROM {table.name} WHERE snapshot_date = $day", {"day": day})
        nulls = {name: n for name, n in zip(required, cursor.fetchall()[0], strict=True) if n}
        if not nulls:
            return CheckOutcome(True, "every required column is filled", {"required_columns": len(required)})
        return CheckOutcome(False, f"NULLs in required columns: {nulls}", {"null_counts": nulls})

    return rule


def has_rows(table: Table) -> Rule:
    def rule(conn: duckdb.DuckDBPyConnection, day: date) -> CheckOutcome:
        rows = _scalar(conn, f"SELECT count(*) FROM {table.name} WHERE snapshot_date = $day", day)
        return CheckOutcome(rows > 0, f"{rows} rows for {day}", {"rows": rows})

    return rule


def schema_matches_contract(table: Table) -> Rule:
    """The DuckDB table has exactly the declared columns and types (catches drift from old builds)."""
    expected = [(c.name, c.type) for c in table.columns]

    def rule(conn: duckdb.DuckDBPyConnection, day: date) -> CheckOutcome:
        actual = conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [table.name],
        ).fetchall()
        if [tuple(row) for row in actual] == expected:
            return CheckOutcome(True, "columns match the declared schema", {"columns": len(expected)})
        return CheckOutcome(
            False, "columns differ from the declared schema", {"expected": str(expected), "actual": str(actual)}
        )

    return rule


def tracks_reference_albums(conn: duckdb.DuckDBPyConnection, day: date) -> CheckOutcome:
    orphans = """
        SELECT t.track_id, t.album_id FROM tracks t
        ANTI JOIN albums a ON a.album_id = t.album_id AND a.snapshot_date = t.snapshot_date
        WHERE t.snapshot_date = $day"""
    return _violations(conn, day, f"SELECT count(*) FROM ({orphans})", orphans, "tracks whose album is missing")


def _unavailable(conn: duckdb.DuckDBPyConnection, columns: str = "album_id") -> str:
    """The day's unavailable albums (none in a warehouse built before that table existed)."""
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [UNAVAILABLE_ALBUMS.name]
    ).fetchall()[0][0]
    table = (
        UNAVAILABLE_ALBUMS.name
        if exists
        else f"(SELECT * FROM (VALUES (NULL::DATE, NULL::VARCHAR, NULL::VARCHAR, NULL::INTEGER, NULL::VARCHAR, NULL::VARCHAR)) v({', '.join(UNAVAILABLE_ALBUMS.column_names)}) WHERE false)"
    )
    return f"SELECT {columns} FROM {table} WHERE snapshot_date = $day"


def track_counts_match_total(conn: duckdb.DuckDBPyConnection, day: date) -> CheckOutcome:
    """Albums the API would not serve have no tracks by design: ``listed_albums_available`` reports them."""
    mismatched = f"""
        SELECT a.album_id, a.total_tracks, count(t.track_id) AS tracks_found
        FROM albums a LEFT JOIN tracks t ON t.album_id = a.album_id AND t.snapshot_date = a.snapshot_date
        WHERE a.snapshot_date = $day AND a.album_id NOT IN ({_unavailable(conn)})
        GROUP BY a.album_id, a.total_tracks
        HAVING count(t.track_id) <> a.total_tracks"""
    return _violations(
        conn,
        day,
        f"SELECT count(*) FROM ({mismatched})",
        mismatched,
        "albums whose track count differs from total_tracks",
    )


def listed_albums_available(conn: duckdb.DuckDBPyConnection, day: date) -> CheckOutcome:
    """WARN: listed albums the API would not serve (pulled, or not in the market), named. A few a
    day is normal for Spotify; more than SPOTIFY_MAX_UNAVAILABLE_SHARE already failed the raw step."""
    rows = conn.execute(
        f"""
        SELECT u.album_id, a.name, u.status, u.endpoint, u.message
        FROM ({_unavailable(conn, "album_id, status, endpoint, message")}) u
        LEFT JOIN albums a ON a.album_id = u.album_id AND a.snapshot_date = $day
        ORDER BY u.album_id
        """,
        {"day": day},
    ).fetchall()
    listed = _scalar(conn, "SELECT count(*) FROM albums WHERE snapshot_date = $day", day)
    if not rows:
        return CheckOutcome(True, f"all {listed} listed albums were available", {"unavailable": 0})
    names = [f"{album_id} ({name or '?'}): {status} from {endpoint}" for album_id, name, status, endpoint, _ in rows]
    return CheckOutcome(
        False,
        f"{len(rows)} of {listed} listed albums were unavailable (kept in albums without tracks): " + "; ".join(names),
        {
            "unavailable": len(rows),
            "share": round(len(rows) / listed, 4) if listed else 0.0,
            "album_ids": [row[0] for row in rows],
            "answers": [f"{status} from {endpoint}: {message}" for _, _, status, endpoint, message in rows],
        },
    )


def release_dates_valid(conn: duckdb.DuckDBPyConnection, day: date) -> CheckOutcome:
    """The date string has the shape its precision promises and names a real calendar date."""
    invalid = r"""
        SELECT album_id, release_date, release_date_precision FROM albums
        WHERE snapshot_date = $day AND NOT coalesce(
            CASE release_date_precision
                WHEN 'day' THEN regexp_full_match(release_date, '\d{4}-\d{2}-\d{2}')
                WHEN 'month' THEN regexp_full_match(release_date, '\d{4}-\d{2}')
                WHEN 'year' THEN regexp_full_match(release_date, '\d{4}')
                ELSE false
            END AND release_date_start IS NOT NULL, false)"""
    return _violations(conn, day, f"SELECT count(*) FROM ({invalid})", invalid, "albums with an invalid release date")


def _links_reference(link: Table, owner: Table, owner_key: str) -> Rule:
    dangling = f"""
        SELECT l.{owner_key}, l.artist_id FROM {link.name} l
        WHERE l.snapshot_date = $day AND (
            NOT EXISTS (SELECT 1 FROM {owner.name} o WHERE o.{owner_key} = l.{owner_key} AND o.snapshot_date = l.snapshot_date)
            OR NOT EXISTS (SELECT 1 FROM {ARTISTS.name} r WHERE r.artist_id = l.artist_id AND r.snapshot_date = l.snapshot_date))"""

    def rule(conn: duckdb.DuckDBPyConnection, day: date) -> CheckOutcome:
        return _violations(
            conn, day, f"SELECT count(*) FROM ({dangling})", dangling, f"{link.name} rows pointing nowhere"
        )

    return rule


album_artists_reference_known_rows = _links_reference(ALBUM_ARTISTS, ALBUMS, "album_id")
track_artists_reference_known_rows = _links_reference(TRACK_ARTISTS, TRACKS, "track_id")


@dataclass(frozen=True)
class NamedRule:
    table: str
    name: str
    rule: Rule
    description: str
    warn_only: bool = False  # a WARN that does not block downstream steps (ERROR and blocking otherwise)


def all_rules() -> list[NamedRule]:
    """Every rule the platform runs, per table (generic ones for each table, then specific ones)."""
    generic = [
        (primary_key_unique, "primary_key_unique", "Primary key is unique and never NULL"),
        (
            required_columns_present,
            "required_columns_present",
            "Required columns are filled (Dev-Mode removals are optional)",
        ),
        (has_rows, "has_rows", "The day has rows"),
        (schema_matches_contract, "schema_matches_contract", "Columns and types match the declared schema"),
    ]
    rules = [NamedRule(t.name, name, make(t), text) for t in TABLES for make, name, text in generic]
    rules += [
        NamedRule(TRACKS.name, "tracks_reference_albums", tracks_reference_albums, "Every track's album exists"),
        NamedRule(
            ALBUMS.name, "track_counts_match_total", track_counts_match_total, "Each album has total_tracks tracks"
        ),
        NamedRule(
            ALBUMS.name, "release_dates_valid", release_dates_valid, "Release dates are valid for their precision"
        ),
        NamedRule(
            ALBUMS.name,
            "listed_albums_available",
            listed_albums_available,
            "Every listed album could be fetched (WARN names those pulled or not in the market)",
            warn_only=True,
        ),
        NamedRule(
            ALBUM_ARTISTS.name,
            "links_reference_known_rows",
            album_artists_reference_known_rows,
            "Album and artist exist",
        ),
        NamedRule(
            TRACK_ARTISTS.name,
            "links_reference_known_rows",
            track_artists_reference_known_rows,
            "Track and artist exist",
        ),
    ]
    return rules
