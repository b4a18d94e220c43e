"""Pure logic between the raw new-releases pages and the tracks fetch (no Dagster, no network)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from spotify_assets.landing.layout import AlbumTracksEntry, RawDataError
from spotify_assets.spotify_api import AlbumRef


def album_refs_from_release_pages(pages: Iterable[tuple[str, bytes]]) -> list[AlbumRef]:
    """The day's albums (id, total_tracks) in listing order, each once.

    ``pages`` are (where, body) pairs; ``where`` (a key or URL) only serves error messages. An album
    listed twice (pages shifting while we paged) is kept once, at its first position.
    """
    refs: dict[str, AlbumRef] = {}
    for where, body in pages:
        for position, item in enumerate(_release_items(where, body)):
            ref = _album_ref(where, position, item)
            if ref is not None:
                refs.setdefault(ref.id, ref)
    return list(refs.values())


def _release_items(where: str, body: bytes) -> list[object]:
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise RawDataError(f"{where}: body is not valid JSON ({exc})") from exc
    albums = document.get("albums") if isinstance(document, dict) else None
    items = albums.get("items") if isinstance(albums, dict) else None
    if not isinstance(items, list):
        raise RawDataError(f"{where}: expected albums.items to be a list, got {type(items).__name__}")
    return items


def _album_ref(where: str, position: int, item: object) -> AlbumRef | None:
    if item is None:  # Spotify pads with null for unavailable content: nothing to fetch
        return None
    if not isinstance(item, dict):
        raise RawDataError(f"{where}: albums.items[{position}] is {type(item).__name__}, not an object")
    album_id, total = item.get("id"), item.get("total_tracks")
    if not isinstance(album_id, str) or not album_id:
        raise RawDataError(f"{where}: albums.items[{position}].id is missing or not a string")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise RawDataError(f"{where}: albums.items[{position}].total_tracks is {total!r}, not a count")
    return AlbumRef(id=album_id, total_tracks=total)


@dataclass(frozen=True)
class TrackFetchPlan:
    """Which albums need their tracks fetched today and which reuse an earlier day's raw pages."""

    to_fetch: list[AlbumRef]
    reused: dict[str, AlbumTracksEntry]


def plan_track_fetch(albums: Iterable[AlbumRef], known: Mapping[str, AlbumTracksEntry]) -> TrackFetchPlan:
    """Skip albums already landed with the same ``total_tracks``; a changed count means new tracks."""
    to_fetch: list[AlbumRef] = []
    reused: dict[str, AlbumTracksEntry] = {}
    for album in albums:
        entry = known.get(album.id)
        if entry is not None and entry.total_tracks == album.total_tracks:
            reused[album.id] = entry
        else:
            to_fetch.append(album)
    return TrackFetchPlan(to_fetch=to_fetch, reused=reused)
