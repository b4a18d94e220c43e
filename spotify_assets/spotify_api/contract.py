"""What a Spotify Web API body must mean, beyond what its OpenAPI schema requires.

The published schemas require almost nothing (a track without id, name or duration validates), so
a body can be schema-valid and useless. These checks say what every body the platform relies on
must hold: required fields present and typed, 22-character base-62 ids, ``uri`` and links matching
the id, ``release_date`` matching its precision, ``tracks.total == total_tracks``, absolute and
mutually consistent paging links. They run over the emulator's bodies and over real Spotify
bodies (``shared/seeds``), so they are proven on real data. Pure functions: each returns the
problems found (empty when the body is fine), every one naming the path of the field.

``partial=True`` is for bodies recovered from a cut-off print-out: fields that are absent are not
reported (they may have been cut), those present are checked in full.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

ID = re.compile(r"[0-9A-Za-z]{22}")
MARKET = re.compile(r"[A-Z]{2}")
RELEASE_DATE = {
    "day": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "month": re.compile(r"\d{4}-\d{2}"),
    "year": re.compile(r"\d{4}"),
}
ALBUM_TYPES = frozenset({"album", "single", "compilation", "ep"})  # real bodies say "ep" too (lower case)
OPEN_SPOTIFY = "https://open.spotify.com"
SEARCH_REACH = 1000  # search never pages past offset + limit = 1000

Problems = list[str]


class _Body:
    """One object under check: typed field access that records what is wrong, by path."""

    def __init__(self, obj: Any, path: str, problems: Problems, partial: bool) -> None:
        self.obj, self.path, self.problems, self.partial = obj, path, problems, partial

    def fail(self, field: str, what: str) -> None:
        self.problems.append(f"{self.path}.{field}: {what}" if field else f"{self.path}: {what}")

    def get(self, field: str, kind: type | tuple[type, ...], *, optional: bool = False) -> Any:
        """The field if present and of ``kind`` (bool is never an int here), else None (recorded)."""
        if field not in self.obj:
            if not (optional or self.partial):
                self.fail(field, "missing")
            return None
        value = self.obj[field]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if value is None and type(None) in kinds:
            return None
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            self.fail(field, f"is {type(value).__name__} {value!r:.40}, expected {'/'.join(k.__name__ for k in kinds)}")
            return None
        return value

    def text(self, field: str, *, optional: bool = False) -> str | None:
        value: str | None = self.get(field, str, optional=optional)
        if value is not None and not value.strip():
            self.fail(field, "is empty")
        return value

    def count(self, field: str, minimum: int = 0, *, optional: bool = False) -> int | None:
        value: int | None = self.get(field, int, optional=optional)
        if value is not None and value < minimum:
            self.fail(field, f"is {value}, expected >= {minimum}")
        return value

    def child(self, field: str, *, optional: bool = False) -> _Body | None:
        value = self.get(field, dict, optional=optional)
        return None if value is None else _Body(value, f"{self.path}.{field}", self.problems, self.partial)

    def items(self, field: str, *, optional: bool = False, nullable_items: bool = False) -> list[_Body]:
        value = self.get(field, list, optional=optional) or []
        bodies = []
        for index, item in enumerate(value):
            where = f"{self.path}.{field}[{index}]"
            if item is None and nullable_items:
                continue
            if not isinstance(item, dict):
                self.problems.append(f"{where}: is {type(item).__name__}, expected an object")
                continue
            bodies.append(_Body(item, where, self.problems, self.partial))
        return bodies


def _spotify_object(body: _Body, kind: str) -> str | None:
    """``id``, ``type``, ``uri``, ``href`` and ``external_urls`` of an album, artist or track: all agree."""
    object_id = body.text("id")
    if object_id is not None and not ID.fullmatch(object_id):
        body.fail("id", f"{object_id!r} is not a 22-character base-62 id")
    object_type = body.text("type")
    if object_type is not None and object_type != kind:
        body.fail("type", f"is {object_type!r}, expected {kind!r}")
    uri = body.text("uri")
    if uri is not None and object_id is not None and uri != f"spotify:{kind}:{object_id}":
        body.fail("uri", f"{uri!r} does not match the id (expected spotify:{kind}:{object_id})")
    href = body.text("href")
    if href is not None:
        problem = _absolute(href)
        if problem:
            body.fail("href", problem)
        elif object_id is not None and not urlsplit(href).path.endswith(f"/{kind}s/{object_id}"):
            body.fail("href", f"{href!r} does not lead to {kind}s/{object_id}")
    urls = body.child("external_urls")
    if urls is not None:
        spotify = urls.text("spotify")
        if spotify is not None and object_id is not None and spotify != f"{OPEN_SPOTIFY}/{kind}/{object_id}":
            urls.fail("spotify", f"{spotify!r} does not match the id")
    body.text("name")
    return object_id


def _absolute(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{url!r} is not an absolute URL"
    return None


def _markets(body: _Body) -> None:
    for index, market in enumerate(body.get("available_markets", list, optional=True) or []):
        if not isinstance(market, str) or not MARKET.fullmatch(market):
            body.fail(f"available_markets[{index}]", f"{market!r} is not a market code")


def artist(body: _Body) -> None:
    _spotify_object(body, "artist")


def _artists(body: _Body) -> None:
    artists = body.items("artists")
    if not artists and "artists" in body.obj:
        body.fail("artists", "is empty")
    for each in artists:
        artist(each)


def simplified_album(body: _Body) -> None:
    _spotify_object(body, "album")
    album_type = body.text("album_type")
    if album_type is not None and album_type not in ALBUM_TYPES:
        body.fail("album_type", f"{album_type!r} is not one of {sorted(ALBUM_TYPES)}")
    body.count("total_tracks", 1)
    _release_date(body)
    for image in body.items("images"):
        url = image.text("url")
        if url is not None and _absolute(url):
            image.fail("url", _absolute(url) or "")
        image.get("height", (int, type(None)), optional=True)
        image.get("width", (int, type(None)), optional=True)
    _artists(body)
    _markets(body)


def _release_date(body: _Body) -> None:
    text, precision = body.text("release_date"), body.text("release_date_precision")
    if text is None or precision is None:
        return
    shape = RELEASE_DATE.get(precision)
    if shape is None:
        body.fail("release_date_precision", f"{precision!r} is not day, month or year")
        return
    if not shape.fullmatch(text):
        body.fail("release_date", f"{text!r} does not have the shape of precision {precision!r}")
        return
    try:
        date.fromisoformat(text + {"day": "", "month": "-01", "year": "-01-01"}[precision])
    except ValueError:
        body.fail("release_date", f"{text!r} is not a calendar date")


def album(body: _Body) -> None:
    """A full ``AlbumObject``: a simplified album plus its first page of tracks and the rest."""
    simplified_album(body)
    body.get("label", str, optional=True)  # removed for Development-Mode apps
    popularity = body.get("popularity", int, optional=True)
    if popularity is not None and not 0 <= popularity <= 100:
        body.fail("popularity", f"is {popularity}, expected 0..100")
    body.get("copyrights", list)
    body.get("external_ids", dict)
    body.get("genres", list, optional=True)
    tracks = body.child("tracks")
    if tracks is None:
        return
    paging(tracks, track)
    total, total_tracks = tracks.obj.get("total"), body.obj.get("total_tracks")
    if isinstance(total, int) and isinstance(total_tracks, int) and total != total_tracks:
        tracks.fail("total", f"is {total}, but the album's total_tracks is {total_tracks}")


def track(body: _Body) -> None:
    """A ``SimplifiedTrackObject``."""
    _spotify_object(body, "track")
    body.count("disc_number", 1)
    body.count("track_number", 1)
    body.count("duration_ms", 0)
    body.get("explicit", bool)
    body.get("is_local", bool)
    _artists(body)
    _markets(body)


def paging(
    body: _Body, item: Callable[[_Body], None], *, nullable_items: bool = False, reach: int | None = None
) -> None:
    """A paging object: its items, and ``href``/``next``/``previous`` absolute and consistent with
    ``offset``, ``limit`` and ``total`` (search pages no further than ``reach``)."""
    for each in body.items("items", nullable_items=nullable_items):
        item(each)
    limit, offset, total = body.count("limit", 0), body.count("offset", 0), body.count("total", 0)
    items = body.obj.get("items")
    if isinstance(items, list) and None not in (limit, offset, total):
        assert limit is not None
        assert offset is not None
        assert total is not None
        if len(items) > limit:
            body.fail("items", f"holds {len(items)} items, more than the limit {limit}")
        expected = max(0, min(limit, total - offset))
        if len(items) != expected and not body.partial:
            body.fail(
                "items", f"holds {len(items)} items; offset {offset}, limit {limit}, total {total} mean {expected}"
            )
    _links(body, limit, offset, total, reach)


def _links(body: _Body, limit: int | None, offset: int | None, total: int | None, reach: int | None) -> None:
    href = body.get("href", str)
    following = body.get("next", (str, type(None)))
    previous = body.get("previous", (str, type(None)))
    for field, url in (("href", href), ("next", following), ("previous", previous)):
        if url is not None and _absolute(url):
            body.fail(field, _absolute(url) or "")
    if limit is None or offset is None:
        return
    expected = {"href": offset, "next": offset + limit, "previous": max(0, offset - limit)}
    for field, url in (("href", href), ("next", following), ("previous", previous)):
        if url is None or _absolute(url):
            continue
        query = parse_qs(urlsplit(url).query)
        if query.get("offset", ["0"])[0] != str(expected[field]) or query.get("limit", [str(limit)])[0] != str(limit):
            body.fail(field, f"{url!r} does not ask for offset {expected[field]}, limit {limit}")
        if href is not None and not _absolute(href) and urlsplit(url).path != urlsplit(href).path:
            body.fail(field, f"{url!r} leads away from {urlsplit(href).path}")
    if "previous" in body.obj and (previous is None) != (offset == 0):
        body.fail("previous", f"is {previous!r} at offset {offset}")
    last = total is not None and (offset + limit >= total or (reach is not None and offset + 2 * limit > reach))
    if total is not None and "next" in body.obj and (following is None) != last:
        body.fail("next", f"is {following!r} at offset {offset} + limit {limit} of total {total}")


def _check(document: Any, check: Callable[[_Body], None], path: str, partial: bool) -> Problems:
    problems: Problems = []
    if not isinstance(document, dict):
        return [f"{path}: is {type(document).__name__}, expected an object"]
    check(_Body(document, path, problems, partial))
    return problems


def _enveloped(field: str, check: Callable[[_Body], None]) -> Callable[[_Body], None]:
    def enveloped(body: _Body) -> None:
        inner = body.child(field)
        if inner is not None:
            check(inner)

    return enveloped


def _albums_batch(body: _Body) -> None:
    for each in body.items("albums", nullable_items=True):  # null: not available (pulled, market)
        album(each)


def _token(body: _Body) -> None:
    body.text("access_token")
    token_type = body.text("token_type")
    if token_type is not None and token_type != "Bearer":
        body.fail("token_type", f"is {token_type!r}, expected 'Bearer'")
    body.count("expires_in", 1)


# What each endpoint answers, by the name the platform calls it.
CHECKS: dict[str, Callable[[_Body], None]] = {
    "artist": artist,
    "simplified_album": simplified_album,
    "album": album,
    "track": track,
    "new_releases": _enveloped("albums", lambda b: paging(b, simplified_album)),
    "search_albums": _enveloped("albums", lambda b: paging(b, simplified_album, reach=SEARCH_REACH)),
    "albums_batch": _albums_batch,
    "album_tracks": lambda b: paging(b, track),
    "album_paging": lambda b: paging(b, simplified_album),
    "token": _token,
}


def problems(document: Any, kind: str, *, partial: bool = False) -> Problems:
    """Everything wrong with ``document`` as a body of ``kind`` (a key of ``CHECKS``); [] if fine."""
    return _check(document, CHECKS[kind], kind, partial)


def link_problems(url: str) -> Problems:
    """A paging link seen on its own (e.g. printed): absolute, with integer offset/limit if any."""
    found = [problem] if (problem := _absolute(url)) else []
    query = parse_qs(urlsplit(url).query)
    for name in ("offset", "limit"):
        value = query.get(name, ["0"])[0]
        if not value.isdigit():
            found.append(f"{url!r}: {name}={value!r} is not a count")
    return found
