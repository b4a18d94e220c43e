"""Where a table column's values come from: a field of the landed raw JSON, or a column of another table.

``schema.py`` names each column's sources next to the column (``Column.sources``); the Dagster
definitions turn them into column lineage. A raw field is named by its path in one landed document,
from the items ``raw_shapes`` describes, and the path is checked against that shape when the schema
is built, so a column cannot name a field the platform does not read.

Paths: fields joined by ``.``; ``[]`` after a field means each element of that list, ``{}`` each
entry of that map (the tracks manifest's albums, keyed by album id). The prefixes differ between
the documents of one raw asset, so a path says which document it is in too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_type_hints

from spotify_assets.landing.layout import UnavailableEntry
from spotify_assets.tables.raw_shapes import ARTIST, FULL_ALBUM, LISTED_ALBUM, TRACK, Scalar, Shape

# The Dagster assets that land the raw documents (their asset keys).
RAW_NEW_RELEASES = "raw_new_releases"
RAW_ALBUM_TRACKS = "raw_album_tracks"


@dataclass(frozen=True)
class Source:
    """One field a column's values are read or computed from: ``field`` of the asset ``asset``
    (a column of a table, or a path in a raw asset's documents)."""

    asset: str
    field: str


def spec_at(shape: Mapping[str, Any], path: str) -> object:
    """What ``shape`` says of the field at ``path`` ("artists[].id"); ValueError naming the first
    step the shape does not have."""
    spec: object = shape
    for step in path.split("."):
        name, is_list = step.removesuffix("[]"), step.endswith("[]")
        if not isinstance(spec, Mapping):
            raise ValueError(f"{path!r} descends into {name!r}, but what holds it is not an object")
        if name not in spec:
            raise ValueError(f"no field {name!r} (in {path!r}) among the fields read: {sorted(spec)}")
        spec = spec[name]
        if is_list:
            if not isinstance(spec, list):
                raise ValueError(f"{name!r} (in {path!r}) is not a list")
            spec = spec[0]
    return spec


@dataclass(frozen=True, eq=False)  # each kind of item is one constant: compared (and hashed) by identity
class RawItems:
    """Items of one kind in a raw asset's documents: at ``path``, each of shape ``shape``."""

    asset: str
    path: str
    shape: Mapping[str, Any]

    def source(self, *fields: str) -> tuple[Source, ...]:
        """The items' ``fields`` (paths within an item; none: the item itself, e.g. its position)."""
        for field in fields:
            try:
                spec_at(self.shape, field)
            except ValueError as exc:
                raise ValueError(f"{self.asset} {self.path}: {exc}") from None
        return tuple(Source(self.asset, f"{self.path}.{field}" if field else self.path) for field in fields or ("",))


# Each kind of item a table is built from, where it sits in its document (raw_scans.py reads them).
LISTED = RawItems(RAW_NEW_RELEASES, "albums.items[]", LISTED_ALBUM)  # new-releases pages
FULL_ALBUMS = RawItems(RAW_ALBUM_TRACKS, "albums[]", FULL_ALBUM)  # albums?ids= batches
BATCH_TRACKS = RawItems(RAW_ALBUM_TRACKS, "albums[].tracks.items[]", TRACK)  # tracks embedded in a batch
PAGE_TRACKS = RawItems(RAW_ALBUM_TRACKS, "items[]", TRACK)  # albums/{id}/tracks pages beyond the first
TRACK_ITEMS = (BATCH_TRACKS, PAGE_TRACKS)
# The artists credited on a listed album or on a track.
CREDITED = tuple(RawItems(items.asset, f"{items.path}.artists[]", ARTIST) for items in (LISTED, *TRACK_ITEMS))
# The tracks manifest's albums the API would not serve: the fields of landing/layout.py's UnavailableEntry.
_SCALARS: dict[type, Scalar] = {str: "VARCHAR", int: "BIGINT", bool: "BOOLEAN"}
UNAVAILABLE: Shape = {name: _SCALARS[kind] for name, kind in get_type_hints(UnavailableEntry).items()}
UNAVAILABLE_ENTRIES = RawItems(RAW_ALBUM_TRACKS, "unavailable{}", UNAVAILABLE)


def each(items: tuple[RawItems, ...], *fields: str) -> tuple[Source, ...]:
    """The same ``fields`` of several kinds of item (a track embedded in a batch or on a page)."""
    return tuple(source for kind in items for source in kind.source(*fields))
