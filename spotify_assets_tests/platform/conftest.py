"""Fixtures for end-to-end Dagster tests: resources pointed at a real emulator and tmp storage."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from spotify_assets.defs.raw.assets import raw_album_tracks, raw_new_releases
from spotify_assets.defs.warehouse.assets import spotify_tables
from spotify_assets.defs.warehouse.checks import table_quality_checks
from spotify_assets.emulator import EmulatorConfig, SpotifyEmulator
from spotify_assets.resources.spotify import EmulatorSpotifyResource, SpotifyResource
from spotify_assets.resources.storage import RawStorageResource
from spotify_assets.resources.warehouse import WarehouseResource
from spotify_assets.tables.schema import TABLES

DAY = date(2026, 11, 20)
NEXT_DAY = date(2026, 11, 21)
PLATFORM = [raw_new_releases, raw_album_tracks, spotify_tables, table_quality_checks]


def spotify_for(emulator: SpotifyEmulator, **overrides: Any) -> SpotifyResource:
    config = EmulatorConfig()
    settings = {
        "api_base_url": emulator.api_base_url,
        "token_url": emulator.token_url,
        "client_id": config.client_id,
        "client_secret": config.client_secret,
    }
    return EmulatorSpotifyResource(**{**settings, **overrides})


def platform_resources(
    emulator: SpotifyEmulator, folder: Path, spotify: SpotifyResource | None = None, **overrides: Any
) -> dict[str, Any]:
    """The platform's three resources over one folder: raw JSON in ``folder/raw``, DuckDB beside it."""
    return {
        "spotify": spotify or spotify_for(emulator),
        "raw_storage": RawStorageResource(local_root=str(folder / "raw")),
        "warehouse": WarehouseResource(database=str(folder / "spotify.duckdb")),
        **overrides,
    }


@pytest.fixture
def resources(emulator: SpotifyEmulator, tmp_path: Path) -> dict[str, Any]:
    return platform_resources(emulator, tmp_path)


def materialize_day(resources: dict[str, Any], day: date, **kwargs: Any) -> dg.ExecuteInProcessResult:
    return dg.materialize(PLATFORM, partition_key=day.isoformat(), resources=resources, raise_on_error=False, **kwargs)


def table_fingerprints(database: str, day: date) -> dict[str, tuple[int, int]]:
    """(row count, order-independent hash of all rows) per table for one day."""
    with duckdb.connect(database, read_only=True) as conn:
        return {
            t.name: tuple(
                conn.execute(
                    f"SELECT count(*), coalesce(sum(hash(x)::HUGEINT), 0) FROM "
                    f"(SELECT * FROM {t.name} WHERE snapshot_date = ?) x",
                    [day],
                ).fetchall()[0]
            )
            for t in TABLES
        }


def table_counts(database: str, day: date) -> dict[str, int]:
    return {name: count for name, (count, _) in table_fingerprints(database, day).items()}
