"""Raw Spotify JSON -> the five DuckDB tables, as set-based SQL (no Python loop over rows).

DuckDB reads the raw files itself (``read_json_objects``) and ``from_json`` casts each document to
an explicit struct type, so fields that are absent (Development-Mode apps lost label, popularity,
available_markets, ...) become NULL instead of breaking the load, and extra fields are ignored.
A day's rows are replaced in one transaction: readers see the old day or the new day, never half.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from spotify_assets.transform.releases import RawDataError
from spotify_assets.transform.schema import ALBUM_ARTISTS, ALBUMS, ARTISTS, TABLES, TRACK_ARTISTS, TRACKS, Table

# Struct types for from_json, composed once so the listing, the full album and the track agree.
_EXTERNAL_URLS = {"spotify": "VARCHAR"}
_ARTIST = {"id": "VARCHAR", "name": "VARCHAR", "uri": "VARCHAR", "external_urls": _EXTERNAL_URLS}
_TRACK = {
    "id": "VARCHAR",
    "name": "VARCHAR",
    "disc_number": "BIGINT",
    "track_number": "BIGINT",
    "duration_ms": "BIGINT",
    "explicit": "BOOLEAN",
    "is_local": "BOOLEAN",
    "uri": "VARCHAR",
    "external_urls": _EXTERNAL_URLS,
    "artists": [_ARTIST],
    "available_markets": ["VARCHAR"],
}
_LISTED_ALBUM = {
    "id": "VARCHAR",
    "name": "VARCHAR",
    "album_type": "VARCHAR",
    "total_tracks": "BIGINT",
    "release_date": "VARCHAR",
    "release_date_precision": "VARCHAR",
    "uri": "VARCHAR",
    "external_urls": _EXTERNAL_URLS,
    "images": [{"url": "VARCHAR", "width": "BIGINT"}],
    "artists": [_ARTIST],
    "available_markets": ["VARCHAR"],
}
_FULL_ALBUM = {
    "id": "VARCHAR",
    "label": "VARCHAR",
    "popularity": "BIGINT",
    "external_ids": {"upc": "VARCHAR"},
    "tracks": {"items": [_TRACK]},
}
RELEASE_PAGE_TYPE = json.dumps({"albums": {"items": [_LISTED_ALBUM]}})
ALBUMS_BATCH_TYPE = json.dumps([_FULL_ALBUM])
TRACKS_PAGE_TYPE = json.dumps([_TRACK])

# Track pages carry their album in the file name (see raw_layout.track_page_key).
TRACK_PAGE_ALBUM_PATTERN = r"tracks-([0-9A-Za-z]+)-[0-9]+\.json$"
MAX_OBJECT_BYTES = 1 << 28


@dataclass(frozen=True)
class RawSnapshotFiles:
    """Local paths of the raw files that make up one day's snapshot.

    ``album_sources`` pairs each album with the files holding its tracks. A batch file holds 20
    albums, and one landed on an earlier day may hold an older version of an album that was
    refetched since; only the pairs listed here are read, so each album comes from its own files.
    """

    release_pages: Sequence[str]
    albums_batches: Sequence[str]
    track_pages: Sequence[str]
    album_sources: Sequence[tuple[str, str]]  # (file path, album id)


def ensure_tables(conn: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES:
        conn.execute(table.create_sql())


def load_snapshot(conn: duckdb.DuckDBPyConnection, day: date, files: RawSnapshotFiles) -> dict[str, int]:
    """Replace ``day``'s rows of every table with what the raw files say; returns row counts."""
    ensure_tables(conn)
    reject_malformed_items(conn, files)
    _stage_album_sources(conn, files.album_sources)
    _stage_release_albums(conn, files.release_pages)
    _stage_album_details(conn, files.albums_batches)
    _stage_tracks(conn, files.track_pages)
    conn.execute("BEGIN TRANSACTION")
    try:
        for table in TABLES:
            conn.execute(f"DELETE FROM {table.name} WHERE snapshot_date = ?", [day])
            conn.execute(_INSERT_SQL[table.name], [day])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        _drop_staging(conn)
    return row_counts(conn, day)


def row_counts(conn: duckdb.DuckDBPyConnection, day: date) -> dict[str, int]:
    counts = " UNION ALL ".join(
        f"SELECT '{table.name}', count(*) FROM {table.name} WHERE snapshot_date = $day" for table in TABLES
    )
    return dict(conn.execute(counts, {"day": day}).fetchall())


def _read_objects(files: Sequence[str]) -> str:
    """A FROM clause over raw JSON documents (one row per file) with their file names.

    An empty file list becomes an empty relation of the same columns, so every query below
    works unchanged for a day without (say) extra track pages.
    """
    if not files:
        return "(SELECT NULL::JSON AS json, NULL::VARCHAR AS filename WHERE false)"
    return (
        f"read_json_objects({_sql_list(files)}, format='auto', filename=true, "
        f"maximum_object_size={MAX_OBJECT_BYTES})"
    )


def _sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


# JSON types a field of each declared type may have (null or absent is always fine: optional).
_JSON_TYPES = {"VARCHAR": ("VARCHAR",), "BIGINT": ("BIGINT", "UBIGINT"), "BOOLEAN": ("BOOLEAN",)}
_ITEM_SHAPES: list[tuple[str, str, dict[str, Any], bool]] = [  # (which files, JSON path of items, spec, id required)
    ("release_pages", "$.albums.items[*]", _LISTED_ALBUM, True),
    ("release_pages", "$.albums.items[*].artists[*]", _ARTIST, False),
    ("albums_batches", "$.albums[*]", _FULL_ALBUM, True),
    ("albums_batches", "$.albums[*].tracks.items[*]", _TRACK, True),
    ("albums_batches", "$.albums[*].tracks.items[*].artists[*]", _ARTIST, False),
    ("track_pages", "$", {"items": [_TRACK]}, False),
    ("track_pages", "$.items[*]", _TRACK, True),
    ("track_pages", "$.items[*].artists[*]", _ARTIST, False),
]


def reject_malformed_items(conn: duckdb.DuckDBPyConnection, files: RawSnapshotFiles) -> None:
    """Fail, naming the file and the field, on a raw item of the wrong shape.

    ``from_json`` turns a value of the wrong type into NULL without a word, and the staging
    queries drop rows whose id is NULL: a track sent as ``"id": 5`` or ``"duration_ms": "abc"``
    would vanish or lose a value silently. Null items (Spotify pads with them) and absent fields
    (removed for Development-Mode apps) stay fine.
    """
    for attribute, path, spec, id_required in _ITEM_SHAPES:
        sources = getattr(files, attribute)
        if not sources:
            continue
        problem = conn.execute(_shape_problems_sql(sources, path, spec, id_required)).fetchone()
        if problem is not None:
            filename, position, item_id, what = problem
            where = f"item {position} of {path}" + (f" (id {item_id})" if item_id else "")
            raise RawDataError(f"{filename}: {where}: {what}; the raw file is kept, fix the source or the schema")


def _declared_fields(spec: dict[str, Any], prefix: str = "") -> list[tuple[str, tuple[str, ...]]]:
    """(dotted field name, JSON types it may have) for every field of ``spec``, nested objects included."""
    fields = []
    for name, declared in spec.items():
        label = f"{prefix}{name}"
        allowed = ("ARRAY",) if isinstance(declared, list) else ("OBJECT",) if isinstance(declared, dict) else _JSON_TYPES[declared]
        fields.append((label, allowed))
        if isinstance(declared, dict):
            fields += _declared_fields(declared, f"{label}.")
    return fields


def _shape_problems_sql(files: Sequence[str], path: str, spec: dict[str, Any], id_required: bool) -> str:
    """The first (file, position, id, problem) among the items at ``path`` of ``files``, if any.

    Each item is parsed once: ``json_extract`` with a list of paths pulls every declared field in
    one pass, and only the small extracted values are typed (``->`` per field re-parses the item).
    """
    fields = _declared_fields(spec)
    paths = ", ".join(f"'$.{label}'" for label, _ in fields)
    branches = ["WHEN json_type(item) <> 'OBJECT' THEN 'is ' || json_type(item) || ', not an object'"]
    if id_required:
        branches.append("WHEN json_type(item->'id') IS DISTINCT FROM 'VARCHAR' THEN 'id is missing or not a string'")
    for index, (label, allowed) in enumerate(fields, start=1):
        allowed_sql = ", ".join(f"'{t}'" for t in ("NULL", *allowed))
        branches.append(
            f"WHEN coalesce(json_type(v[{index}]), 'NULL') NOT IN ({allowed_sql}) "
            f"THEN '{label} is ' || json_type(v[{index}]) || ', expected {'/'.join(allowed)}'"
        )
    items = "[json]" if path == "$" else f"json_extract(json, '{path}')"
    return f"""
        SELECT filename, position, item_id, problem FROM (
            SELECT filename, position, item_id, CASE {' '.join(branches)} END AS problem FROM (
                SELECT filename, position, item,
                       CASE WHEN json_type(item) = 'OBJECT' THEN item->>'id' END AS item_id,
                       CASE WHEN json_type(item) = 'OBJECT' THEN json_extract(item, [{paths}]) END AS v
                FROM (SELECT filename, unnest(items) AS item, unnest(range(len(items))) AS position
                      FROM (SELECT filename, {items} AS items FROM {_read_objects(files)}))
                WHERE coalesce(json_type(item), 'NULL') <> 'NULL'
            )
        )
        WHERE problem IS NOT NULL
        ORDER BY filename, position
        LIMIT 1
        """


def _stage_release_albums(conn: duckdb.DuckDBPyConnection, files: Sequence[str]) -> None:
    """The day's listing: each album once, at its first position across pages."""
    source = f"""
        SELECT filename, unnest(doc.albums.items) AS a, unnest(range(len(doc.albums.items))) AS idx
        FROM (SELECT filename, from_json(json, '{RELEASE_PAGE_TYPE}') AS doc FROM {_read_objects(files)})
        """
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE stg_release AS
        SELECT a, row_number() OVER (ORDER BY first_seen) - 1 AS position
        FROM (
            SELECT a, row_number() OVER (ORDER BY filename, idx) AS first_seen
            FROM ({source})
            WHERE a.id IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY a.id ORDER BY filename, idx) = 1
        )
        """
    )


def _stage_album_sources(conn: duckdb.DuckDBPyConnection, sources: Sequence[tuple[str, str]]) -> None:
    conn.execute("CREATE OR REPLACE TEMP TABLE stg_sources (filename VARCHAR, album_id VARCHAR)")
    frame = pd.DataFrame(list(sources), columns=["filename", "album_id"])  # noqa: F841 (scanned by DuckDB)
    conn.execute("INSERT INTO stg_sources SELECT filename, album_id FROM frame")


def _stage_album_details(conn: duckdb.DuckDBPyConnection, batch_files: Sequence[str]) -> None:
    """Full-album fields only ``albums?ids=`` returns (label, popularity, UPC); absent otherwise."""
    source = f"""
        SELECT filename, unnest(from_json(json->'albums', '{ALBUMS_BATCH_TYPE}')) AS d
        FROM {_read_objects(batch_files)}"""
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE stg_album_batch AS
        SELECT b.d FROM ({source}) b SEMI JOIN stg_sources s ON s.filename = b.filename AND s.album_id = b.d.id
        QUALIFY row_number() OVER (PARTITION BY b.d.id ORDER BY b.filename) = 1
        """
    )


def _stage_tracks(conn: duckdb.DuckDBPyConnection, page_files: Sequence[str]) -> None:
    """Tracks embedded in album batches plus extra track pages, kept for the day's albums, each once."""
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE stg_tracks AS
        SELECT album_id, t FROM (
            SELECT d.id AS album_id, unnest(d.tracks.items) AS t FROM stg_album_batch
            UNION ALL
            SELECT p.album_id, p.t FROM (
                SELECT filename, regexp_extract(filename, '{TRACK_PAGE_ALBUM_PATTERN}', 1) AS album_id,
                       unnest(from_json(json->'items', '{TRACKS_PAGE_TYPE}')) AS t
                FROM {_read_objects(page_files)}
            ) p SEMI JOIN stg_sources s ON s.filename = p.filename AND s.album_id = p.album_id
        )
        WHERE t.id IS NOT NULL AND album_id IN (SELECT a.id FROM stg_release)
        QUALIFY row_number() OVER (PARTITION BY t.id ORDER BY album_id) = 1
        """
    )


def _drop_staging(conn: duckdb.DuckDBPyConnection) -> None:
    for name in ("stg_sources", "stg_release", "stg_album_batch", "stg_tracks"):
        conn.execute(f"DROP TABLE IF EXISTS {name}")


def _insert(table: Table, select: str) -> str:
    return f"INSERT INTO {table.name} ({', '.join(table.column_names)}) {select}"


def _credits_select(owner_key: str, struct: str, staging: str) -> str:
    """Artist credits of an album or a track, in credit order (an artist credited twice: first place)."""
    return f"""
        SELECT ?, {owner_key}, artist.id, min(artist_position)
        FROM (SELECT {struct}.id AS {owner_key}, unnest({struct}.artists) AS artist,
                     unnest(range(len({struct}.artists))) AS artist_position FROM {staging})
        WHERE artist.id IS NOT NULL
        GROUP BY {owner_key}, artist.id
        """


_RELEASE_DATE_START = """
    CASE a.release_date_precision
        WHEN 'day' THEN TRY_CAST(a.release_date AS DATE)
        WHEN 'month' THEN TRY_CAST(a.release_date || '-01' AS DATE)
        WHEN 'year' THEN TRY_CAST(a.release_date || '-01-01' AS DATE)
    END"""

_INSERT_SQL: dict[str, str] = {
    ALBUMS.name: _insert(
        ALBUMS,
        f"""
        SELECT ?, a.id, position, a.name, a.album_type, a.total_tracks, a.release_date,
               a.release_date_precision, {_RELEASE_DATE_START}, d.label, d.popularity, d.external_ids.upc,
               len(a.available_markets), a.images[1].url, a.external_urls.spotify, a.uri
        FROM stg_release LEFT JOIN stg_album_batch ON d.id = a.id
        """,
    ),
    ARTISTS.name: _insert(
        ARTISTS,
        """
        SELECT ?, artist.id, min(artist.name), min(artist.external_urls.spotify), min(artist.uri)
        FROM (
            SELECT unnest(a.artists) AS artist FROM stg_release
            UNION ALL
            SELECT unnest(t.artists) AS artist FROM stg_tracks
        )
        WHERE artist.id IS NOT NULL
        GROUP BY artist.id
        """,
    ),
    ALBUM_ARTISTS.name: _insert(ALBUM_ARTISTS, _credits_select("album_id", "a", "stg_release")),
    TRACKS.name: _insert(
        TRACKS,
        """
        SELECT ?, t.id, album_id, t.name, t.disc_number, t.track_number, t.duration_ms, t.explicit,
               t.is_local, len(t.available_markets), t.external_urls.spotify, t.uri
        FROM stg_tracks
        """,
    ),
    TRACK_ARTISTS.name: _insert(TRACK_ARTISTS, _credits_select("track_id", "t", "stg_tracks")),
}
