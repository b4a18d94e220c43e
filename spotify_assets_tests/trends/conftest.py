"""Fixtures for the trend and dashboard tests: 14 real days (D-13..D) built once per session by
Dagster on the emulator (HTTP), raw JSON, a DuckDB file, the trend tables and the dashboard in
a local lake. Tests that change things work on a copy (``copy_history``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from spotify_assets.analytics.rows import query_dicts
from spotify_assets.analytics.trends import TRENDS
from spotify_assets.dashboard import DASHBOARD_KEY
from spotify_assets.defs.trends.assets import trend_tables, trends_dashboard
from spotify_assets.emulator import CatalogConfig, EmulatorConfig, SpotifyEmulator
from spotify_assets_tests.analytics.conftest import with_lake
from spotify_assets_tests.platform.conftest import PLATFORM, platform_resources

LAST = date(2026, 11, 21)
FIRST = LAST - timedelta(days=13)
ALBUMS_PER_DAY = 40  # the emulator's default is 100; 40 keeps 14 days at ~1 s each
TREND_RUN = [*PLATFORM, trend_tables]


def glyph_problems(messages: list[str]) -> list[str]:
    """What matplotlib says about missing glyphs and failed font look-ups."""
    return [m for m in messages if "Glyph" in m or "missing from font" in m or "findfont" in m]


def without_system_fonts(scratch: Path) -> dict[str, str]:
    """A process environment in which matplotlib finds only the fonts it ships (DejaVu): a machine
    without fonts-noto-cjk. ``MPL_IGNORE_SYSTEM_FONTS`` is matplotlib's own switch (its font
    search and ``findfont`` both honour it); the scratch ``MPLCONFIGDIR`` gets the font cache it
    builds, so the user's cache is neither read nor rewritten."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPL")}
    return {**env, "MPL_IGNORE_SYSTEM_FONTS": "1", "MPLCONFIGDIR": str(scratch)}


def boxes_notices(output: str) -> list[str]:
    """The lines of ``analytics/glyphs.py``'s notice ("charts draw ... as boxes")."""
    return [line for line in output.splitlines() if "as boxes" in line]


def emulator_config(dev_mode: bool = False) -> EmulatorConfig:
    return EmulatorConfig(catalog=CatalogConfig(albums_per_day=ALBUMS_PER_DAY), dev_mode=dev_mode)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def run_days(resources: dict[str, Any], first: date, last: date) -> dg.ExecuteInProcessResult:
    """The days first..last, oldest first, one materialization each, then the dashboard once (what
    ``spotify-assets run --from first --to last`` does); the dashboard's result."""
    for day in days_between(first, last):
        result = dg.materialize(TREND_RUN, partition_key=day.isoformat(), resources=resources, raise_on_error=False)
        assert result.success, [e.message for e in result.all_events if e.is_failure]
    dashboard = dg.materialize([trends_dashboard], resources=resources, raise_on_error=False)
    assert dashboard.success, [e.message for e in dashboard.all_events if e.is_failure]
    return dashboard


def history_resources(emulator: SpotifyEmulator, folder: Path) -> dict[str, Any]:
    return with_lake(platform_resources(emulator, folder), folder)


@dataclass
class History:
    folder: Path
    dagster_home: Path | None = None  # the instance the CLI recorded its runs in
    cli_output: str = ""

    def latest_metadata(self, asset: str) -> dict[str, Any]:
        """The newest materialization's metadata of ``asset`` in the CLI's instance."""
        assert self.dagster_home is not None
        with dg.DagsterInstance.from_config(str(self.dagster_home)) as instance:
            [record] = instance.fetch_materializations(dg.AssetKey(asset), limit=1).records
        materialization = record.asset_materialization
        assert materialization is not None
        return {k: v.value for k, v in materialization.metadata.items()}

    @property
    def database(self) -> str:
        return str(self.folder / "spotify.duckdb")

    @property
    def dashboard_path(self) -> Path:
        return self.folder / "lake" / DASHBOARD_KEY


def trend_contents(database: str) -> dict[str, list[dict[str, Any]]]:
    """Every trend table's rows, in the table's natural order."""
    with duckdb.connect(database, read_only=True) as conn:
        return {t.table.name: query_dicts(conn, f"SELECT * FROM {t.table.name} ORDER BY {t.order_by}") for t in TRENDS}


def copy_history(history: History, target: Path) -> History:
    shutil.copytree(history.folder, target)
    return History(target)


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    """The 14 days built as a user would: ``spotify-assets run --from D-13 --to D`` on the embedded
    emulator, into a data folder and a Dagster instance of their own."""
    folder = tmp_path_factory.mktemp("history")
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "SPOTIFY_"))}
    env.update(
        DAGSTER_HOME=str(home), SPOTIFY_ASSETS_DATA_DIR=str(folder), SPOTIFY_EMULATOR_ALBUMS_PER_DAY=str(ALBUMS_PER_DAY)
    )
    done = subprocess.run(
        [sys.executable, "-m", "spotify_assets.cli", "run", "--from", FIRST.isoformat(), "--to", LAST.isoformat()],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith("spotify-assets: 14 of 14 days succeeded"), done.stdout
    return History(folder, dagster_home=home, cli_output=done.stdout)
