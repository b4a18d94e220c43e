"""Albums listed for a day that the API would not serve, and how many of them a day may have.

Spotify pulls and market-restricts albums every day, so a few listed albums answer ``null`` in
``albums?ids=`` or 404 by the time their tracks are fetched. That must not stall the day: such
albums are recorded in the day's tracks manifest (and from there in the ``unavailable_albums``
table and a WARN check). Many of them at once means something else (a wrong market, an outage),
so above a share the day fails instead. Pure functions: no Dagster, no network.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from spotify_assets.landing.layout import RawDataError, UnavailableEntry

DEFAULT_MAX_UNAVAILABLE_SHARE = 0.10
SHARE_SETTING = "SPOTIFY_MAX_UNAVAILABLE_SHARE (SpotifyResource.max_unavailable_share)"
NAMED_AT_MOST = 50  # album ids spelled out in an error; the rest are counted


class TooManyUnavailableAlbumsError(RawDataError):
    """More of the day's albums were unavailable than the configured share allows."""


def check_unavailable_share(
    day: date, unavailable: Mapping[str, UnavailableEntry], listed: int, max_share: float, market: str
) -> None:
    """Raise, naming the albums, when more than ``max_share`` of the ``listed`` albums were unavailable."""
    if not unavailable or len(unavailable) <= max_share * listed:
        return
    ids = sorted(unavailable)
    named = ", ".join(ids[:NAMED_AT_MOST]) + (
        f" and {len(ids) - NAMED_AT_MOST} more" if len(ids) > NAMED_AT_MOST else ""
    )
    statuses = sorted({f"{e.status} from {e.endpoint}" for e in unavailable.values()})
    raise TooManyUnavailableAlbumsError(
        f"{len(ids)} of the {listed} albums listed for {day} were unavailable ({'; '.join(statuses)}), "
        f"more than the {max_share:.0%} allowed by {SHARE_SETTING}: a wrong market ({market}) or an outage? "
        f"Unavailable: {named}"
    )
