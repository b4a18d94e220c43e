"""``spotify-assets run --from … --to …``: a backfill from the terminal, one process, a line per day."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from spotify_assets.cli import main
from spotify_assets.emulator import EmulatorConfig, FaultConfig, SpotifyEmulator
from spotify_assets.resources.spotify import EmulatorSpotifyResource
from spotify_assets.settings import SettingsError, spotify_from_env

REPO = Path(__file__).resolve().parents[2]


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "SPOTIFY_"))}
    clean.update(DAGSTER_HOME=str(home), SPOTIFY_ASSETS_DATA_DIR=str(tmp_path / "data"), **env)
    return subprocess.run(
        [sys.executable, "-m", "spotify_assets.cli", "run", *args],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.timeout(600)
def test_range_runs_each_day_reports_each_and_fails_naming_the_bad_day(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "--from", "2026-01-05", "--to", "2026-01-07", SPOTIFY_EMULATOR_FAILING_DAYS="2026-01-06")

    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("spotify-assets: 3 days 2026-01-05..2026-01-07")
    by_day = {line.split()[0]: line for line in lines[1:4]}
    assert "SUCCESS" in by_day["2026-01-05"]
    assert re.search(r"checks (\d+)/\1 passed$", by_day["2026-01-05"]), by_day["2026-01-05"]
    assert (
        "FAILURE" in by_day["2026-01-06"]
        and "raw_new_releases" in by_day["2026-01-06"]
        and "503" in by_day["2026-01-06"]
    )
    assert "SUCCESS" in by_day["2026-01-07"]
    assert lines[-1].startswith("spotify-assets: 2 of 3 days succeeded") and lines[-1].endswith("failed: 2026-01-06")
    # The good days are in the warehouse and the lake, the bad one nowhere (nothing half-built).
    with duckdb.connect(str(tmp_path / "data" / "spotify.duckdb"), read_only=True) as conn:
        days = dict(conn.execute("SELECT snapshot_date, count(*) FROM albums GROUP BY 1").fetchall())
    assert days == {date(2026, 1, 5): 100, date(2026, 1, 7): 100}
    lake = tmp_path / "data" / "lake" / "albums"
    assert sorted(p.name for p in lake.iterdir()) == ["date=2026-01-05", "date=2026-01-07"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-01-05"], "needs both --from and --to"),
        (["--from", "2026-01-07", "--to", "2026-01-05"], "is after --to"),
        (["--date", "2026-01-05", "--from", "2026-01-05", "--to", "2026-01-06"], "exclude each other"),
        (["--from", "2026-13-01", "--to", "2026-01-05"], "invalid fromisoformat value"),
    ],
)
def test_bad_ranges_are_refused_with_the_reason(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", *args])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_a_range_outside_the_partitions_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "--from", "2025-12-30", "--to", "2026-01-02"])
    assert exited.value.code == 2
    assert "2025-12-30..2026-01-02 is not within the daily partitions 2026-01-01.." in capsys.readouterr().err


def test_emulator_fails_only_the_configured_days() -> None:
    config = EmulatorConfig(faults=FaultConfig(failing_days=(date(2026, 1, 6),)))
    with SpotifyEmulator(config) as emu:
        import requests

        token = requests.post(
            emu.token_url,
            data={"grant_type": "client_credentials"},
            auth=(config.client_id, config.client_secret),
            timeout=10,
        ).json()["access_token"]
        statuses = {}
        for day in (date(2026, 1, 5), date(2026, 1, 6)):
            emu.set_today(day)
            reply = requests.get(
                f"{emu.api_base_url}/browse/new-releases", headers={"Authorization": f"Bearer {token}"}, timeout=10
            )
            statuses[day.isoformat()] = reply.status_code
    assert statuses == {"2026-01-05": 200, "2026-01-06": 503}


def test_failing_days_setting_is_checked_by_name() -> None:
    spotify = spotify_from_env({"SPOTIFY_EMULATOR_FAILING_DAYS": "2026-01-06, 2026-01-08"})
    assert isinstance(spotify, EmulatorSpotifyResource)
    assert spotify.failing_days == ["2026-01-06", "2026-01-08"]
    with pytest.raises(SettingsError, match="SPOTIFY_EMULATOR_FAILING_DAYS must be comma-separated dates"):
        spotify_from_env({"SPOTIFY_EMULATOR_FAILING_DAYS": "yesterday"})


def test_help_reads_as_plain_text() -> None:
    """What a terminal shows: no reStructuredText (``literal``, :func:) from docstrings."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "spotify_assets.cli", "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    assert "``" not in done.stdout and ":func:" not in done.stdout, done.stdout
    assert "spotify-assets run" in done.stdout and "make dev" in done.stdout


def test_the_same_warning_from_several_tables_is_one_line() -> None:
    """A day that landed late is one sentence in the summary, naming the tables, not five lines."""
    import dagster as dg

    from spotify_assets.cli import warning_lines

    def warned(asset: str, check: str, said: str) -> dg.AssetCheckEvaluation:
        return dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey(asset),
            check_name=check,
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description=said,
        )

    late = "partition 2026-12-04 landed at 20:41 UTC, 11 h 41 min after its 09:00 UTC deadline"
    lines = warning_lines(
        [
            warned("tracks", "partition_landed_by_deadline", late),
            warned("albums", "partition_landed_by_deadline", late),
            warned("albums", "listed_albums_available", "2 of 100 listed albums unavailable"),
        ]
    )
    assert lines == [
        f"partition_landed_by_deadline (albums, tracks): {late}",
        "albums.listed_albums_available: 2 of 100 listed albums unavailable",
    ]
