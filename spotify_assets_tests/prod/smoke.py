"""``make prod-smoke``: the production topology on one machine, without Docker.

Boots a throwaway PostgreSQL cluster, then the code server, ``dagster-daemon run`` and
``dagster-webserver`` as separate process groups with ``deploy/dagster.yaml`` and
``deploy/workspace.yaml``, and proves, each on one output line:

1. the daily schedule's tick is evaluated by the daemon (cron ``* * * * *`` from
   SPOTIFY_DAILY_SCHEDULE_CRON, so a tick is due within a minute) and its run lands the day;
2. a 3-day backfill through the daemon lands each day;
3. runs, event logs and asset check results are rows in Postgres (queried with SQL);
4. the daemon killed (SIGKILL to its group) during a run and started again: the run ends SUCCESS
   or FAILURE, and a rerun of that day leaves the same rows;
5. a day forced to fail (its run points the Spotify client at a closed port) posts a failure
   alert, naming job, partition, step and error, and no secret, to a local webhook.

Every process group is torn down at the end, on failure, on SIGINT/SIGTERM and at interpreter
exit. Last line: ``prod-smoke: OK (...timings...)``; exit status 0. Without PostgreSQL server
binaries it prints ``prod-smoke: SKIPPED (why)`` and exits 0 (the pytest wrapper skips).

Proofs are about behaviour (runs ended, days landed, rows equal, rows in Postgres), never about
how many runs a backfill makes, so they hold whatever the job's backfill policy or executor.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from spotify_assets.orchestration.accepted_warnings import ignore_accepted_warnings

# The preview/beta Dagster APIs the definitions use on purpose say so on import (filtered by
# message, as the CLI does); the smoke test's output is one line per proof.
ignore_accepted_warnings()

from spotify_assets.emulator import Catalog  # noqa: E402
from spotify_assets.harness.graphql import DAILY_JOB as JOB  # noqa: E402
from spotify_assets.harness.graphql import DagsterServer  # noqa: E402
from spotify_assets.harness.instance import deploy_instance_yaml, scratch_env  # noqa: E402
from spotify_assets.harness.postgres import PostgresCluster, server_bin_dir  # noqa: E402
from spotify_assets.harness.processes import free_port  # noqa: E402
from spotify_assets.harness.topology import Topology  # noqa: E402
from spotify_assets.resources.spotify import EmulatorSpotifyResource  # noqa: E402
from spotify_assets.resources.warehouse_lock import exclusive_file_lock  # noqa: E402
from spotify_assets.settings import spotify_from_env  # noqa: E402
from spotify_assets_tests.alerts.conftest import serve_webhook  # noqa: E402
from spotify_assets_tests.platform.conftest import table_fingerprints  # noqa: E402

ALBUMS_PER_DAY = 20  # a small catalog: the proofs are about the topology, not the volume
SEED = 42
BACKFILL_DAYS = ["2026-11-01", "2026-11-02", "2026-11-03"]
FAILING_DAY = "2026-11-10"
SMOKE_SECRET = "prod-smoke-client-secret-3f9a71"  # the emulator accepts it; it must never reach the alert
SCHEDULE = "daily_snapshot_job_schedule"
ALERT_SENSOR = "daily_snapshot_failure_alert"
RUN_TIMEOUT_S = 240
START_TIMEOUT_S = 180
# Timing knobs only, over deploy/dagster.yaml: find a dead run worker within seconds, not a minute.
INSTANCE_OVERRIDES: dict[str, dict[str, Any]] = {
    "run_monitoring": {"poll_interval_seconds": 5, "start_timeout_seconds": 120}
}


def quick_run_config() -> dict[str, Any]:
    """Steps in the run worker's process when the job lets the run choose (the default
    multi-or-in-process executor): on 2 shared cores a run then takes seconds, not minutes of
    per-step process start-ups. Empty for a job with a fixed executor. The schedule's own tick
    run keeps the job's default, as in production."""
    from spotify_assets.definitions import defs as load_definitions

    defs = load_definitions()

    executor = defs.resolve_job_def(JOB).executor_def.name
    return {"execution": {"config": {"in_process": {}}}} if executor == "multi_or_in_process_executor" else {}


def say(line: str) -> None:
    print(line, flush=True)


@contextmanager
def teardown_guard(cleanup: Callable[[], None]) -> Iterator[None]:
    """``cleanup`` runs once: on leaving the block, on SIGINT/SIGTERM/SIGHUP, at interpreter exit."""
    done = False

    def once() -> None:
        nonlocal done
        if not done:
            done = True
            cleanup()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)  # unwinds through the finally below

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    atexit.register(once)
    try:
        yield
    finally:
        once()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def wait_for(what: str, probe: Callable[[], Any], timeout_s: float, every_s: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(every_s)
    raise TimeoutError(f"waited {timeout_s:.0f}s for {what}")


class Smoke:
    def __init__(self, root: Path, cluster: PostgresCluster, webhook_url: str) -> None:
        self.root, self.cluster = root, cluster
        self.home, self.data = root / "dagster_home", root / "data"
        self.home.mkdir()
        self.data.mkdir()
        deploy_instance_yaml(self.home, INSTANCE_OVERRIDES)
        env = scratch_env(self.home, self.data)
        env.update(cluster.env())
        env.update(
            SPOTIFY_DAILY_SCHEDULE_CRON="* * * * *",
            SPOTIFY_ALERT_WEBHOOK_URL=webhook_url,
            SPOTIFY_CLIENT_SECRET=SMOKE_SECRET,
            SPOTIFY_EMULATOR_ALBUMS_PER_DAY=str(ALBUMS_PER_DAY),
            SPOTIFY_EMULATOR_SEED=str(SEED),
        )
        self.topology = Topology(root=root / "services", env=env)
        self.topology.root.mkdir()
        # What the code server's emulator serves (same settings, so same catalog and market).
        spotify = spotify_from_env(env)
        assert isinstance(spotify, EmulatorSpotifyResource), "the smoke runs on the embedded emulator"
        self.catalog, self.market = Catalog(spotify.catalog_config()), spotify.market
        self.timings: dict[str, float] = {}
        self.run_ids: list[str] = []

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.timings[name] = time.monotonic() - started

    # ----- helpers ------------------------------------------------------------------------
    def fingerprints(self, day: str) -> dict[str, tuple[int, int]]:
        database = self.data / "spotify.duckdb"
        # The warehouse's own lock: read between writers, never beside one.
        with exclusive_file_lock(database.with_suffix(".lock")):
            return table_fingerprints(str(database), date.fromisoformat(day))

    def assert_landed(self, day: str) -> str:
        expected = self.catalog.expected_counts(date.fromisoformat(day), self.market)
        counts = {table: count for table, (count, _) in self.fingerprints(day).items() if table in expected}
        assert counts == expected, f"{day}: tables hold {counts}, the emulator's catalog {expected}"
        return f"albums={counts['albums']} tracks={counts['tracks']}"

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        conn = self.cluster.connect()
        try:
            with conn.cursor() as cursor:
                cursor.execute(query, params)
                return cursor.fetchall()
        finally:
            conn.close()

    # ----- the proofs ---------------------------------------------------------------------
    def boot(self) -> DagsterServer:
        with self.timed("boot"):
            dagster = self.topology.start_all(START_TIMEOUT_S)
            dagster.wait_until_ready(JOB, START_TIMEOUT_S)
            # The failure sensor sets its cursor on its first evaluation and alerts on failures
            # after it: wait for that first daemon tick before anything can fail.
            wait_for("the daemon's first tick of the alert sensor", lambda: dagster.sensor_ticks(ALERT_SENSOR), 120)
        say(
            f"boot: postgres :{self.cluster.port}, code server :{self.topology.code_port}, daemon, webserver "
            f":{self.topology.web_port} up ({self.timings['boot']:.0f}s)"
        )
        return dagster

    def schedule_tick_and_backfill(self, dagster: DagsterServer) -> None:
        """The backfill runs while the schedule waits for its minute: same proofs, less wall time."""
        started, started_wall = time.monotonic(), time.time()
        state_id = dagster.start_schedule(SCHEDULE)
        backfill_id = dagster.launch_job_backfill(BACKFILL_DAYS, quick_run_config())
        self.schedule_tick(dagster, state_id, started, started_wall)
        self.backfill(dagster, backfill_id, started)

    def schedule_tick(self, dagster: DagsterServer, state_id: str, t0: float, started: float) -> None:
        with self.timed("schedule"):
            try:
                tick = wait_for(
                    "a daemon tick of the schedule with a run",
                    lambda: next(
                        (t for t in dagster.schedule_ticks(SCHEDULE) if t["runIds"] and t["timestamp"] >= started - 1),
                        None,
                    ),
                    150,
                    every_s=2,
                )
            finally:
                dagster.stop_schedule(state_id)  # one tick proves it; more would only add runs
            run_id = tick["runIds"][0]
            status = dagster.wait_run(run_id, RUN_TIMEOUT_S, poll_s=1)
            assert tick["status"] == "SUCCESS" and status == "SUCCESS", f"tick {tick}, run {run_id} {status}"
            day = datetime.fromtimestamp(tick["timestamp"], UTC).date().isoformat()
            landed = self.assert_landed(day)
        self.run_ids.append(run_id)
        self.timings["schedule"] = time.monotonic() - t0
        say(
            f"proof 1/5 schedule tick evaluated by the daemon: tick at "
            f"{datetime.fromtimestamp(tick['timestamp'], UTC):%H:%M:%S}Z, run {run_id[:8]} SUCCESS, "
            f"{day} landed ({landed}) ({self.timings['schedule']:.0f}s since the schedule was started)"
        )

    def backfill(self, dagster: DagsterServer, backfill_id: str, t0: float) -> None:
        with self.timed("backfill"):
            wait_for(
                "the backfill to finish",
                lambda: dagster.backfill_status(backfill_id) not in {"REQUESTED"},
                RUN_TIMEOUT_S * 2,
                2,
            )
            runs = dagster.runs_tagged("dagster/backfill", backfill_id)
            for run in runs:
                dagster.wait_run(run["runId"], RUN_TIMEOUT_S, poll_s=1)
            runs = dagster.runs_tagged("dagster/backfill", backfill_id)
            statuses = {run["runId"][:8]: run["status"] for run in runs}
            status = dagster.backfill_status(backfill_id)
            assert runs and set(statuses.values()) == {"SUCCESS"}, f"backfill {backfill_id} {status}: runs {statuses}"
            landed = [f"{day} {self.assert_landed(day)}" for day in BACKFILL_DAYS]
        self.run_ids += [run["runId"] for run in runs]
        self.timings["backfill"] = time.monotonic() - t0
        say(
            f"proof 2/5 3-day backfill through the daemon: backfill {backfill_id} {status}, every run SUCCESS, "
            f"{'; '.join(landed)} ({self.timings['backfill']:.0f}s since launch)"
        )

    def postgres_holds_everything(self) -> None:
        runs = dict(self.sql("SELECT status, count(*) FROM runs GROUP BY status"))
        ours = self.sql("SELECT run_id, status FROM runs WHERE run_id = ANY(%s)", self.run_ids)
        assert {status for _, status in ours} == {"SUCCESS"} and len(ours) == len(self.run_ids), f"runs table: {ours}"
        days = {
            partition
            for (partition,) in self.sql(
                "SELECT DISTINCT partition FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION' AND run_id = ANY(%s)",
                self.run_ids,
            )
        }
        assert set(BACKFILL_DAYS) <= days, f"materializations in event_logs cover {sorted(days)}"
        events = self.sql("SELECT count(*) FROM event_logs WHERE run_id = ANY(%s)", self.run_ids)[0][0]
        checks = dict(
            self.sql(
                "SELECT execution_status, count(*) FROM asset_check_executions WHERE run_id = ANY(%s) GROUP BY execution_status",
                self.run_ids,
            )
        )
        per_run = self.sql(
            "SELECT run_id, count(*) FROM asset_check_executions WHERE run_id = ANY(%s) AND execution_status = 'SUCCEEDED' GROUP BY run_id",
            self.run_ids,
        )
        # PLANNED rows stay for checks a run planned but did not evaluate. None may have FAILED but
        # the freshness WARN of a day that landed after its own 09:00 UTC deadline: the scheduled
        # run lands today's partition whenever the smoke runs, which is after 09:00 on most days.
        failed = self.sql(
            "SELECT check_name, partition FROM asset_check_executions WHERE run_id = ANY(%s) AND execution_status = 'FAILED'",
            self.run_ids,
        )
        late_today = ("partition_landed_by_deadline", datetime.now(UTC).date().isoformat())
        unexpected = [row for row in failed if tuple(row) != late_today or datetime.now(UTC).hour < 9]
        assert len(per_run) == len(self.run_ids) and not unexpected, (
            f"check executions: {checks}, per run {per_run}, failed: {failed}"
        )
        say(
            f"proof 3/5 Postgres holds it: runs {runs}; {events} event_logs rows of our runs, materializations "
            f"for {len(days)} days; asset_check_executions {checks} across {len(per_run)} runs"
        )

    def daemon_killed_mid_run(self, dagster: DagsterServer) -> None:
        day = BACKFILL_DAYS[0]
        before = self.fingerprints(day)
        with self.timed("daemon_kill"):
            run_id = dagster.launch_run(day, quick_run_config())
            dagster.wait_run(
                run_id, RUN_TIMEOUT_S, poll_s=1, until=frozenset({"STARTED", "SUCCESS", "FAILURE", "CANCELED"})
            )
            worker_group = self.run_worker_group()
            daemon = self.topology.processes["daemon"]
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait(timeout=10)
            self.topology.processes.pop("daemon")
            status_at_kill = dagster.run_status(run_id)
            self.topology.start("daemon")
            ended = dagster.wait_run(run_id, RUN_TIMEOUT_S, poll_s=1)
            rerun = dagster.launch_run(day, quick_run_config())
            rerun_status = dagster.wait_run(rerun, RUN_TIMEOUT_S, poll_s=1)
            assert rerun_status == "SUCCESS", f"rerun {rerun} of {day}: {rerun_status}"
            after = self.fingerprints(day)
            assert after == before, f"{day} rows differ after the rerun: {before} -> {after}"
        say(
            f"proof 4/5 daemon SIGKILLed during run {run_id[:8]} ({status_at_kill}; {worker_group}) "
            f"and restarted: the run ended "
            f"{ended}; rerun {rerun[:8]} SUCCESS, {day} rows identical ({sum(c for c, _ in after.values())} rows) "
            f"({self.timings['daemon_kill']:.0f}s)"
        )

    def run_worker_group(self) -> str:
        """Where the run worker lives: which service's processes have children (the gRPC code
        server starts run workers as child processes), and whether those stay in its group."""
        import psutil

        found = []
        for name, service in self.topology.processes.items():
            try:
                children = psutil.Process(service.pid).children(recursive=True)
                groups = {os.getpgid(child.pid) for child in children}
            except (psutil.Error, ProcessLookupError):
                continue
            if children:
                where = "its process group" if groups == {service.pid} else f"process groups {sorted(groups)}"
                found.append(f"{len(children)} child process(es) of the {name}, in {where}")
        return "; ".join(found) or "no child processes (the run had finished)"

    def failure_alert(self, dagster: DagsterServer, webhook: Any) -> None:
        closed = f"http://127.0.0.1:{free_port()}/v1"
        run_config = {
            **quick_run_config(),
            "resources": {"spotify": {"config": {"api_base_url": closed, "max_attempts": 1}}},
        }
        with self.timed("alert"):
            run_id = dagster.launch_run(FAILING_DAY, run_config)
            status = dagster.wait_run(run_id, RUN_TIMEOUT_S, poll_s=1)
            assert status == "FAILURE", f"the forced failure ended {status}"
            post = wait_for(
                "the failure alert", lambda: next((p for p in webhook.posts if run_id in p["text"]), None), 120
            )
        text, body = post["text"], b"".join(webhook.raw_bodies).decode()
        for expected in (JOB, FAILING_DAY, "failed step `raw_new_releases`", "SpotifyError"):
            assert expected in text, f"the alert lacks {expected!r}: {text}"
        for secret in (SMOKE_SECRET, webhook.url, "hook-secret-part"):
            assert secret not in body, "a secret reached the alert"
        error = text.split("`raw_new_releases`: ", 1)[1].splitlines()[0]
        say(
            f"proof 5/5 failure alert delivered for {FAILING_DAY} (run {run_id[:8]} FAILURE) by the daemon's sensor: "
            f"names {JOB}, {FAILING_DAY}, raw_new_releases, error {error[:70]!r}…; no secret in it "
            f"({self.timings['alert']:.0f}s)"
        )


def main() -> int:
    bin_dir, why = server_bin_dir()
    if bin_dir is None:
        say(f"prod-smoke: SKIPPED ({why})")
        return 0
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="prod-smoke-"))
    # Its own folder (mkdtemp is private to root; the postgres user must reach this one).
    cluster = PostgresCluster(bin_dir, Path(tempfile.mkdtemp(prefix="prod-smoke-pg-")), free_port())
    server, webhook = serve_webhook()
    smoke: Smoke | None = None

    def cleanup() -> None:
        try:
            if smoke is not None:
                smoke.topology.stop_all()  # raises naming any process that outlived the stop
        finally:
            cluster.stop()
            server.shutdown()
            server.server_close()
            if os.environ.get("PROD_SMOKE_KEEP") != "1":
                shutil.rmtree(root, ignore_errors=True)

    with teardown_guard(cleanup):
        try:
            cluster.start()
            smoke = Smoke(root, cluster, webhook.url)
            dagster = smoke.boot()
            smoke.schedule_tick_and_backfill(dagster)
            smoke.postgres_holds_everything()
            smoke.daemon_killed_mid_run(dagster)
            smoke.failure_alert(dagster, webhook)
        except BaseException as error:
            say(f"prod-smoke: FAILED: {type(error).__name__}: {error}")
            if smoke is not None:
                say(smoke.topology.log_tails())
            say(f"-- postgres (tail) --\n{cluster.log_tail()}")
            return 1
    timings = ", ".join(f"{name} {seconds:.0f}s" for name, seconds in smoke.timings.items())
    say(f"prod-smoke: OK ({timings}; total {time.monotonic() - started:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
