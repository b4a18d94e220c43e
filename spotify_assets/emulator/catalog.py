"""Deterministic synthetic Spotify catalog: pure functions of (seed, index, day), no I/O.

Albums live on an endless line of catalog indices. Day ``d`` lists the ``albums_per_day`` indices
starting at ``d.toordinal() * daily_shift`` (newest first), so consecutive days overlap by
``albums_per_day - daily_shift`` albums: a sliding window that needs no stored state. Everything
about an album (names, artists, tracks...) is drawn from a random generator seeded by
``(seed, index)`` and cached, so any id of any day can be answered at any time, in any order, and a
10 000-album day costs only what is actually asked for.

Objects follow the OpenAPI components ``SimplifiedAlbumObject``, ``AlbumObject`` (without
``tracks``, which is a paging envelope the server builds) and ``SimplifiedTrackObject``. With
``dev_mode=True`` the fields Spotify removed for Development-Mode apps in 2026 are left out.

Markets: most albums are worldwide, some are limited to a few markets. Listings asked for with a
``market`` leave out albums not available there and list the next available ones instead, so a
market's new-releases list still holds ``albums_per_day`` albums; without a market nothing is
left out (what Spotify does for a client-credentials token, which has no country).
"""

from __future__ import annotations

import itertools
import json
import math
import random
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, TypeAlias

from spotify_assets.emulator.ids import IdCodec, Kind
from spotify_assets.emulator.vocabulary import (
    BAND_ADJECTIVES,
    BAND_NOUNS,
    FAMOUS_ARTISTS,
    FIRST_NAMES,
    ISRC_COUNTRIES,
    LABELS,
    LAST_NAMES,
    MARKETS,
    STANDALONE_TITLES,
    TITLE_ADJECTIVES,
    TITLE_NOUNS,
)

# A JSON object as the Web API sends it: built here and serialized as-is, never read back field by field.
JsonObject: TypeAlias = dict[str, Any]

SPOTIFY_API = "https://api.spotify.com/v1"
SPOTIFY_OPEN = "https://open.spotify.com"
IMAGE_SIZES = (("ab67616d0000b273", 640), ("ab67616d00001e02", 300), ("ab67616d00004851", 64))

WORLDWIDE_JSON = json.dumps(MARKETS, separators=(",", ":"))
LONG_ALBUM_SHARE = 0.07  # 51-150 tracks: more than one page of the tracks endpoint
BONUS_TRACK_SHARE = 0.03  # albums that gain 1-2 tracks some days after release
FEATURED_ARTIST_SHARE = 0.25
EXPLICIT_SHARE = 0.15
RESTRICTED_MARKETS_SHARE = 0.15
MAX_RELEASE_LEAD_DAYS = 7  # an album is dated up to a week before it enters the list
SEARCH_NEW_DAYS = 14  # search ``tag:new``: "albums released in the past two weeks" (Spotify's docs)
# Albums whose entry day falls outside this range are treated as unknown ids (keeps dates valid).
MIN_ENTRY_ORDINAL = date(1900, 1, 1).toordinal()
MAX_ENTRY_ORDINAL = date(9000, 1, 1).toordinal()


@dataclass(frozen=True)
class CatalogConfig:
    """Shape of the synthetic catalog; the same config always yields the same catalog."""

    seed: int = 42
    albums_per_day: int = 100
    daily_turnover: float = 0.3

    def __post_init__(self) -> None:
        if self.albums_per_day < 1:
            raise ValueError(f"albums_per_day must be >= 1, got {self.albums_per_day}")
        if not 0.0 <= self.daily_turnover <= 1.0:
            raise ValueError(f"daily_turnover must be within [0, 1], got {self.daily_turnover}")

    @property
    def daily_shift(self) -> int:
        """Albums entering the list each day (at least one, so the window always moves)."""
        return max(1, round(self.albums_per_day * self.daily_turnover))

    @property
    def artist_pool_size(self) -> int:
        """Proportional to the list length so artists recur across albums and days."""
        return max(30, round(self.albums_per_day * 1.5))


@dataclass(frozen=True, slots=True)
class TrackSpec:
    id: str
    name: str
    artists: tuple[int, ...]
    disc_number: int
    track_number: int
    duration_ms: int
    explicit: bool
    isrc: str


@dataclass(frozen=True, slots=True)
class AlbumSpec:
    index: int
    id: str
    name: str
    album_type: str
    artists: tuple[int, ...]
    release_date: str
    release_date_precision: str
    label: str
    popularity: int
    upc: str
    markets: tuple[str, ...]
    markets_json: str  # encoded once: the same ~185 codes appear in the album and every track
    image_key: str
    base_track_count: int
    bonus_track_count: int
    bonus_from: date

    def total_tracks(self, day: date) -> int:
        """Bonus tracks only count from their date on: that is how an album changes between days."""
        return self.base_track_count + (self.bonus_track_count if day >= self.bonus_from else 0)


class Catalog:
    """Answers what Spotify would list and serve on a given day. Thread-safe (caches only)."""

    def __init__(self, config: CatalogConfig = CatalogConfig()) -> None:
        self.config = config
        self._codec = IdCodec(config.seed)
        self._famous_names = random.Random(f"{config.seed}:famous").sample(FAMOUS_ARTISTS, len(FAMOUS_ARTISTS))
        # Per-instance caches: a class-level lru_cache would keep every Catalog ever made alive.
        self._release_indices = lru_cache(maxsize=16)(self._compute_release_indices)
        self._release_ids = lru_cache(maxsize=16)(self._compute_release_ids)
        self._search_new = lru_cache(maxsize=16)(self._compute_search_new_ids)
        self._album_spec = lru_cache(maxsize=32_768)(self._build_album_spec)
        self._track_specs = lru_cache(maxsize=4_096)(self._build_track_specs)
        self._track_credits = lru_cache(maxsize=32_768)(self._draw_track_credits)
        self._artist = lru_cache(maxsize=65_536)(self._build_artist)
        self._artists_json = lru_cache(maxsize=65_536)(self._encode_artists)
        self._expected_counts = lru_cache(maxsize=16)(self._compute_expected_counts)

    # ----- public API -------------------------------------------------------------------------

    def new_release_ids(self, day: date, market: str | None = None) -> list[str]:
        """The day's new-releases list, newest first; ``albums_per_day`` distinct ids, all of them
        available in ``market`` when one is given."""
        return list(self._release_ids(day, _market_key(market)))

    def search_new_ids(self, day: date, market: str | None = None) -> list[str]:
        """What search ``tag:new`` finds on ``day``: albums released in the past two weeks (from
        their release date's first day), newest release first, available in ``market`` if given."""
        return list(self._search_new(day, _market_key(market)))

    def available_in(self, album_id: str, market: str | None) -> bool:
        """Whether the album may be served in ``market`` (any album, without a market); False for an unknown id."""
        spec = self._spec_for(album_id)
        return spec is not None and _available(spec, _market_key(market))

    def simplified_album(self, album_id: str, day: date, *, dev_mode: bool = False) -> JsonObject | None:
        """``SimplifiedAlbumObject`` as new-releases and search list it; None for an unknown id."""
        spec = self._spec_for(album_id)
        return None if spec is None else self._simplified_album_object(spec, day, dev_mode)

    def album(self, album_id: str, day: date, *, dev_mode: bool = False) -> JsonObject | None:
        """``AlbumObject`` without ``tracks`` (a paging envelope only the server can address)."""
        spec = self._spec_for(album_id)
        if spec is None:
            return None
        album = self._simplified_album_object(spec, day, dev_mode)
        album["copyrights"] = [
            {"text": f"© {spec.release_date[:4]} {spec.label}", "type": "C"},
            {"text": f"℗ {spec.release_date[:4]} {spec.label}", "type": "P"},
        ]
        album["external_ids"] = {"upc": spec.upc}
        album["genres"] = []
        if not dev_mode:
            album["label"] = spec.label
            album["popularity"] = spec.popularity
        return album

    def total_tracks(self, album_id: str, day: date) -> int | None:
        """Track count on ``day`` without building any objects; None for an unknown id."""
        spec = self._spec_for(album_id)
        return None if spec is None else spec.total_tracks(day)

    def tracks(
        self,
        album_id: str,
        day: date,
        *,
        dev_mode: bool = False,
        market: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[JsonObject]:
        """``SimplifiedTrackObject``s of the album in order (all of them unless sliced).

        ``market`` adds ``is_playable``, as Spotify does when track relinking applies.
        """
        texts = self.tracks_json(album_id, day, dev_mode=dev_mode, market=market, offset=offset, limit=limit)
        return [json.loads(text) for text in texts]

    def tracks_json(
        self,
        album_id: str,
        day: date,
        *,
        dev_mode: bool = False,
        market: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[str]:
        """The same tracks as :meth:`tracks`, as JSON texts: the server's hot path, since tracks
        are most of every album response and encoding them from dicts is several times slower."""
        spec = self._spec_for(album_id)
        if spec is None:
            return []
        stop = spec.total_tracks(day) if limit is None else min(offset + limit, spec.total_tracks(day))
        return [self._track_json(spec, track, dev_mode, market) for track in self._track_specs(spec.index)[offset:stop]]

    def expected_counts(self, day: date, market: str | None = None) -> dict[str, int]:
        """Row counts a correct pipeline must produce for the day's new releases (as listed for
        ``market``) and their tracks."""
        return dict(self._expected_counts(day, _market_key(market)))

    # ----- the sliding window ---------------------------------------------------------------

    def _compute_release_indices(self, day: date, market: str | None) -> tuple[int, ...]:
        """The window of the index line starting at the day's offset; for a market, its first
        ``albums_per_day`` albums available there (the window reaches further to make up for
        the others)."""
        start = day.toordinal() * self.config.daily_shift
        if market is None:
            return tuple(reversed(range(start, start + self.config.albums_per_day)))
        listed = []
        for index in itertools.count(start):
            if _available(self._album_spec(index), market):
                listed.append(index)
                if len(listed) == self.config.albums_per_day:
                    return tuple(reversed(listed))
        raise AssertionError("unreachable: worldwide albums are most of the line")

    def _compute_release_ids(self, day: date, market: str | None) -> tuple[str, ...]:
        return tuple(self._codec.encode(Kind.ALBUM, index) for index in self._release_indices(day, market))

    def _compute_search_new_ids(self, day: date, market: str | None) -> tuple[str, ...]:
        """Albums listed by ``day`` (entered on one of the past two weeks' days) whose release
        date's first day is within those two weeks."""
        oldest = day - timedelta(days=SEARCH_NEW_DAYS - 1)
        shift, per_day = self.config.daily_shift, self.config.albums_per_day
        # Index i enters on (i - per_day) // shift + 1: the indices entering from `oldest` to `day`.
        first, stop = (oldest.toordinal() - 1) * shift + per_day, day.toordinal() * shift + per_day
        found = [
            spec
            for spec in map(self._album_spec, range(max(0, first), stop))
            if oldest <= _release_start(spec) <= day and _available(spec, market)
        ]
        found.sort(key=lambda spec: (_release_start(spec), spec.index), reverse=True)
        return tuple(spec.id for spec in found)

    def _entry_ordinal(self, index: int) -> int:
        """First day whose window contains ``index``."""
        return (index - self.config.albums_per_day) // self.config.daily_shift + 1

    def _days_listed(self) -> int:
        return math.ceil(self.config.albums_per_day / self.config.daily_shift)

    def _spec_for(self, album_id: str) -> AlbumSpec | None:
        decoded = self._codec.decode(album_id)
        if decoded is None:
            return None
        kind, index, sub = decoded
        if kind is not Kind.ALBUM or sub != 0:
            return None
        if not MIN_ENTRY_ORDINAL <= self._entry_ordinal(index) <= MAX_ENTRY_ORDINAL:
            return None
        return self._album_spec(index)

    # ----- drawing albums, tracks, artists --------------------------------------------------

    def _rng(self, what: str, index: int) -> random.Random:
        """String seeds are hashed with SHA-512: stable across runs and PYTHONHASHSEED values."""
        return random.Random(f"{self.config.seed}:{what}:{index}")

    def _build_album_spec(self, index: int) -> AlbumSpec:
        rng = self._rng("album", index)
        entry_day = date.fromordinal(self._entry_ordinal(index))
        long_album = rng.random() < LONG_ALBUM_SHARE
        album_type = rng.choice(("album", "compilation")) if long_album else _draw_album_type(rng)
        artists = tuple(rng.sample(range(self.config.artist_pool_size), _draw_artist_count(rng)))
        precision = rng.choices(("day", "month", "year"), weights=(80, 12, 8))[0]
        released = entry_day - timedelta(days=rng.randrange(MAX_RELEASE_LEAD_DAYS))
        has_bonus = rng.random() < BONUS_TRACK_SHARE
        markets = _draw_markets(rng)
        return AlbumSpec(
            index=index,
            id=self._codec.encode(Kind.ALBUM, index),
            name=self._album_name(rng, album_type, artists[0], long_album),
            album_type=album_type,
            artists=artists,
            release_date=_format_release_date(released, precision),
            release_date_precision=precision,
            label=rng.choice(LABELS),
            popularity=rng.randint(0, 100),
            upc=str(rng.randrange(10**11, 10**12)),
            markets=markets,
            markets_json=WORLDWIDE_JSON if markets is MARKETS else json.dumps(markets, separators=(",", ":")),
            image_key=f"{rng.getrandbits(96):024x}",
            base_track_count=rng.randint(51, 150) if long_album else _draw_track_count(rng, album_type),
            bonus_track_count=rng.randint(1, 2) if has_bonus else 0,
            bonus_from=entry_day + timedelta(days=1 + rng.randrange(max(1, self._days_listed() - 1))),
        )

    def _album_name(self, rng: random.Random, album_type: str, primary_artist: int, long_album: bool) -> str:
        if album_type == "compilation":
            return f"The Best of {self._artist(primary_artist)[1]}"
        name = rng.choice(STANDALONE_TITLES) if rng.random() < 0.3 else _draw_title(rng)
        return f"{name} (Deluxe Edition)" if long_album else name

    def _build_track_specs(self, index: int) -> tuple[TrackSpec, ...]:
        """All tracks including bonus ones; callers slice by the day's total."""
        album = self._album_spec(index)
        rng = self._rng("tracks", index)
        registrant = "".join(rng.choices(string.ascii_uppercase + string.digits, k=3))
        isrc_prefix = f"{rng.choice(ISRC_COUNTRIES)}{registrant}{album.release_date[2:4]}"
        per_disc = _tracks_per_disc(rng, album.base_track_count)
        return tuple(
            TrackSpec(
                id=self._codec.digest_id(Kind.TRACK, index, position),
                name=album.name if album.album_type == "single" and position == 0 else _draw_title(rng),
                artists=artists,
                disc_number=min(position // per_disc, (album.base_track_count - 1) // per_disc) + 1,
                track_number=_track_number(position, per_disc, album.base_track_count),
                duration_ms=rng.randint(90_000, 420_000),
                explicit=rng.random() < EXPLICIT_SHARE,
                isrc=f"{isrc_prefix}{position + 1:05d}",
            )
            for position, artists in enumerate(self._track_credits(index))
        )

    def _draw_track_credits(self, index: int) -> tuple[tuple[int, ...], ...]:
        """Artists of every track (bonus ones included), drawn from their own random stream so
        expected counts for a 10 000-album day need no track names, ids or durations."""
        album = self._album_spec(index)
        rng = self._rng("credits", index)
        count = album.base_track_count + album.bonus_track_count
        return tuple(self._track_artists(rng, album.artists) for _ in range(count))

    def _track_artists(self, rng: random.Random, album_artists: tuple[int, ...]) -> tuple[int, ...]:
        """The primary album artist, sometimes with a second credit (album co-artist or a feature)."""
        primary = album_artists[0]
        if rng.random() >= FEATURED_ARTIST_SHARE:
            return (primary,)
        if len(album_artists) > 1 and rng.random() < 0.5:
            return (primary, album_artists[1])
        featured = rng.randrange(self.config.artist_pool_size)
        return (primary, featured if featured != primary else (featured + 1) % self.config.artist_pool_size)

    def _build_artist(self, artist_index: int) -> tuple[str, str]:
        """(id, name); the first pool slots carry famous names, shuffled by seed."""
        rng = self._rng("artist", artist_index)
        if artist_index < len(self._famous_names):
            name = self._famous_names[artist_index]
        elif rng.random() < 0.6:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        else:
            name = f"The {rng.choice(BAND_ADJECTIVES)} {rng.choice(BAND_NOUNS)}"
        return self._codec.encode(Kind.ARTIST, artist_index), name

    # ----- building API objects -------------------------------------------------------------

    def _artist_object(self, artist_index: int) -> JsonObject:
        artist_id, name = self._artist(artist_index)
        return {
            "external_urls": {"spotify": f"{SPOTIFY_OPEN}/artist/{artist_id}"},
            "href": f"{SPOTIFY_API}/artists/{artist_id}",
            "id": artist_id,
            "name": name,
            "type": "artist",
            "uri": f"spotify:artist:{artist_id}",
        }

    def _simplified_album_object(self, spec: AlbumSpec, day: date, dev_mode: bool) -> JsonObject:
        album: JsonObject = {"album_type": spec.album_type, "total_tracks": spec.total_tracks(day)}
        if not dev_mode:
            album["available_markets"] = list(spec.markets)
        album.update(
            external_urls={"spotify": f"{SPOTIFY_OPEN}/album/{spec.id}"},
            href=f"{SPOTIFY_API}/albums/{spec.id}",
            id=spec.id,
            images=[
                {"url": f"https://i.scdn.co/image/{prefix}{spec.image_key}", "height": size, "width": size}
                for prefix, size in IMAGE_SIZES
            ],
            name=spec.name,
            release_date=spec.release_date,
            release_date_precision=spec.release_date_precision,
            type="album",
            uri=f"spotify:album:{spec.id}",
            artists=[self._artist_object(a) for a in spec.artists],
        )
        return album

    def _encode_artists(self, artist_indices: tuple[int, ...]) -> str:
        return json.dumps([self._artist_object(a) for a in artist_indices], ensure_ascii=False, separators=(",", ":"))

    def _track_json(self, album: AlbumSpec, track: TrackSpec, dev_mode: bool, market: str | None) -> str:
        """A ``SimplifiedTrackObject`` as JSON text, assembled from pre-encoded parts."""
        members = [("artists", self._artists_json(track.artists))]
        if not dev_mode:
            members.append(("available_markets", album.markets_json))
        members += [
            ("disc_number", str(track.disc_number)),
            ("duration_ms", str(track.duration_ms)),
            ("explicit", _json_bool(track.explicit)),
            ("external_ids", f'{{"isrc":"{track.isrc}"}}'),
            ("external_urls", f'{{"spotify":"{SPOTIFY_OPEN}/track/{track.id}"}}'),
            ("href", f'"{SPOTIFY_API}/tracks/{track.id}"'),
            ("id", f'"{track.id}"'),
            ("name", json.dumps(track.name, ensure_ascii=False)),
            ("preview_url", "null"),
            ("track_number", str(track.track_number)),
            ("type", '"track"'),
            ("uri", f'"spotify:track:{track.id}"'),
            ("is_local", "false"),
        ]
        if market is not None:
            members.append(("is_playable", _json_bool(market.upper() in album.markets)))
        return _json_object(members)

    # ----- expected counts ------------------------------------------------------------------

    def _compute_expected_counts(self, day: date, market: str | None) -> tuple[tuple[str, int], ...]:
        artists: set[int] = set()
        album_artists = tracks = track_artists = 0
        for spec in self._day_specs(day, market):
            album_artists += len(spec.artists)
            artists.update(spec.artists)
            for credits in self._track_credits(spec.index)[: spec.total_tracks(day)]:
                tracks += 1
                track_artists += len(credits)
                artists.update(credits)
        return (
            ("albums", self.config.albums_per_day),
            ("tracks", tracks),
            ("artists", len(artists)),
            ("album_artists", album_artists),
            ("track_artists", track_artists),
        )

    def _day_specs(self, day: date, market: str | None) -> Iterator[AlbumSpec]:
        return (self._album_spec(index) for index in self._release_indices(day, market))


def _market_key(market: str | None) -> str | None:
    """Markets are ISO codes; Spotify accepts them in either case. Empty means none given."""
    return market.upper() if market else None


def _available(spec: AlbumSpec, market: str | None) -> bool:
    return market is None or spec.markets is MARKETS or market in spec.markets


def _release_start(spec: AlbumSpec) -> date:
    """The first day the release date can mean (``2026-11`` -> 1 November)."""
    text = spec.release_date
    return date.fromisoformat(text + {"day": "", "month": "-01", "year": "-01-01"}[spec.release_date_precision])


def _draw_album_type(rng: random.Random) -> str:
    return rng.choices(("single", "album", "compilation"), weights=(35, 55, 10))[0]


def _draw_artist_count(rng: random.Random) -> int:
    return rng.choices((1, 2, 3), weights=(70, 20, 10))[0]


def _draw_track_count(rng: random.Random, album_type: str) -> int:
    low, high = {"single": (1, 3), "album": (7, 20), "compilation": (12, 40)}[album_type]
    return rng.randint(low, high)


def _draw_title(rng: random.Random) -> str:
    return f"{rng.choice(TITLE_ADJECTIVES)} {rng.choice(TITLE_NOUNS)}"


def _draw_markets(rng: random.Random) -> tuple[str, ...]:
    """Most releases are worldwide; some are limited to a few markets."""
    if rng.random() >= RESTRICTED_MARKETS_SHARE:
        return MARKETS
    return tuple(sorted(rng.sample(MARKETS, rng.randint(1, 40))))


def _format_release_date(released: date, precision: str) -> str:
    return {"day": released.isoformat(), "month": released.isoformat()[:7], "year": str(released.year)}[precision]


def _tracks_per_disc(rng: random.Random, base_track_count: int) -> int:
    """Long releases are split over discs; bonus tracks are appended to the last disc."""
    if base_track_count <= 30:
        return base_track_count
    discs = math.ceil(base_track_count / rng.randint(20, 40))
    return math.ceil(base_track_count / discs)


def _track_number(position: int, per_disc: int, base_track_count: int) -> int:
    last_disc_start = (base_track_count - 1) // per_disc * per_disc
    return position - min(position // per_disc * per_disc, last_disc_start) + 1


def _json_object(members: Iterable[tuple[str, str]]) -> str:
    """``{"key": value, ...}`` from keys and already-encoded JSON values."""
    return "{" + ",".join(f'"{key}":{value}' for key, value in members) + "}"


def _json_bool(value: bool) -> str:
    return "true" if value else "false"
