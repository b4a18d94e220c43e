"""Fixtures for the analytics and lake tests: two real days built once per module by Dagster
(emulator over HTTP, raw JSON, DuckDB file, analytics tables, Parquet lake on local disk)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from spotify_assets.defs.analytics.assets import analytics_assets
from spotify_assets.defs.lake.assets import lake_export
from spotify_assets.emulator import EmulatorConfig, SpotifyEmulator
from spotify_assets.resources.lake import LakeResource
from spotify_assets_tests.platform.conftest import DAY, NEXT_DAY, PLATFORM, platform_resources

EVERYTHING = [*PLATFORM, *analytics_assets, lake_export]


@dataclass
class Built:
    folder: Path
    resources: dict[str, Any]
    results: dict[date, dg.ExecuteInProcessResult]

    @property
    def database(self) -> str:
        return self.resources["warehouse"].database

    @property
    def lake_root(self) -> Path:
        return Path(self.resources["lake"].local_root)


def with_lake(resources: dict[str, Any], folder: Path) -> dict[str, Any]:
    return {**resources, "lake": LakeResource(local_root=str(folder / "lake"))}


def materialize(assets: list[Any], resources: dict[str, Any], day: date) -> dg.ExecuteInProcessResult:
    return dg.materialize(assets, partition_key=day.isoformat(), resources=resources, raise_on_error=False)


def metadata_of(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, Any]:
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey(asset)]
    return {k: v.value for k, v in event.step_materialization_data.materialization.metadata.items()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """DAY then NEXT_DAY, everything the daily job builds, in one folder (read-only for tests)."""
    folder = tmp_path_factory.mktemp("built")
    with SpotifyEmulator(EmulatorConfig()) as emulator:
        resources = with_lake(platform_resources(emulator, folder), folder)
        results = {}
        for day in (DAY, NEXT_DAY):
            results[day] = materialize(EVERYTHING, resources, day)
            assert results[day].success, [e.message for e in results[day].all_events if e.is_failure]
        yield Built(folder, resources, results)
