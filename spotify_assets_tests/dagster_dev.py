"""A real ``dagster dev`` (webserver + daemon) on 127.0.0.1 over a scratch instance, and its GraphQL API.

Shared by the browser e2e test, the orchestration tests and the benchmark (bench/ui_path.py), so
all of them start it, launch runs and backfills, and stop it the same way. No pytest here: errors
are ``DagsterDevError`` (a fixture turns them into a failed test, the benchmark into a report line).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml

REPO = Path(__file__).resolve().parents[1]
JOB = "daily_snapshot_job"
SERVER_START_TIMEOUT_S = 120
DONE = {"SUCCESS", "FAILURE", "CANCELED"}


class DagsterDevError(RuntimeError):
    """dagster dev did not start, or a run or backfill did not get where it should."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


WORKSPACE_QUERY = """
{ workspaceOrError { __typename
    ... on Workspace { locationEntries { name loadStatus
        locationOrLoadError { __typename
            ... on RepositoryLocation { repositories { name jobs { name } } }
            ... on PythonError { message stack } } } }
    ... on PythonError { message } } }
"""
LAUNCH_RUN = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on Error { message }
  }
}
"""
LAUNCH_BACKFILL = """
mutation Backfill($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""
RUN_STATUS = "query Status($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run { status } } }"
RUN_TIMES = "query Times($runId: ID!) { runOrError(runId: $runId) { ... on Run { creationTime startTime endTime } } }"
PARTITION_STATUS = """
query Partitions($key: AssetKeyInput!) {
  assetNodeOrError(assetKey: $key) { __typename
    ... on AssetNode { assetPartitionStatuses { __typename
        ... on TimePartitionStatuses { ranges { status startKey endKey } } } } }
}
"""
BACKFILL_STATUS = """
query Backfill($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
    ... on PartitionBackfill { status runs(limit: 1000) { runId status tags { key value } } } } }
"""
CHECK_EXECUTIONS = """
query Checks($key: AssetKeyInput!, $name: String!) {
  assetCheckExecutions(assetKey: $key, checkName: $name, limit: 100) {
    runId status partition evaluation { success }
  }
}
"""


@dataclass
class DagsterServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    data_dir: Path
    location: str = ""
    repository: str = ""

    def gql(self, query: str, variables: dict[str, Any] | None = None, timeout_s: float = 30) -> dict[str, Any]:
        reply = requests.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=timeout_s
        )
        if reply.status_code >= 400:
            raise DagsterDevError(f"GraphQL answered {reply.status_code}: {reply.text[:2000]}\n{self.log_tail(20)}")
        body = reply.json()
        if body.get("errors"):
            raise DagsterDevError(f"GraphQL errors: {body['errors']}")
        return body["data"]

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def launch_run(self, partition: str, run_config: dict[str, Any] | None = None) -> str:
        """One partition of the daily job with no run config, as the UI's Materialize button does."""
        params = {
            "selector": {"repositoryLocationName": self.location, "repositoryName": self.repository, "jobName": JOB},
            "runConfigData": run_config or {},
            "executionMetadata": {"tags": [{"key": "dagster/partition", "value": partition}]},
        }
        launched = self.gql(LAUNCH_RUN, {"params": params})["launchRun"]
        if launched["__typename"] != "LaunchRunSuccess":
            raise DagsterDevError(f"launchRun failed: {launched}")
        return launched["run"]["runId"]

    def wait_run(self, run_id: str, timeout_s: float, poll_s: float = 0.25) -> str:
        """The run's final status (SUCCESS, FAILURE, CANCELED), or DagsterDevError after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = self.gql(RUN_STATUS, {"runId": run_id})["runOrError"]["status"]
            if status in DONE:
                return status
            time.sleep(poll_s)
        raise DagsterDevError(f"run {run_id} not done after {timeout_s:.0f} s:\n{self.log_tail()}")

    def run_times(self, run_id: str) -> dict[str, float]:
        """creationTime (queued), startTime (its process began executing), endTime, as epoch seconds."""
        return self.gql(RUN_TIMES, {"runId": run_id})["runOrError"]

    def launch_backfill(self, partitions: list[str], assets: list[str]) -> str:
        """A backfill of ``assets`` over ``partitions``, as the UI's asset-graph "Materialize" over a
        partition range launches it (launchPartitionBackfill with an asset selection)."""
        params = {
            "partitionNames": partitions,
            "assetSelection": [{"path": [name]} for name in assets],
            "fromFailure": False,
        }
        launched = self.gql(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
        if launched["__typename"] != "LaunchBackfillSuccess":
            raise DagsterDevError(f"launchPartitionBackfill failed: {launched}")
        return launched["backfillId"]

    def partition_status(self, asset: str) -> dict[str, str]:
        """Each partition key of ``asset`` with a status (MATERIALIZED, FAILED, MATERIALIZING), as the UI shows them."""
        node = self.gql(PARTITION_STATUS, {"key": {"path": [asset]}})["assetNodeOrError"]
        statuses = (node.get("assetPartitionStatuses") or {}).get("ranges") or []
        from spotify_assets.orchestration.partitions import daily_partitions

        keyed: dict[str, str] = {}
        for span in statuses:
            for key in daily_partitions.get_partition_keys_in_range(_range(span["startKey"], span["endKey"])):
                keyed[key] = span["status"]
        return keyed

    def backfill(self, backfill_id: str) -> dict[str, Any]:
        return self.gql(BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]

    def check_executions(self, asset: str, check: str) -> list[dict[str, Any]]:
        return self.gql(CHECK_EXECUTIONS, {"key": {"path": [asset]}, "name": check})["assetCheckExecutions"]


def _range(start: str, end: str) -> Any:
    import dagster as dg

    return dg.PartitionKeyRange(start, end)


def instance_yaml(home: Path) -> None:
    """The repo's instance settings (dagster_home/dagster.yaml), telemetry forced off."""
    settings = yaml.safe_load((REPO / "dagster_home" / "dagster.yaml").read_text()) or {}
    settings["telemetry"] = {"enabled": False}
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings))


def server_env(home: Path, data_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    # Nothing of the caller's Dagster or platform settings leaks in (S3 buckets, DuckDB paths, a
    # real Spotify backend): the server runs on the embedded emulator over a temporary folder.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "SPOTIFY_"))}
    env.update(DAGSTER_HOME=str(home), SPOTIFY_ASSETS_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **(extra or {}))
    return env


@contextmanager
def sigint_not_ignored() -> Iterator[None]:
    """A parent started in the background (``cmd &`` in a non-interactive shell) ignores SIGINT and
    its children inherit that; dagster dev then ignores SIGTERM too (it maps SIGTERM to SIGINT's
    handler). Handled while starting it, SIGINT reaches the child as default, so the graceful stop
    works."""
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(process: subprocess.Popen[bytes], grace_s: float = 20) -> None:
    """SIGTERM to dagster dev (it stops its webserver and daemon), SIGTERM to what is left of its
    process group (code servers, run workers), then SIGKILL to the group."""
    pgid = process.pid  # start_new_session: the leader's pid is the group id
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace_s)
    for sig, wait_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait_s
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.1)
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def wait_until_ready(server: DagsterServer, job: str, timeout_s: float) -> None:
    """/server_info answers, then the code location has loaded and holds ``job``."""
    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise DagsterDevError(f"dagster dev exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            requests.get(f"{server.url}/server_info", timeout=5).raise_for_status()
            entries = server.gql(WORKSPACE_QUERY)["workspaceOrError"].get("locationEntries", [])
        except (requests.RequestException, ValueError, DagsterDevError) as error:
            last = repr(error)
            time.sleep(0.5)
            continue
        for entry in entries:
            located = entry["locationOrLoadError"] or {}
            if located.get("__typename") == "PythonError":
                raise DagsterDevError(
                    f"code location {entry['name']} failed to load: {located['message']}\n{located['stack']}"
                )
            for repo in located.get("repositories", []):
                if job in {j["name"] for j in repo["jobs"]}:
                    server.location, server.repository = entry["name"], repo["name"]
                    return
        last = f"locations: {[(e['name'], e['loadStatus']) for e in entries]}"
        time.sleep(0.5)
    raise DagsterDevError(f"dagster dev not ready after {timeout_s}s ({last}):\n{server.log_tail()}")


@contextmanager
def dagster_dev(root: Path, env: Mapping[str, str] | None = None) -> Iterator[DagsterServer]:
    """``dagster dev -w workspace.yaml`` (webserver + daemon, as ``make dev``) from the repo root on a
    free port, over ``root/dagster_home`` (built from dagster_home/dagster.yaml) and ``root/data``;
    ``env`` adds settings (e.g. SPOTIFY_EMULATOR_FAILING_DAYS). Stopped, whole process group, on exit."""
    home, data_dir = root / "dagster_home", root / "data"
    home.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    instance_yaml(home)
    port = free_port()
    log_path = root / "dagster-dev.log"
    command = [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]
    with log_path.open("wb") as log, sigint_not_ignored():
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=server_env(home, data_dir, env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, killed as a whole on exit
        )
    server = DagsterServer(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path, data_dir=data_dir)
    try:
        wait_until_ready(server, JOB, SERVER_START_TIMEOUT_S)
        # The local-only "Join the Dagster community" dialog would cover the page; mark it seen.
        server.gql("mutation { setNuxSeen }")
        yield server
    finally:
        stop(process)
