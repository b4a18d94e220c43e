"""``dg dev`` (what ``make dev`` runs: webserver, daemon and code server) from the repo root on
127.0.0.1 and a free port, over a scratch instance; and ``dagster dev -w workspace.yaml``, which
``dg dev`` supersedes, kept to prove workspace.yaml still loads."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from spotify_assets.harness.graphql import DAILY_JOB, DagsterServer
from spotify_assets.harness.instance import scratch_env, scratch_instance
from spotify_assets.harness.processes import BIN, REPO, free_port, start_group, stop_group

DG = BIN / "dg"
SERVER_START_TIMEOUT_S = 120


def dg_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` for running this environment's ``dg``: VIRTUAL_ENV names the environment it runs in.
    dg warns when VIRTUAL_ENV is not the project's .venv (it cannot tell otherwise that the ``dg``
    it runs is the project's own); said explicitly, the warning stays meaningful for a real mismatch
    (another environment's dg on this project) instead of being silenced for everyone."""
    return {**env, "VIRTUAL_ENV": sys.prefix}


def dg_dev_command(port: int) -> list[str]:
    return [str(DG), "dev", "--host", "127.0.0.1", "--port", str(port)]


def dagster_dev_command(port: int) -> list[str]:
    return [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]


@contextmanager
def _dev_server(
    command: list[str], port: int, root: Path, env: Mapping[str, str] | None, job: str, checkout: Path
) -> Iterator[DagsterServer]:
    home, data_dir = scratch_instance(root)
    log_path = root / "dagster-dev.log"
    process = start_group(command, checkout, dg_env(scratch_env(home, data_dir, env)), log_path)
    server = DagsterServer(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path, data_dir=data_dir)
    try:
        server.wait_until_ready(job, SERVER_START_TIMEOUT_S)
        # The local-only "Join the Dagster community" dialog would cover the page; mark it seen.
        server.gql("mutation { setNuxSeen }")
        yield server
    finally:
        stop_group(process)


@contextmanager
def dg_dev(
    root: Path, env: Mapping[str, str] | None = None, job: str = DAILY_JOB, checkout: Path = REPO
) -> Iterator[DagsterServer]:
    """``dg dev`` (as ``make dev``) from the repo root on a free port, over ``root/dagster_home``
    (built from dagster_home/dagster.yaml) and ``root/data``, ready once its code location holds
    ``job``; ``env`` adds settings (e.g. SPOTIFY_EMULATOR_FAILING_DAYS). Its whole process group is
    stopped on exit, and ``HarnessError`` names any process that outlived that. ``checkout``: the
    source tree it runs from (another commit's worktree, for the benchmark comparing designs)."""
    port = free_port()
    with _dev_server(dg_dev_command(port), port, root, env, job, checkout) as server:
        yield server


@contextmanager
def dagster_dev(
    root: Path, env: Mapping[str, str] | None = None, job: str = DAILY_JOB, checkout: Path = REPO
) -> Iterator[DagsterServer]:
    """``dagster dev -w workspace.yaml`` (superseded by ``dg dev``; workspace.yaml is what it reads),
    otherwise as ``dg_dev``."""
    port = free_port()
    with _dev_server(dagster_dev_command(port), port, root, env, job, checkout) as server:
        yield server
