"""The DuckDB tables the platform builds: one place for their columns, keys and descriptions.

Every table carries ``snapshot_date`` (the partition) so a rerun of a day replaces that day only.
Columns Spotify removed for Development-Mode apps in 2026 (label, popularity, upc,
available_market_count) are nullable and never a reason to fail. Each column names what its values
come from (``sources``: raw fields, see ``lineage.py``, or other tables' columns): the column
lineage the Dagster UI shows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spotify_assets.tables.lineage import (
    CREDITED,
    FULL_ALBUMS,
    LISTED,
    TRACK_ITEMS,
    UNAVAILABLE_ENTRIES,
    Source,
    each,
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    optional: bool = False  # may be NULL (e.g. removed for Development-Mode apps)
    # What the values are read or computed from; none for the partition date (it is the run's).
    sources: tuple[Source, ...] = ()

    def with_sources(self, *sources: Source) -> Column:
        """The same column in a table that computes it from ``sources`` (a shared column, e.g. the day)."""
        return replace(self, sources=sources)


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

    def source(self, *names: str) -> tuple[Source, ...]:
        """These columns as the sources of another table's column (ValueError for a column it lacks)."""
        missing = [name for name in names if name not in self.column_names]
        if missing:
            raise ValueError(f"{self.name} has no column {', '.join(missing)}")
        return tuple(Source(self.name, name) for name in names)


SNAPSHOT = Column("snapshot_date", "DATE", "Run date (partition) of the new-releases snapshot")

ALBUMS = Table(
    name="albums",
    description="One row per album listed in the day's new releases",
    primary_key=("snapshot_date", "album_id"),
    columns=(
        SNAPSHOT,
        Column("album_id", "VARCHAR", "Spotify album id (base-62)", sources=LISTED.source("id")),
        Column("position", "INTEGER", "0-based rank in the day's new-releases listing", sources=LISTED.source()),
        Column("name", "VARCHAR", "Album name", sources=LISTED.source("name")),
        Column("album_type", "VARCHAR", "album, single or compilation", sources=LISTED.source("album_type")),
        Column(
            "total_tracks",
            "INTEGER",
            "Number of tracks Spotify reports for the album",
            sources=LISTED.source("total_tracks"),
        ),
        Column(
            "release_date", "VARCHAR", "Release date as given, at its precision", sources=LISTED.source("release_date")
        ),
        Column(
            "release_date_precision",
            "VARCHAR",
            "day, month or year",
            sources=LISTED.source("release_date_precision"),
        ),
        Column(
            "release_date_start",
            "DATE",
            "First day the release date can mean",
            sources=LISTED.source("release_date", "release_date_precision"),
        ),
        Column(
            "label",
            "VARCHAR",
            "Record label (absent for Development-Mode apps)",
            optional=True,
            sources=FULL_ALBUMS.source("label"),
        ),
        Column(
            "popularity",
            "INTEGER",
            "0-100 popularity (absent for Development-Mode apps)",
            optional=True,
            sources=FULL_ALBUMS.source("popularity"),
        ),
        Column(
            "upc", "VARCHAR", "UPC from external_ids", optional=True, sources=FULL_ALBUMS.source("external_ids.upc")
        ),
        Column(
            "available_market_count",
            "INTEGER",
            "Markets the album is available in",
            optional=True,
            sources=LISTED.source("available_markets"),
        ),
        Column("image_url", "VARCHAR", "Largest cover image", optional=True, sources=LISTED.source("images[].url")),
        Column(
            "spotify_url",
            "VARCHAR",
            "open.spotify.com link",
            optional=True,
            sources=LISTED.source("external_urls.spotify"),
        ),
        Column("uri", "VARCHAR", "spotify:album:<id>", sources=LISTED.source("uri")),
    ),
)

ARTISTS = Table(
    name="artists",
    description="Distinct artists credited on the day's albums or their tracks",
    primary_key=("snapshot_date", "artist_id"),
    columns=(
        SNAPSHOT,
        Column("artist_id", "VARCHAR", "Spotify artist id", sources=each(CREDITED, "id")),
        Column("name", "VARCHAR", "Artist name", sources=each(CREDITED, "name")),
        Column(
            "spotify_url",
            "VARCHAR",
            "open.spotify.com link",
            optional=True,
            sources=each(CREDITED, "external_urls.spotify"),
        ),
        Column("uri", "VARCHAR", "spotify:artist:<id>", sources=each(CREDITED, "uri")),
    ),
)

ALBUM_ARTISTS = Table(
    name="album_artists",
    description="Which artists an album credits, in credit order",
    primary_key=("snapshot_date", "album_id", "artist_id"),
    columns=(
        SNAPSHOT,
        Column("album_id", "VARCHAR", "Album id", sources=LISTED.source("id")),
        Column("artist_id", "VARCHAR", "Artist id", sources=LISTED.source("artists[].id")),
        Column("artist_position", "INTEGER", "0-based credit position", sources=LISTED.source("artists[]")),
    ),
)

TRACKS = Table(
    name="tracks",
    description="Every track of every album in the day's new releases",
    primary_key=("snapshot_date", "track_id"),
    columns=(
        SNAPSHOT,
        Column("track_id", "VARCHAR", "Spotify track id", sources=each(TRACK_ITEMS, "id")),
        # A track page names its album in its file name (raw_scans.TRACK_PAGE_ALBUM_PATTERN), not in a field.
        Column("album_id", "VARCHAR", "Album the track belongs to", sources=FULL_ALBUMS.source("id")),
        Column("name", "VARCHAR", "Track name", sources=each(TRACK_ITEMS, "name")),
        Column("disc_number", "INTEGER", "Disc number (1-based)", sources=each(TRACK_ITEMS, "disc_number")),
        Column(
            "track_number", "INTEGER", "Track number on its disc (1-based)", sources=each(TRACK_ITEMS, "track_number")
        ),
        Column("duration_ms", "BIGINT", "Duration in milliseconds", sources=each(TRACK_ITEMS, "duration_ms")),
        Column("explicit", "BOOLEAN", "Explicit lyrics", sources=each(TRACK_ITEMS, "explicit")),
        Column(
            "is_local",
            "BOOLEAN",
            "Local file (always false for catalog tracks)",
            optional=True,
            sources=each(TRACK_ITEMS, "is_local"),
        ),
        Column(
            "available_market_count",
            "INTEGER",
            "Markets the track is available in",
            optional=True,
            sources=each(TRACK_ITEMS, "available_markets"),
        ),
        Column(
            "spotify_url",
            "VARCHAR",
            "open.spotify.com link",
            optional=True,
            sources=each(TRACK_ITEMS, "external_urls.spotify"),
        ),
        Column("uri", "VARCHAR", "spotify:track:<id>", sources=each(TRACK_ITEMS, "uri")),
    ),
)

TRACK_ARTISTS = Table(
    name="track_artists",
    description="Which artists a track credits, in credit order",
    primary_key=("snapshot_date", "track_id", "artist_id"),
    columns=(
        SNAPSHOT,
        Column("track_id", "VARCHAR", "Track id", sources=each(TRACK_ITEMS, "id")),
        Column("artist_id", "VARCHAR", "Artist id", sources=each(TRACK_ITEMS, "artists[].id")),
        Column("artist_position", "INTEGER", "0-based credit position", sources=each(TRACK_ITEMS, "artists[]")),
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
        # The manifest's entries are keyed by album id.
        Column("album_id", "VARCHAR", "Spotify album id, as listed", sources=UNAVAILABLE_ENTRIES.source()),
        Column(
            "endpoint",
            "VARCHAR",
            "What answered: 'albums' (albums?ids= gave null) or 'albums/{id}/tracks' (404)",
            sources=UNAVAILABLE_ENTRIES.source("endpoint"),
        ),
        Column("status", "INTEGER", "HTTP status of that answer", sources=UNAVAILABLE_ENTRIES.source("status")),
        Column("message", "VARCHAR", "What the API said", sources=UNAVAILABLE_ENTRIES.source("message")),
        Column("url", "VARCHAR", "The request (token-free)", sources=UNAVAILABLE_ENTRIES.source("url")),
    ),
)
