"""The only queries that read raw files: each file is read (``read_text``) and parsed
(``from_json``) exactly once, into one row per listed album or per track, typed and compact (a
market list becomes its length), with its shape checks (``shape_checks``) as a ``suspect`` column.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from spotify_assets.tables.raw_files import FileKind, read_texts
from spotify_assets.tables.raw_shapes import FULL_ALBUM, LISTED_ALBUM, TRACK, TRACK_PAGE
from spotify_assets.tables.shape_checks import read_structure, suspect_sql

# Track pages carry their album in the file name (see raw_layout.track_page_key).
TRACK_PAGE_ALBUM_PATTERN = r"tracks-([0-9A-Za-z]+)-[0-9]+\.json$"


# Typed values from fields read as JSON; their JSON type is checked separately (shape_checks), so a
# value that reaches a table had the declared type.
def text(value: str) -> str:
    """A JSON string -> VARCHAR (NULL stays NULL)."""
    return f"({value} ->> '$')"


def integer(value: str) -> str:
    """A JSON integer -> BIGINT (NULL beyond its range)."""
    return f"TRY_CAST({value}::VARCHAR AS BIGINT)"


def boolean(value: str) -> str:
    """A JSON boolean -> BOOLEAN."""
    return f"(CASE {value}::VARCHAR WHEN 'true' THEN true WHEN 'false' THEN false END)"


# The columns of a track as staged (``t`` read with read_structure(TRACK)), one row per track: its
# credits as read (only the few distinct artists are converted later) and whether it is suspect.
TRACK_FIELDS = (
    "track_id",
    "name",
    "disc_number",
    "track_number",
    "duration_ms",
    "explicit",
    "is_local",
    "market_count",
    "spotify_url",
    "uri",
    "artists",
)
_TRACK_COLUMNS = f"""
    {text("t.id")} AS track_id, {text("t.name")} AS name, {integer("t.disc_number")} AS disc_number,
    {integer("t.track_number")} AS track_number, {integer("t.duration_ms")} AS duration_ms,
    {boolean("t.explicit")} AS explicit, {boolean("t.is_local")} AS is_local,
    len(t.available_markets) AS market_count, {text("t.external_urls.spotify")} AS spotify_url,
    {text("t.uri")} AS uri, t.artists AS artists,
    coalesce(t IS NOT NULL AND ({suspect_sql(TRACK, "t")}), false) AS suspect"""


def _parsed(files: Sequence[str], structure: dict[str, Any]) -> str:
    """One row per raw file: its name, whether it mentions available_markets at all, its parse."""
    return f"""(SELECT filename, contains(content, '"available_markets"') AS has_available_markets,
                       from_json(content, '{json.dumps(structure)}') AS doc FROM {read_texts(files)})"""


def release_items_select(files: Sequence[str]) -> str:
    """Every listed album of the new-releases pages with its page and index (null items skipped)."""
    return f"""
        SELECT filename, idx, {text("a.id")} AS album_id, {text("a.name")} AS name,
               {text("a.album_type")} AS album_type, {integer("a.total_tracks")} AS total_tracks,
               {text("a.release_date")} AS release_date, {text("a.release_date_precision")} AS precision,
               {text("a.uri")} AS uri, {text("a.external_urls.spotify")} AS spotify_url,
               json_extract_string(a.images, '$[0].url') AS image_url, len(a.available_markets) AS market_count,
               a.artists AS artists, coalesce({suspect_sql(LISTED_ALBUM, "a")}, false) AS suspect
        FROM (SELECT filename, has_available_markets, unnest(doc.albums.items) AS a,
                     unnest(range(len(doc.albums.items))) AS idx
              FROM {_parsed(files, {"albums": {"items": [read_structure(LISTED_ALBUM)]}})})
        WHERE a IS NOT NULL
        """


def batch_tracks_select(files: Sequence[str]) -> str:
    """Every track of every album of every ``albums?ids=`` batch, with its album's full-album fields
    (label, popularity, UPC); an album without tracks keeps one row with a NULL track, so each
    album has exactly one row with ``track_index`` 0. The day's albums are picked later."""
    return f"""
        SELECT filename, album_id, track_index, label, popularity, upc, album_suspect, {_TRACK_COLUMNS}
        FROM (
            SELECT filename, has_available_markets, album_id, label, popularity, upc, album_suspect,
                   unnest(CASE WHEN len(items) > 0 THEN items ELSE [NULL] END) AS t,
                   unnest(range(greatest(len(items), 1))) AS track_index
            FROM (
                SELECT filename, has_available_markets, {text("d.id")} AS album_id, {text("d.label")} AS label,
                       {integer("d.popularity")} AS popularity, json_extract_string(d.external_ids, '$.upc') AS upc,
                       d.tracks.items AS items, coalesce({suspect_sql(FULL_ALBUM, "d")}, false) AS album_suspect
                FROM (SELECT filename, has_available_markets, unnest(doc.albums) AS d
                      FROM {_parsed(files, {"albums": [read_structure(FULL_ALBUM)]})})
                WHERE d IS NOT NULL
            )
        )
        """


def page_tracks_select(files: Sequence[str]) -> str:
    """Every track of every ``albums/{id}/tracks`` page beyond the first, with the album its name
    says; a page whose items do not read as a list keeps one (suspect) row."""
    return f"""
        SELECT filename, regexp_extract(filename, '{TRACK_PAGE_ALBUM_PATTERN}', 1) AS album_id,
               page_suspect, {_TRACK_COLUMNS}
        FROM (SELECT filename, has_available_markets, doc.items IS NULL AS page_suspect,
                     unnest(coalesce(doc.items, [NULL])) AS t
              FROM {_parsed(files, read_structure(TRACK_PAGE))})
        """


@dataclass(frozen=True)
class Scan:
    """Staging table ``table`` is ``select`` over the files of ``kind``."""

    table: str
    kind: FileKind
    select: Callable[[Sequence[str]], str]


SCANS: tuple[Scan, ...] = (
    Scan("batch_tracks", "albums_batches", batch_tracks_select),
    Scan("page_tracks", "track_pages", page_tracks_select),
    Scan("release_items", "release_pages", release_items_select),
)
