"""Another program holds the warehouse open, as a notebook does: real processes, real DuckDB files.

- held for ~10 s while a run starts: the run waits, logs the holder's PID, then succeeds;
- held past SPOTIFY_DUCKDB_LOCK_WAIT: the run fails with one sentence naming the holder, in the
  CLI's summary with no traceback; the day's raw data stays landed; once the holder lets go, a
  rerun builds tables (and a snapshot) identical to an undisturbed run;
- ``spotify-assets sql`` answers from the snapshot while another process holds the live file.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from spotify_assets.snapshot.publish import READER_TABLES
from spotify_assets_tests.holders import cli, half_built, holding, snapshot_days
from spotify_assets_tests.platform.conftest import table_fingerprints

pytestmark = pytest.mark.timeout(300)

DAY = "2026-03-02"


def snapshot_fingerprints(snapshot: Path) -> dict[str, tuple[int, int]]:
    """(rows, order-independent hash of all rows) of every table people read, in the snapshot."""
    with duckdb.connect(str(snapshot), read_only=True) as conn:
        return {
            name: tuple(conn.execute(f"SELECT count(*), coalesce(sum(hash(x)::HUGEINT), 0) FROM {name} x").fetchone())  # type: ignore[misc]
            for name in READER_TABLES
        }


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DAY built by `spotify-assets run` with nobody else around: what a disturbed day must equal."""
    data = tmp_path_factory.mktemp("undisturbed") / "data"
    done = cli(data, "run", "--date", DAY)
    assert done.returncode == 0, done.stdout + done.stderr
    return data


def test_a_run_waits_while_another_process_holds_the_warehouse_then_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    live = data / "spotify.duckdb"
    monkeypatch.setenv("SPOTIFY_ASSETS_DATA_DIR", str(data))
    monkeypatch.setenv("SPOTIFY_DUCKDB_LOCK_WAIT", "120")
    from spotify_assets.cli import refresh_history
    from spotify_assets.definitions import defs as load_definitions

    defs = load_definitions()
    job = defs.resolve_job_def("daily_snapshot_job")
    with holding(live, seconds=10) as holder, dg.instance_for_test() as instance:
        result = job.execute_in_process(partition_key=DAY, instance=instance, raise_on_error=False)
        messages = [(e.level, e.step_key, e.user_message) for e in instance.all_logs(result.run_id)]
        holder_still_there = holder.poll()  # None while it held: the run waited for it to exit
        # Then the snapshot, as the automation sensor (or `spotify-assets run`) publishes it.
        history = refresh_history(defs, instance)
    assert result.success, [m for m in messages if m[0] >= 40]
    assert history.success
    assert holder_still_there is not None, "the holder outlived the run: the run did not wait for it"
    waiting = [m for m in messages if m[0] == logging.WARNING and f"(PID {holder.pid})" in m[2]]
    assert waiting, [m for m in messages if m[0] >= logging.WARNING]
    _, step, first = waiting[0]
    assert step == "spotify_tables"  # the first step that opens the file (landing only checks its folder)
    assert re.fullmatch(
        rf"The warehouse {re.escape(str(live.resolve()))} is held open by \S*python\S* \(PID {holder.pid}\): "
        r"waiting for it to be released, \d+ s left \(SPOTIFY_DUCKDB_LOCK_WAIT=120\)",
        first,
    ), first
    assert any(
        re.fullmatch(rf"The warehouse {re.escape(str(live.resolve()))} was released after \d+ s; going on", m[2])
        for m in messages
    )
    # The day is whole in the warehouse and in the snapshot published after it.
    days = snapshot_days(data / "spotify_snapshot.duckdb")
    assert [d["day"] for d in days] == [DAY] and half_built(days) == []


def test_a_holder_past_the_wait_fails_the_run_in_one_sentence_and_a_rerun_is_identical(
    tmp_path: Path, undisturbed: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    live = data / "spotify.duckdb"
    with holding(live) as holder:
        failed = cli(data, "run", "--date", DAY, env={"SPOTIFY_DUCKDB_LOCK_WAIT": "2"})
    assert failed.returncode == 1, failed.stdout + failed.stderr
    # The summary says why in one sentence: the file, the holder, the wait, what to do.
    [line] = [line for line in failed.stdout.splitlines() if line.startswith("  failed:")]
    assert re.fullmatch(
        rf"  failed:  spotify_tables: The warehouse {re.escape(str(live.resolve()))} was held open by "
        rf"\S*python\S* \(PID {holder.pid}\) for the 2 s this step may wait \(SPOTIFY_DUCKDB_LOCK_WAIT\): "
        rf"close that connection, or have it read the snapshot {re.escape(str((data / 'spotify_snapshot.duckdb').resolve()))} "
        r"instead, then rerun the day\.",
        line,
    ), line
    # No traceback anywhere on the terminal; the wait was announced as it began.
    terminal = failed.stdout + failed.stderr
    assert "Traceback" not in terminal and "Stack Trace" not in terminal and "IO Error" not in terminal, terminal
    assert f"(PID {holder.pid}): waiting for it to be released" in failed.stderr
    # The day's raw data stayed landed; nothing was published (there was no earlier good day).
    for folder in ("new_releases", "album_tracks"):
        assert (data / "raw" / folder / f"date={DAY}" / "_manifest.json").is_file()
    assert not (data / "spotify_snapshot.duckdb").exists()

    rerun = cli(data, "run", "--date", DAY)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    day = date.fromisoformat(DAY)
    assert table_fingerprints(str(live), day) == table_fingerprints(str(undisturbed / "spotify.duckdb"), day)
    assert snapshot_fingerprints(data / "spotify_snapshot.duckdb") == snapshot_fingerprints(
        undisturbed / "spotify_snapshot.duckdb"
    )


def test_the_wait_is_a_setting_listed_with_its_default() -> None:
    from spotify_assets.settings import resources_from_env, settings_reference

    assert resources_from_env({})["warehouse"].lock_wait == 600
    assert resources_from_env({"SPOTIFY_DUCKDB_LOCK_WAIT": "2.5"})["warehouse"].lock_wait == 2.5
    assert "| `SPOTIFY_DUCKDB_LOCK_WAIT` | `600` | WarehouseResource |" in settings_reference()


def test_sql_answers_from_the_snapshot_while_another_process_holds_the_warehouse(undisturbed: Path) -> None:
    query = "SELECT snapshot_date, count(*) AS albums FROM albums GROUP BY ALL"
    with holding(undisturbed / "spotify.duckdb"):
        table = cli(undisturbed, "sql", query, timeout=120)
        as_csv = cli(undisturbed, "sql", "--csv", query, timeout=120)
        as_json = cli(undisturbed, "sql", "--json", query, timeout=120)
        prompt = cli(
            undisturbed,
            "sql",
            input_text="SELECT count(*) AS tracks\n  FROM tracks;\nSELECT nonsense FROM albums;\nSHOW TABLES;\n",
            timeout=120,
        )
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines() == [
        "snapshot_date  albums",
        "-------------  ------",
        f"{DAY}        100",
        "(1 row)",
    ]
    assert list(csv.DictReader(io.StringIO(as_csv.stdout))) == [{"snapshot_date": DAY, "albums": "100"}]
    assert json.loads(as_json.stdout) == [{"snapshot_date": DAY, "albums": 100}]
    # The prompt: what it opened, each statement's rows, a mistake said in one line and skipped.
    assert prompt.returncode == 0, prompt.stderr
    snapshot = undisturbed / "spotify_snapshot.duckdb"
    assert f"snapshot {snapshot}: 1 day ({DAY} to {DAY}), published " in prompt.stdout
    tracks = sum(1 for _ in _rows(undisturbed, "tracks"))
    assert re.search(rf"^tracks\n-+\n\s*{tracks}\n\(1 row\)$", prompt.stdout, re.MULTILINE), prompt.stdout
    assert re.search(r"^error: .*nonsense", prompt.stderr, re.MULTILINE) and "Traceback" not in prompt.stderr
    for name in ("albums", "trend_explicit_share", "analytics_top_artists", "snapshot_info"):
        assert re.search(rf"^{name}$", prompt.stdout, re.MULTILINE), prompt.stdout


def test_sql_says_who_keeps_it_out_when_a_reader_holds_the_snapshot_read_write(undisturbed: Path) -> None:
    snapshot = undisturbed / "spotify_snapshot.duckdb"
    with holding(snapshot) as reader:
        done = cli(undisturbed, "sql", "SELECT 1", timeout=120)
    assert done.returncode == 1
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert f"the snapshot {snapshot} is held open read-write by " in line and f"(PID {reader.pid})" in line
    assert "read_only=True" in line
    # Read-only readers share it.
    with holding(snapshot, read_only=True):
        shared = cli(undisturbed, "sql", "--csv", "SELECT count(*) AS n FROM albums", timeout=120)
    assert shared.returncode == 0 and shared.stdout.splitlines() == ["n", "100"], shared.stderr


def _rows(data: Path, table: str) -> list[Any]:
    with duckdb.connect(str(data / "spotify_snapshot.duckdb"), read_only=True) as conn:
        return conn.execute(f"SELECT * FROM {table}").fetchall()
