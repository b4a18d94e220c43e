"""The GraphQL calls the smoke test makes (what the UI's buttons send)."""

from __future__ import annotations

import time
from typing import Any

from spotify_assets_tests.dagster_dev import DONE, JOB, LAUNCH_BACKFILL, LAUNCH_RUN, RUN_STATUS, DagsterServer

SCHEDULE = "daily_snapshot_job_schedule"
ALERT_SENSOR = "daily_snapshot_failure_alert"

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
BACKFILL = """
query Backfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) { __typename ... on PartitionBackfill { status } ... on Error { message } }
}"""
RUNS_WITH_TAG = """
query Runs($key: String!, $value: String!) {
  runsOrError(filter: {tags: [{key: $key, value: $value}]}) {
    __typename ... on Runs { results { runId status tags { key value } } }
  }
}"""


class Dagster:
    """The webserver's GraphQL API, addressed at the code location the smoke test started."""

    def __init__(self, server: DagsterServer) -> None:
        self.server = server

    def _repository(self) -> dict[str, str]:
        return {"repositoryLocationName": self.server.location, "repositoryName": self.server.repository}

    def schedule_selector(self) -> dict[str, str]:
        return {**self._repository(), "scheduleName": SCHEDULE}

    def start_schedule(self) -> str:
        result = self.server.gql(START_SCHEDULE, {"selector": self.schedule_selector()})["startSchedule"]
        assert result["__typename"] == "ScheduleStateResult", f"startSchedule: {result}"
        return result["scheduleState"]["id"]

    def stop_schedule(self, state_id: str) -> None:
        result = self.server.gql(STOP_SCHEDULE, {"id": state_id})["stopRunningSchedule"]
        assert result["__typename"] == "ScheduleStateResult", f"stopRunningSchedule: {result}"

    def schedule_ticks(self) -> list[dict[str, Any]]:
        found = self.server.gql(SCHEDULE_TICKS, {"selector": self.schedule_selector()})["scheduleOrError"]
        return found["scheduleState"]["ticks"]

    def sensor_ticks(self, name: str) -> list[dict[str, Any]]:
        selector = {**self._repository(), "sensorName": name}
        return self.server.gql(SENSOR_TICKS, {"selector": selector})["sensorOrError"]["sensorState"]["ticks"]

    def launch(self, partition: str, run_config: dict[str, Any] | None = None) -> str:
        params = {
            "selector": {**self._repository(), "jobName": JOB},
            "runConfigData": run_config or {},
            "executionMetadata": {"tags": [{"key": "dagster/partition", "value": partition}]},
        }
        launched = self.server.gql(LAUNCH_RUN, {"params": params})["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", f"launchRun: {launched}"
        return launched["run"]["runId"]

    def backfill(self, partitions: list[str], run_config: dict[str, Any] | None = None) -> str:
        params = {
            "selector": {"partitionSetName": f"{JOB}_partition_set", "repositorySelector": self._repository()},
            "partitionNames": partitions,
            "runConfigData": run_config or {},
        }
        result = self.server.gql(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
        assert result["__typename"] == "LaunchBackfillSuccess", f"launchPartitionBackfill: {result}"
        return result["backfillId"]

    def backfill_status(self, backfill_id: str) -> str:
        return self.server.gql(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]["status"]

    def runs_tagged(self, key: str, value: str) -> list[dict[str, Any]]:
        return self.server.gql(RUNS_WITH_TAG, {"key": key, "value": value})["runsOrError"]["results"]

    def run_status(self, run_id: str) -> str:
        return self.server.gql(RUN_STATUS, {"runId": run_id})["runOrError"]["status"]

    def wait_run(self, run_id: str, timeout_s: float, until: set[str] = DONE) -> str:
        deadline, status = time.monotonic() + timeout_s, ""
        while time.monotonic() < deadline:
            status = self.run_status(run_id)
            if status in until:
                return status
            time.sleep(1)
        raise TimeoutError(f"run {run_id} still {status} after {timeout_s:.0f}s")
