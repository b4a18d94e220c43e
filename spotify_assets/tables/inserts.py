"""The five tables' rows for one day, as INSERT ... SELECT statements over the staging tables.

Each statement takes the day as its only parameter (``$1``, or ``?`` where it is used once).
"""

from __future__ import annotations

from collections.abc import Callable

from spotify_assets.tables.raw_scans import text
from spotify_assets.tables.schema import ALBUM_ARTISTS, ALBUMS, ARTISTS, TRACK_ARTISTS, TRACKS, Table
from spotify_assets.tables.staging import Staging

# The first day a release date can mean, at its precision.
_RELEASE_DATE_START = """
    CASE precision
        WHEN 'day' THEN TRY_CAST(release_date AS DATE)
        WHEN 'month' THEN TRY_CAST(release_date || '-01' AS DATE)
        WHEN 'year' THEN TRY_CAST(release_date || '-01-01' AS DATE)
    END"""


def insert_sql(table: Table, stg: Staging) -> str:
    """The statement inserting ``table``'s rows of the day (the parameter) from ``stg``."""
    return f"INSERT INTO {table.name} ({', '.join(table.column_names)}) {_SELECTS[table.name](stg)}"


def _albums_select(stg: Staging) -> str:
    return f"""
        SELECT ?, r.album_id, position, name, album_type, total_tracks, release_date, precision,
               {_RELEASE_DATE_START}, d.label, d.popularity, d.upc, market_count, image_url, spotify_url, uri
        FROM {stg.release} r LEFT JOIN {stg.album_batch} d ON d.album_id = r.album_id
        """


def _artists_select(stg: Staging) -> str:
    """Every artist credited on the day's albums or tracks, once (converted only here: few distinct)."""
    return f"""
        SELECT ?, {text("id")} AS artist_id, min({text("name")}), min({text("spotify_url")}), min({text("uri")})
        FROM (
            SELECT DISTINCT artist.id, artist.name, artist.uri, artist.external_urls.spotify AS spotify_url FROM (
                SELECT unnest(artists) AS artist FROM {stg.release}
                UNION ALL
                SELECT unnest(artists) AS artist FROM {stg.tracks}
            )
            WHERE artist.id IS NOT NULL
        )
        GROUP BY artist_id
        """


def _tracks_select(stg: Staging) -> str:
    return f"""
        SELECT ?, track_id, album_id, name, disc_number, track_number, duration_ms, explicit, is_local,
               market_count, spotify_url, uri
        FROM {stg.tracks}
        """


def _credits_select(owner_key: str, owners: str) -> str:
    """Artist credits of the ``owners`` (albums or tracks, keyed by ``owner_key``), in credit order; an
    artist credited twice keeps its first place. Only owners with several artists can credit one
    twice: the others skip the grouping."""
    return f"""
        SELECT $1, {owner_key}, {text("artists[1].id")}, 0 FROM {owners}
        WHERE len(artists) = 1 AND artists[1].id IS NOT NULL
        UNION ALL
        SELECT $1, {owner_key}, {text("artist_id")}, min(artist_position)
        FROM (SELECT {owner_key}, unnest(artists).id AS artist_id, unnest(range(len(artists))) AS artist_position
              FROM {owners} WHERE len(artists) > 1)
        WHERE artist_id IS NOT NULL
        GROUP BY {owner_key}, artist_id
        """


# Each table's SELECT, in the order of its columns in schema.py.
_SELECTS: dict[str, Callable[[Staging], str]] = {
    ALBUMS.name: _albums_select,
    ARTISTS.name: _artists_select,
    ALBUM_ARTISTS.name: lambda stg: _credits_select("album_id", stg.release),
    TRACKS.name: _tracks_select,
    TRACK_ARTISTS.name: lambda stg: _credits_select("track_id", stg.tracks),
}
