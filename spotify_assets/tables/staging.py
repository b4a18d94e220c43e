"""One load's staging tables: the parsed raw items, then the day's albums and tracks, each once.

They live in a private in-memory database attached to the connection's database instance (so the
cursors parsing shards of files in parallel see it) and detached at the end, so the connection is
left as found. The tables' inserts (``inserts.py``) read them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spotify_assets.tables.raw_files import FILE_KINDS, FileKind
from spotify_assets.tables.raw_scans import TRACK_FIELDS
from spotify_assets.tables.raw_shapes import ARTIST
from spotify_assets.tables.shape_checks import suspect_sql
from spotify_assets.tables.sql import records

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class Staging:
    """The qualified names of one load's staging tables, all in the database ``database``."""

    database: str

    def table(self, name: str) -> str:
        return f"{self.database}.{name}"

    # parsed from the raw files (parse.parse_raw_files) and from the manifest
    @property
    def release_items(self) -> str:
        return self.table("release_items")

    @property
    def batch_tracks(self) -> str:
        return self.table("batch_tracks")

    @property
    def page_tracks(self) -> str:
        return self.table("page_tracks")

    @property
    def sources(self) -> str:
        return self.table("sources")

    # the day's rows, each once
    @property
    def release(self) -> str:
        return self.table("release")

    @property
    def album_batch(self) -> str:
        return self.table("album_batch")

    @property
    def tracks(self) -> str:
        return self.table("tracks")


@contextmanager
def attached_staging(conn: duckdb.DuckDBPyConnection) -> Iterator[Staging]:
    """A fresh in-memory staging database on ``conn``, detached (and so dropped) on exit."""
    staging = Staging(f"flatten_staging_{uuid.uuid4().hex[:12]}")
    conn.execute(f"ATTACH ':memory:' AS {staging.database}")
    try:
        yield staging
    finally:
        conn.execute(f"DETACH {staging.database}")


def stage_album_sources(conn: duckdb.DuckDBPyConnection, stg: Staging, sources: Sequence[tuple[str, str]]) -> None:
    """The (file, album id) pairs of the manifest: which files an album may be read from."""
    # Two list parameters unnested side by side: one statement, and no pandas (0.25 s of import).
    filenames, album_ids = [s[0] for s in sources], [s[1] for s in sources]
    conn.execute(
        f"CREATE TABLE {stg.sources} AS SELECT unnest(?::VARCHAR[]) AS filename, unnest(?::VARCHAR[]) AS album_id",
        [filenames, album_ids],
    )


def suspect_files(conn: duckdb.DuckDBPyConnection, stg: Staging) -> dict[FileKind, list[str]]:
    """The files with an item the one-parse checks found suspect (normally none): kind -> sorted files."""
    rows = records(
        conn.execute(
            f"""
        SELECT DISTINCT 'release_pages' AS kind, filename FROM {stg.release_items} WHERE suspect
        UNION ALL SELECT DISTINCT 'albums_batches', filename FROM {stg.batch_tracks} WHERE album_suspect OR suspect
        UNION ALL SELECT DISTINCT 'track_pages', filename FROM {stg.page_tracks} WHERE page_suspect OR suspect
        UNION ALL SELECT DISTINCT kind, filename FROM (
            SELECT 'release_pages' AS kind, filename, unnest(artists) AS a FROM {stg.release_items}
            UNION ALL SELECT 'albums_batches', filename, unnest(artists) FROM {stg.batch_tracks}
            UNION ALL SELECT 'track_pages', filename, unnest(artists) FROM {stg.page_tracks})
        WHERE a IS NOT NULL AND ({suspect_sql(ARTIST, "a")})
        """
        )
    )
    return {kind: sorted({r["filename"] for r in rows if r["kind"] == kind}) for kind in FILE_KINDS}


def stage_day(conn: duckdb.DuckDBPyConnection, stg: Staging) -> None:
    """From the parsed items, the day's listing, its albums' batch rows and their tracks."""
    # The day's listing: each album once, at its first position across pages (found on narrow rows:
    # a window over the full rows would carry their artist lists along).
    conn.execute(
        f"""
        CREATE TABLE {stg.release} AS
        WITH firsts AS (
            SELECT min({{'filename': filename, 'idx': idx}}) AS first FROM {stg.release_items}
            WHERE album_id IS NOT NULL GROUP BY album_id
        ), positions AS (
            SELECT first.filename, first.idx, row_number() OVER (ORDER BY first.filename, first.idx) - 1 AS position
            FROM firsts
        )
        SELECT r.* EXCLUDE (suspect), p.position
        FROM {stg.release_items} r JOIN positions p ON p.filename = r.filename AND p.idx = r.idx
        """
    )
    # Which batch file each of the day's albums is read from: the first of the files its manifest
    # assigns to it (an older batch file may hold an older version), with its full-album fields.
    conn.execute(
        f"""
        CREATE TABLE {stg.album_batch} AS
        SELECT b.filename, b.album_id, b.label, b.popularity, b.upc FROM {stg.batch_tracks} b
        SEMI JOIN {stg.sources} s ON s.filename = b.filename AND s.album_id = b.album_id
        WHERE b.track_index = 0 AND b.album_id IN (SELECT album_id FROM {stg.release})
        QUALIFY row_number() OVER (PARTITION BY b.album_id ORDER BY b.filename) = 1
        """
    )
    _stage_tracks(conn, stg)


def _stage_tracks(conn: duckdb.DuckDBPyConnection, stg: Staging) -> None:
    """Tracks embedded in album batches plus extra track pages, kept for the day's albums, each once.

    A view (the tables read it directly); materialized only when a track id repeats, to keep the
    first (by album id) of its copies."""
    fields = ", ".join(TRACK_FIELDS)
    track_rows = stg.table("track_rows")
    conn.execute(
        f"""
        CREATE VIEW {track_rows} AS
        SELECT album_id, {fields} FROM (
            SELECT album_id, {fields} FROM {stg.batch_tracks} b
            SEMI JOIN {stg.album_batch} s ON s.filename = b.filename AND s.album_id = b.album_id
            UNION ALL
            SELECT album_id, {fields} FROM {stg.page_tracks} p
            SEMI JOIN {stg.sources} s ON s.filename = p.filename AND s.album_id = p.album_id
        )
        WHERE track_id IS NOT NULL AND album_id IN (SELECT album_id FROM {stg.release})
        """
    )
    counted = records(conn.execute(f"SELECT count(*) - count(DISTINCT track_id) AS repeated FROM {track_rows}"))
    if counted[0]["repeated"]:
        conn.execute(
            f"""
            CREATE TABLE {stg.tracks} AS SELECT * FROM {track_rows}
            QUALIFY row_number() OVER (PARTITION BY track_id ORDER BY album_id) = 1
            """
        )
    else:
        conn.execute(f"CREATE VIEW {stg.tracks} AS SELECT * FROM {track_rows}")
