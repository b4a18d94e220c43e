"""The project the way Dagster users drive it: ``dg`` from the repo root (``dg list defs`` and ``dg
check defs`` see what ``defs()`` resolves, ``dg launch`` materializes a day, ``dg dev`` stops as a
whole), and the workspace.yaml path it supersedes, which still loads (``dagster definitions
validate -w``, ``dagster dev -w``).

Each command runs as a subprocess of this environment's ``dg`` / ``dagster`` over a scratch
DAGSTER_HOME and data folder (the embedded emulator), as ``make dev`` runs it: no activated venv,
VIRTUAL_ENV naming the environment (see ``spotify_assets.harness.dagster_dev.dg_env``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import psutil
import pytest

from spotify_assets.emulator import Catalog
from spotify_assets.harness.dagster_dev import DG, dagster_dev, dg_dev, dg_env
from spotify_assets.harness.instance import scratch_env, scratch_instance
from spotify_assets.harness.processes import REPO, HarnessError, group_members
from spotify_assets.resources.spotify import EmulatorSpotifyResource
from spotify_assets.settings import spotify_from_env

DAY = "2026-03-09"
# What `dg launch` materializes: the day's landing and its warehouse tables, in selection syntax.
GROUPS = ("raw", "warehouse")
SELECTION = ",".join(f"group:{group}" for group in GROUPS)
LOCATION = "spotify_assets"  # [tool.dg.project] code_location_name, workspace.yaml and deploy/ alike
VENV_WARNING = "active virtual environment does not match"


def run(command: list[str], root: Path, timeout_s: float = 240) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``command`` from the repo root over ``root``'s scratch instance; (its result, DAGSTER_HOME)."""
    home, data_dir = scratch_instance(root)
    done = subprocess.run(
        command,
        cwd=REPO,
        env=dg_env(scratch_env(home, data_dir)),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, (
        f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    assert VENV_WARNING not in done.stderr, done.stderr
    return done, home


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    from spotify_assets.definitions import defs

    return defs()


def test_dg_list_defs_lists_what_defs_resolves(tmp_path: Path, definitions: dg.Definitions) -> None:
    done, _ = run([str(DG), "list", "defs", "--json"], tmp_path)
    listed: dict[str, list[dict[str, Any]]] = json.loads(done.stdout)
    graph = definitions.resolve_asset_graph()
    repository = definitions.get_repository_def()
    resolved = {
        "assets": sorted(key.to_user_string() for key in graph.get_all_asset_keys()),
        "asset_checks": sorted(f"{key.asset_key.to_user_string()}:{key.name}" for key in graph.asset_check_keys),
        # Dagster's implicit asset job (__ASSET_JOB) is hidden from listings, as in the UI.
        "jobs": sorted(job.name for job in definitions.resolve_all_job_defs() if not job.name.startswith("__")),
        "schedules": sorted(schedule.name for schedule in repository.schedule_defs),
        "sensors": sorted(sensor.name for sensor in repository.sensor_defs),
    }
    by_dg = {
        "assets": sorted(asset["asset_key"] for asset in listed["assets"]),
        "asset_checks": sorted(check["key"] for check in listed["asset_checks"]),
        "jobs": sorted(job["name"] for job in listed["jobs"]),
        "schedules": sorted(schedule["name"] for schedule in listed["schedules"]),
        "sensors": sorted(sensor["name"] for sensor in listed["sensors"]),
    }
    assert all(resolved.values()), f"defs() resolved an empty kind: {resolved}"
    assert by_dg == resolved


def test_dg_check_defs_passes(tmp_path: Path) -> None:
    done, _ = run([str(DG), "check", "defs"], tmp_path)
    assert "All definitions loaded successfully" in done.stdout, done.stdout + done.stderr


def test_dg_launch_materializes_the_day_of_the_selection(tmp_path: Path, definitions: dg.Definitions) -> None:
    graph = definitions.resolve_asset_graph()
    selected = [key for key in graph.get_all_asset_keys() if graph.get(key).group_name in GROUPS]
    assert {key.to_user_string() for key in selected} >= {"raw_new_releases", "raw_album_tracks", "albums", "tracks"}

    done, home = run([str(DG), "launch", "--assets", SELECTION, "--partition", DAY], tmp_path, timeout_s=280)

    with dg.DagsterInstance.from_config(str(home)) as instance:
        partitions = {
            key.to_user_string(): sorted(
                str(record.partition_key) for record in instance.fetch_materializations(key, limit=10).records
            )
            for key in selected
        }
    # The day for the daily assets; the whole-history snapshot (unpartitioned) once, without a day.
    expected_partitions = {
        key.to_user_string(): [DAY if graph.get(key).partitions_def is not None else "None"] for key in selected
    }
    assert partitions == expected_partitions, done.stderr[-3000:]
    # The day's rows are the emulator's catalog for that day (same settings, same market).
    spotify = spotify_from_env(scratch_env(home, tmp_path / "data"))
    assert isinstance(spotify, EmulatorSpotifyResource)
    expected = Catalog(spotify.catalog_config()).expected_counts(date.fromisoformat(DAY), spotify.market)
    with duckdb.connect(str(tmp_path / "data" / "spotify.duckdb"), read_only=True) as conn:
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table} WHERE snapshot_date = ?", [DAY]).fetchall()[0][0]
            for table in expected
        }
    assert counts == expected


def test_workspace_yaml_validates(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"]
    done, _ = run(command, tmp_path)
    assert f"Validation successful for code location {LOCATION}." in done.stderr + done.stdout, done.stderr


def test_dagster_dev_with_workspace_yaml_still_loads_the_daily_job(tmp_path: Path) -> None:
    """A short check: ``dagster dev -w workspace.yaml`` starts, its code location loads with
    daily_snapshot_job (the harness waits for it through GraphQL), and it stops whole."""
    try:
        with dagster_dev(tmp_path) as server:
            assert (server.location, server.repository) == (LOCATION, "__repository__")
    except HarnessError as error:
        pytest.fail(str(error))


def role(process: psutil.Process) -> str:
    command = " ".join(process.cmdline())
    for needle, name in (
        ("dagster_webserver", "webserver"),
        ("dagster._daemon", "daemon"),
        ("code-server start", "code server"),
        ("api grpc", "code server"),
    ):
        if needle in command:
            return name
    return "other"


def test_dg_dev_stops_as_a_whole_with_a_run_in_flight(tmp_path: Path) -> None:
    """dg dev's tree (webserver, daemon, code server, the run's processes) is gone after the stop,
    even with a run still executing, and nothing is left in its process group."""
    try:
        with dg_dev(tmp_path) as server:
            leader = psutil.Process(server.process.pid)
            idle = leader.children(recursive=True)
            assert {role(p) for p in idle} >= {"webserver", "daemon", "code server"}, [p.cmdline() for p in idle]
            run_id = server.launch_run(DAY)
            assert server.wait_run(run_id, 180, until=frozenset({"STARTED", "SUCCESS", "FAILURE"})) == "STARTED"
            deadline = time.monotonic() + 20
            while len(tree := leader.children(recursive=True)) <= len(idle) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert server.run_status(run_id) == "STARTED", "the run ended before the stop; nothing in flight"
            assert len(tree) > len(idle), "no process of the run found in dg dev's tree"
    except HarnessError as error:
        pytest.fail(str(error))
    alive = [p for p in [leader, *tree] if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not alive, [p.cmdline() for p in alive]
    assert not group_members(leader.pid)
