"""Chaos: under 5xx, rate limits, token expiry, truncated bodies and resets, a day's tables are
exactly those of a fault-free run (nothing lost, nothing duplicated)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spotify_assets.emulator import EmulatorConfig, FaultConfig, SpotifyEmulator
from spotify_assets_tests.platform.conftest import (
    DAY,
    materialize_day,
    platform_resources,
    spotify_for,
    table_fingerprints,
)

CHAOS = FaultConfig(
    seed=7,
    error_5xx_rate=0.10,
    rate_limit_requests=20,
    rate_limit_window_s=1.0,
    retry_after_s=1,
    expire_token_every=25,
    truncated_body_rate=0.05,
    connection_reset_rate=0.05,
)


def _platform(emulator: SpotifyEmulator, folder: Path, page_limit: int = 50) -> dict[str, Any]:
    """Resources over ``folder`` with a quick backoff, so retries cost milliseconds not seconds.
    A small ``page_limit`` multiplies the requests, so every kind of fault is met in one day."""
    spotify = spotify_for(emulator, page_limit=page_limit, backoff_base_s=0.01, backoff_max_s=0.05, max_attempts=8)
    return platform_resources(emulator, folder, spotify)


@pytest.mark.timeout(120)
def test_chaos_run_builds_the_same_tables_as_a_clean_run(tmp_path: Path) -> None:
    with SpotifyEmulator(EmulatorConfig()) as clean:
        assert materialize_day(_platform(clean, tmp_path / "clean"), DAY).success
    with SpotifyEmulator(EmulatorConfig(faults=CHAOS)) as chaotic:
        result = materialize_day(_platform(chaotic, tmp_path / "chaos", page_limit=2), DAY)
        faults = chaotic.stats()
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    # The test proves something only if every kind of fault was actually met.
    assert all(faults["faults"][kind] > 0 for kind in ("5xx", "429", "truncated", "reset", "token_expired")), faults
    expected = table_fingerprints(str(tmp_path / "clean" / "spotify.duckdb"), DAY)
    assert table_fingerprints(str(tmp_path / "chaos" / "spotify.duckdb"), DAY) == expected
