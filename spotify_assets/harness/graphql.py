"""A running Dagster webserver's GraphQL API: what the UI's buttons send (launch a partition,
launch a backfill, start a schedule) and what its pages read (statuses, ticks, check results)."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import requests

from spotify_assets.harness.processes import HarnessError
from spotify_assets.orchestration.partitions import daily_partitions

DAILY_JOB = "daily_snapshot_job"
DONE = frozenset({"SUCCESS", "FAILURE", "CANCELED"})

WORKSPACE = """
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
RUNS_WITH_TAG = """
query Runs($key: String!, $value: String!) {
  runsOrError(filter: {tags: [{key: $key, value: $value}]}) {
    __typename ... on Runs { results { runId status tags { key value } } }
  }
}"""
MATERIALIZATIONS = """
query Materializations($key: AssetKeyInput!) {
  assetOrError(assetKey: $key) { __typename
    ... on Asset { assetMaterializations(limit: 20) { runId timestamp partition } } }
}"""
PARTITION_STATUS = """
query Partitions($key: AssetKeyInput!) {
  assetNodeOrError(assetKey: $key) { __typename
    ... on AssetNode { assetPartitionStatuses { __typename
        ... on TimePartitionStatuses { ranges { status startKey endKey } } } } }
}
"""
BACKFILL = """
query Backfill($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
    ... on PartitionBackfill { status runs(limit: 1000) { runId status tags { key value } } }
    ... on Error { message } } }
"""
CHECK_EXECUTIONS = """
query Checks($key: AssetKeyInput!, $name: String!) {
  assetCheckExecutions(assetKey: $key, checkName: $name, limit: 100) {
    runId status partition evaluation { success }
  }
}
"""
START_SCHEDULE = """
mutation Start($selector: ScheduleSelector!) {
  startSchedule(scheduleSelector: $selector) {
    __typename ... on ScheduleStateResult { scheduleState { id status } } ... on PythonError { message }
  }
}"""
STOP_SCHEDULE = """
mutation Stop($id: String!) {
  stopRunningSchedule(id: $id) { __typename ... on ScheduleStateResult { scheduleState { status } } ... on PythonError { message } }
}"""
SCHEDULE_TICKS = """
query Ticks($selector: ScheduleSelector!) {
  scheduleOrError(scheduleSelector: $selector) {
    __typename ... on Schedule { scheduleState { id ticks(limit: 10) { status timestamp runIds error { message } } } }
  }
}"""
SENSOR_TICKS = """
query Ticks($selector: SensorSelector!) {
  sensorOrError(sensorSelector: $selector) {
    __typename ... on Sensor { sensorState { status ticks(limit: 5) { status timestamp } } }
  }
}"""


@dataclass
class DagsterServer:
    """A webserver at ``url`` (its process and log), addressed at the code location that holds the
    daily job once ``wait_until_ready`` has found it."""

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
            raise HarnessError(f"GraphQL answered {reply.status_code}: {reply.text[:2000]}\n{self.log_tail(20)}")
        body = reply.json()
        if body.get("errors"):
            raise HarnessError(f"GraphQL errors: {body['errors']}")
        data: dict[str, Any] = body["data"]
        return data

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_until_ready(self, job: str = DAILY_JOB, timeout_s: float = 120) -> None:
        """/server_info answers, then a code location has loaded and holds ``job`` (its location and
        repository are what the launches below address)."""
        deadline = time.monotonic() + timeout_s
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HarnessError(f"{self.process.args!r} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                requests.get(f"{self.url}/server_info", timeout=5).raise_for_status()
                entries = self.gql(WORKSPACE)["workspaceOrError"].get("locationEntries", [])
            except (requests.RequestException, ValueError, HarnessError) as error:
                last = repr(error)
                time.sleep(0.5)
                continue
            for entry in entries:
                located = entry["locationOrLoadError"] or {}
                if located.get("__typename") == "PythonError":
                    raise HarnessError(
                        f"code location {entry['name']} failed to load: {located['message']}\n{located['stack']}"
                    )
                for repo in located.get("repositories", []):
                    if job in {j["name"] for j in repo["jobs"]}:
                        self.location, self.repository = entry["name"], repo["name"]
                        return
            last = f"locations: {[(e['name'], e['loadStatus']) for e in entries]}"
            time.sleep(0.5)
        raise HarnessError(f"{self.url} not ready after {timeout_s:.0f} s ({last}):\n{self.log_tail()}")

    def _repository(self) -> dict[str, str]:
        return {"repositoryLocationName": self.location, "repositoryName": self.repository}

    # ----- runs -----------------------------------------------------------------------------
    def launch_run(self, partition: str, run_config: dict[str, Any] | None = None, job: str = DAILY_JOB) -> str:
        """One partition of ``job``, with no run config unless given, as the UI's Materialize button
        launches it."""
        params = {
            "selector": {**self._repository(), "jobName": job},
            "runConfigData": run_config or {},
            "executionMetadata": {"tags": [{"key": "dagster/partition", "value": partition}]},
        }
        launched = self.gql(LAUNCH_RUN, {"params": params})["launchRun"]
        if launched["__typename"] != "LaunchRunSuccess":
            raise HarnessError(f"launchRun failed: {launched}")
        return str(launched["run"]["runId"])

    def run_status(self, run_id: str) -> str:
        return str(self.gql(RUN_STATUS, {"runId": run_id})["runOrError"]["status"])

    def wait_run(self, run_id: str, timeout_s: float, poll_s: float = 0.25, until: frozenset[str] = DONE) -> str:
        """The run's status once it is one of ``until`` (by default: final), or ``HarnessError``
        after ``timeout_s``."""
        deadline, status = time.monotonic() + timeout_s, ""
        while time.monotonic() < deadline:
            status = self.run_status(run_id)
            if status in until:
                return status
            time.sleep(poll_s)
        raise HarnessError(f"run {run_id} still {status} after {timeout_s:.0f} s:\n{self.log_tail()}")

    def run_times(self, run_id: str) -> dict[str, float]:
        """creationTime (queued), startTime (its process began executing), endTime, as epoch seconds."""
        times: dict[str, float] = self.gql(RUN_TIMES, {"runId": run_id})["runOrError"]
        return times

    def runs_tagged(self, key: str, value: str) -> list[dict[str, Any]]:
        runs: list[dict[str, Any]] = self.gql(RUNS_WITH_TAG, {"key": key, "value": value})["runsOrError"]["results"]
        return runs

    # ----- backfills ------------------------------------------------------------------------
    def _launch_backfill(self, params: dict[str, Any]) -> str:
        launched = self.gql(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
        if launched["__typename"] != "LaunchBackfillSuccess":
            raise HarnessError(f"launchPartitionBackfill failed: {launched}")
        return str(launched["backfillId"])

    def launch_backfill(self, partitions: list[str], assets: list[str]) -> str:
        """A backfill of ``assets`` over ``partitions``, as the UI's asset-graph "Materialize" over a
        partition range launches it (launchPartitionBackfill with an asset selection)."""
        return self._launch_backfill(
            {
                "partitionNames": partitions,
                "assetSelection": [{"path": [name]} for name in assets],
                "fromFailure": False,
            }
        )

    def launch_job_backfill(
        self, partitions: list[str], run_config: dict[str, Any] | None = None, job: str = DAILY_JOB
    ) -> str:
        """A backfill of ``job`` over ``partitions``, as the job page's "Materialize all" launches it."""
        return self._launch_backfill(
            {
                "selector": {"partitionSetName": f"{job}_partition_set", "repositorySelector": self._repository()},
                "partitionNames": partitions,
                "runConfigData": run_config or {},
            }
        )

    def backfill(self, backfill_id: str) -> dict[str, Any]:
        """The backfill's status and runs."""
        found: dict[str, Any] = self.gql(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
        return found

    def backfill_status(self, backfill_id: str) -> str:
        found = self.backfill(backfill_id)
        if found["__typename"] != "PartitionBackfill":
            raise HarnessError(f"backfill {backfill_id}: {found}")
        return str(found["status"])

    # ----- assets and checks ----------------------------------------------------------------
    def partition_status(self, asset: str) -> dict[str, str]:
        """Each partition key of ``asset`` with a status (MATERIALIZED, FAILED, MATERIALIZING), as the UI shows them."""
        node = self.gql(PARTITION_STATUS, {"key": {"path": [asset]}})["assetNodeOrError"]
        spans = (node.get("assetPartitionStatuses") or {}).get("ranges") or []
        keyed: dict[str, str] = {}
        for span in spans:
            days = dg.PartitionKeyRange(span["startKey"], span["endKey"])
            for key in daily_partitions.get_partition_keys_in_range(days):
                keyed[key] = span["status"]
        return keyed

    def materializations(self, asset: str) -> list[dict[str, Any]]:
        """The asset's latest materializations, newest first: runId, timestamp (ms), partition."""
        found = self.gql(MATERIALIZATIONS, {"key": {"path": [asset]}})["assetOrError"]
        return list(found.get("assetMaterializations") or [])

    def wait_materialized_by_another_run(
        self, asset: str, not_by: set[str], timeout_s: float, since_ms: float = 0
    ) -> dict[str, Any]:
        """The first materialization of ``asset`` after ``since_ms`` by a run not in ``not_by``:
        what the automation sensor requested (it ticks every 30 s)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for found in self.materializations(asset):
                if found["runId"] not in not_by and float(found["timestamp"]) > since_ms:
                    return found
            time.sleep(1)
        raise HarnessError(f"{asset} not materialized by the automation after {timeout_s:.0f} s:\n{self.log_tail()}")

    def check_executions(self, asset: str, check: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.gql(CHECK_EXECUTIONS, {"key": {"path": [asset]}, "name": check})[
            "assetCheckExecutions"
        ]
        return found

    # ----- schedules and sensors ------------------------------------------------------------
    def _schedule_selector(self, schedule: str) -> dict[str, str]:
        return {**self._repository(), "scheduleName": schedule}

    def start_schedule(self, schedule: str) -> str:
        """Turns ``schedule`` on (the daemon then ticks it); returns its state id."""
        result = self.gql(START_SCHEDULE, {"selector": self._schedule_selector(schedule)})["startSchedule"]
        if result["__typename"] != "ScheduleStateResult":
            raise HarnessError(f"startSchedule {schedule}: {result}")
        return str(result["scheduleState"]["id"])

    def stop_schedule(self, state_id: str) -> None:
        result = self.gql(STOP_SCHEDULE, {"id": state_id})["stopRunningSchedule"]
        if result["__typename"] != "ScheduleStateResult":
            raise HarnessError(f"stopRunningSchedule: {result}")

    def schedule_ticks(self, schedule: str) -> list[dict[str, Any]]:
        found = self.gql(SCHEDULE_TICKS, {"selector": self._schedule_selector(schedule)})["scheduleOrError"]
        ticks: list[dict[str, Any]] = found["scheduleState"]["ticks"]
        return ticks

    def sensor_ticks(self, sensor: str) -> list[dict[str, Any]]:
        selector = {**self._repository(), "sensorName": sensor}
        ticks: list[dict[str, Any]] = self.gql(SENSOR_TICKS, {"selector": selector})["sensorOrError"]["sensorState"][
            "ticks"
        ]
        return ticks
