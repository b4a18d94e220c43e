"""The shape of the raw items the tables are built from, as Spotify documents them.

A shape maps each field the platform reads to what it must be when present: a scalar, named as
DuckDB's ``json_type()`` names it; an object (a nested shape); or a list of one such thing. Null
and absent fields are always fine (Spotify removed label, popularity, available_markets, ... for
Development-Mode apps in 2026) and fields not named here are ignored. Composed once, so the listing,
the full album and the track agree; both the one-parse checks and the precise validator read them.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

Scalar: TypeAlias = Literal["VARCHAR", "BIGINT", "BOOLEAN"]
Spec: TypeAlias = "Scalar | Shape | list[Spec]"
Shape: TypeAlias = dict[str, Spec]

# The json_type() results each scalar accepts: yyjson reads a non-negative integer as UBIGINT.
SCALAR_JSON_TYPES: dict[Scalar, tuple[str, ...]] = {
    "VARCHAR": ("VARCHAR",),
    "BIGINT": ("BIGINT", "UBIGINT"),
    "BOOLEAN": ("BOOLEAN",),
}


def json_types(spec: Spec) -> tuple[str, ...]:
    """The ``json_type()`` results a value of ``spec`` may have (besides null)."""
    if isinstance(spec, list):
        return ("ARRAY",)
    if isinstance(spec, dict):
        return ("OBJECT",)
    return SCALAR_JSON_TYPES[spec]


def is_scalar_list(spec: Spec) -> bool:
    """A list of scalars (``available_markets``): the platform only uses its length."""
    return isinstance(spec, list) and not isinstance(spec[0], dict)


EXTERNAL_URLS: Shape = {"spotify": "VARCHAR"}
ARTIST: Shape = {"id": "VARCHAR", "name": "VARCHAR", "uri": "VARCHAR", "external_urls": EXTERNAL_URLS}
TRACK: Shape = {
    "id": "VARCHAR",
    "name": "VARCHAR",
    "disc_number": "BIGINT",
    "track_number": "BIGINT",
    "duration_ms": "BIGINT",
    "explicit": "BOOLEAN",
    "is_local": "BOOLEAN",
    "uri": "VARCHAR",
    "external_urls": EXTERNAL_URLS,
    "artists": [ARTIST],
    "available_markets": ["VARCHAR"],
}
LISTED_ALBUM: Shape = {  # an item of GET /browse/new-releases
    "id": "VARCHAR",
    "name": "VARCHAR",
    "album_type": "VARCHAR",
    "total_tracks": "BIGINT",
    "release_date": "VARCHAR",
    "release_date_precision": "VARCHAR",
    "uri": "VARCHAR",
    "external_urls": EXTERNAL_URLS,
    "images": [{"url": "VARCHAR", "width": "BIGINT"}],
    "artists": [ARTIST],
    "available_markets": ["VARCHAR"],
}
FULL_ALBUM: Shape = {  # an item of GET /albums?ids=: only what the listing lacks
    "id": "VARCHAR",
    "label": "VARCHAR",
    "popularity": "BIGINT",
    "external_ids": {"upc": "VARCHAR"},
    "tracks": {"items": [TRACK]},
}
TRACK_PAGE: Shape = {"items": [TRACK]}  # GET /albums/{id}/tracks beyond the first page
