"""Killed mid-run (SIGKILL while album tracks are landing): the rerun completes, and the day's
tables and raw files equal a clean run's; nothing duplicated, nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from spotify_assets.landing import layout
from spotify_assets.tables.schema import TABLES
from spotify_assets_tests.platform.conftest import DAY, table_fingerprints


def cli(data_dir: Path, day: date, latency_ms: int = 0) -> subprocess.Popen[bytes]:
    """``spotify-assets run`` in its own process, on the embedded emulator, over ``data_dir``."""
    env = {
        **os.environ,
        "SPOTIFY_ASSETS_DATA_DIR": str(data_dir),
        "DAGSTER_HOME": "",
        "SPOTIFY_EMULATOR_LATENCY_MS": str(latency_ms),
        "SPOTIFY_MAX_WORKERS": "1",  # one request at a time: the tracks step lasts long enough to be killed in
    }
    command = [sys.executable, "-m", "spotify_assets.cli", "run", "--date", day.isoformat()]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def finished(process: subprocess.Popen[bytes], timeout_s: float = 90) -> str:
    output, _ = process.communicate(timeout=timeout_s)
    assert process.returncode == 0, output.decode(errors="replace")[-3000:]
    return output.decode(errors="replace")


def kill_while_tracks_land(process: subprocess.Popen[bytes], tracks_dir: Path, timeout_s: float = 60) -> list[str]:
    """SIGKILL the run once some album batches are on disk but before the tracks manifest."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        landed = sorted(p.name for p in tracks_dir.glob("albums-batch-*.json"))
        if landed:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            return landed
        time.sleep(0.005)
    process.kill()
    pytest.fail(f"the run ended (rc={process.poll()}) or stalled before any album batch landed")


def raw_files(data_dir: Path) -> set[str]:
    return {str(p.relative_to(data_dir / "raw")) for p in (data_dir / "raw").rglob("*.json")}


def duplicate_keys(database: str, day: date) -> dict[str, int]:
    with duckdb.connect(database, read_only=True) as conn:
        return {
            t.name: conn.execute(
                f"SELECT count(*) - count(DISTINCT ({', '.join(t.primary_key)})) FROM {t.name} WHERE snapshot_date = ?",
                [day],
            ).fetchone()[0]
            for t in TABLES
        }


@pytest.mark.timeout(240)
def test_rerun_after_sigkill_mid_tracks_equals_a_clean_run(tmp_path: Path) -> None:
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    clean_run = cli(clean, DAY)
    victim = cli(killed, DAY, latency_ms=150)
    tracks_dir = killed / "raw" / layout.partition_prefix(layout.ALBUM_TRACKS, DAY)
    landed = kill_while_tracks_land(victim, tracks_dir)
    assert not (tracks_dir / "_manifest.json").exists(), f"killed too late: the tracks manifest exists ({landed})"
    assert landed, "nothing had landed: the kill proved nothing"

    finished(cli(killed, DAY))
    finished(clean_run)

    killed_db, clean_db = str(killed / "spotify.duckdb"), str(clean / "spotify.duckdb")
    assert table_fingerprints(killed_db, DAY) == table_fingerprints(clean_db, DAY)
    assert not any(duplicate_keys(killed_db, DAY).values())
    assert raw_files(killed) == raw_files(clean), "the rerun left stray raw files, or lost some"
