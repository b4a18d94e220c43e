"""The DuckDB tables the platform builds: one place for their columns, keys and descriptions.

Every table carries ``snapshot_date`` (the partition) so a rerun of a day replaces that day only.
Columns Spotify removed for Development-Mode apps in 2026 (label, popularity, upc,
available_market_count) are nullable and never a reason to fail.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    optional: bool = False  # may be NULL (e.g. removed for Development-Mode apps)


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]

    def create_sql(self) -> str:
        """DDL without PRIMARY KEY constraints: DuckDB rejects delete+reinsert of a key in one
        transaction, which a day's replacement needs; uniqueness is an asset check instead."""
        body = ",\n  ".join(f"{c.name} {c.type}" for c in self.columns)
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {body}\n)"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


SNAPSHOT = Column("snapshot_date", "DATE", "Run date (partition) of the new-releases snapshot")

ALBUMS = Table(
    name="albums",
    description="One row per album listed in the day's new releases",
    primary_key=("snapshot_date", "album_id"),
    columns=(
        SNAPSHOT,
        Column("album_id", "VARCHAR", "Spotify album id (base-62)"),
        Column("position", "INTEGER", "0-based rank in the day's new-releases listing"),
        Column("name", "VARCHAR", "Album name"),
        Column("album_type", "VARCHAR", "album, single or compilation"),
        Column("total_tracks", "INTEGER", "Number of tracks Spotify reports for the album"),
        Column("release_date", "VARCHAR", "Release date as given, at its precision"),
        Column("release_date_precision", "VARCHAR", "day, month or year"),
        Column("release_date_start", "DATE", "First day the release date can mean"),
        Column("label", "VARCHAR", "Record label (absent for Development-Mode apps)", optional=True),
        Column("popularity", "INTEGER", "0-100 popularity (absent for Development-Mode apps)", optional=True),
        Column("upc", "VARCHAR", "UPC from external_ids", optional=True),
        Column("available_market_count", "INTEGER", "Markets the album is available in", optional=True),
        Column("image_url", "VARCHAR", "Largest cover image", optional=True),
        Column("spotify_url", "VARCHAR", "open.spotify.com link", optional=True),
        Column("uri", "VARCHAR", "spotify:album:<id>"),
    ),
)

ARTISTS = Table(
    name="artists",
    description="Distinct artists credited on the day's albums or their tracks",
    primary_key=("snapshot_date", "artist_id"),
    columns=(
        SNAPSHOT,
        Column("artist_id", "VARCHAR", "Spotify artist id"),
        Column("name", "VARCHAR", "Artist name"),
        Column("spotify_url", "VARCHAR", "open.spotify.com link", optional=True),
        Column("uri", "VARCHAR", "spotify:artist:<id>"),
    ),
)

ALBUM_ARTISTS = Table(
    name="album_artists",
    description="Which artists an album credits, in credit order",
    primary_key=("snapshot_date", "album_id", "artist_id"),
    columns=(
        SNAPSHOT,
        Column("album_id", "VARCHAR", "Album id"),
        Column("artist_id", "VARCHAR", "Artist id"),
        Column("artist_position", "INTEGER", "0-based credit position"),
    ),
)

TRACKS = Table(
    name="tracks",
    description="Every track of every album in the day's new releases",
    primary_key=("snapshot_date", "track_id"),
    columns=(
        SNAPSHOT,
        Column("track_id", "VARCHAR", "Spotify track id"),
        Column("album_id", "VARCHAR", "Album the track belongs to"),
        Column("name", "VARCHAR", "Track name"),
        Column("disc_number", "INTEGER", "Disc number (1-based)"),
        Column("track_number", "INTEGER", "Track number on its disc (1-based)"),
        Column("duration_ms", "BIGINT", "Duration in milliseconds"),
        Column("explicit", "BOOLEAN", "Explicit lyrics"),
        Column("is_local", "BOOLEAN", "Local file (always false for catalog tracks)", optional=True),
        Column("available_market_count", "INTEGER", "Markets the track is available in", optional=True),
        Column("spotify_url", "VARCHAR", "open.spotify.com link", optional=True),
        Column("uri", "VARCHAR", "spotify:track:<id>"),
    ),
)

TRACK_ARTISTS = Table(
    name="track_artists",
    description="Which artists a track credits, in credit order",
    primary_key=("snapshot_date", "track_id", "artist_id"),
    columns=(
        SNAPSHOT,
        Column("track_id", "VARCHAR", "Track id"),
        Column("artist_id", "VARCHAR", "Artist id"),
        Column("artist_position", "INTEGER", "0-based credit position"),
    ),
)

TABLES: tuple[Table, ...] = (ALBUMS, ARTISTS, ALBUM_ARTISTS, TRACKS, TRACK_ARTISTS)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

# Not in TABLES: it is built from the tracks manifest (not from raw pages) and is normally empty,
# so the generic per-table rules (has_rows, ...) do not apply to it.
UNAVAILABLE_ALBUMS = Table(
    name="unavailable_albums",
    description=(
        "Albums listed in the day's new releases that the API would not serve when their tracks were "
        "fetched (pulled or not in the market): kept in albums, without tracks"
    ),
    primary_key=("snapshot_date", "album_id"),
    columns=(
        SNAPSHOT,
        Column("album_id", "VARCHAR", "Spotify album id, as listed"),
        Column("endpoint", "VARCHAR", "What answered: 'albums' (albums?ids= gave null) or 'albums/{id}/tracks' (404)"),
        Column("status", "INTEGER", "HTTP status of that answer"),
        Column("message", "VARCHAR", "What the API said"),
        Column("url", "VARCHAR", "The request (token-free)"),
    ),
)
