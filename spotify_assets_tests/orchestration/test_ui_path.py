"""The paths users take, against a real ``dg dev`` (webserver, daemon and code server, as ``make
dev`` starts them, over the repo's instance settings): a partition launched through GraphQL as the
UI's Materialize button does, backfills launched as the UI launches them (one run per day, queued by
the daemon), and a day that fails in a backfill.

One server for the module: the single run and both backfills are launched at once (the run queue
admits two runs at a time) and each test waits for its own. The emulator answers 503 to every
request for ``FAILING_DAY`` (SPOTIFY_EMULATOR_FAILING_DAYS), so that day can only fail.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from spotify_assets.harness.dagster_dev import dg_dev
from spotify_assets.harness.graphql import DagsterServer
from spotify_assets.harness.processes import HarnessError

pytestmark = pytest.mark.timeout(600)

SINGLE_DAY = "2026-02-02"
BACKFILL_DAYS = ["2026-02-03", "2026-02-04", "2026-02-05", "2026-02-06", "2026-02-07"]
FAILING_BATCH = ["2026-02-11", "2026-02-12", "2026-02-13", "2026-02-14", "2026-02-15"]
FAILING_DAY = "2026-02-13"
WAIT_S = 420


@dataclass(frozen=True)
class Launched:
    server: DagsterServer
    run_id: str
    backfill_id: str
    failing_backfill_id: str
    assets: list[str]  # what the daily job materializes
    checks: list[tuple[str, str]]  # (asset, check) the daily job runs for each day


def job_selection() -> tuple[list[str], list[tuple[str, str]]]:
    from spotify_assets.definitions import defs as load_definitions

    defs = load_definitions()
    from spotify_assets.defs.daily_snapshot.jobs import daily_snapshot_job

    graph = defs.resolve_asset_graph()
    assets = sorted(k.to_user_string() for k in daily_snapshot_job.selection.resolve(graph))
    checks = sorted(
        (k.asset_key.to_user_string(), k.name)
        for k in daily_snapshot_job.selection.resolve_checks(graph)
        if graph.get_check_spec(k).partitions_def is not None  # the per-day checks (schema-change checks are not)
    )
    return assets, checks


@pytest.fixture(scope="module")
def launched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launched]:
    assets, checks = job_selection()
    try:
        with dg_dev(
            tmp_path_factory.mktemp("orchestration"), env={"SPOTIFY_EMULATOR_FAILING_DAYS": FAILING_DAY}
        ) as server:
            yield Launched(
                server=server,
                run_id=server.launch_run(SINGLE_DAY),
                backfill_id=server.launch_backfill(BACKFILL_DAYS, assets),
                failing_backfill_id=server.launch_backfill(FAILING_BATCH, assets),
                assets=assets,
                checks=checks,
            )
    except HarnessError as error:
        pytest.fail(str(error))


def wait_for_partitions(
    server: DagsterServer, assets: list[str], expected: dict[str, str]
) -> dict[str, dict[str, str]]:
    """Poll each asset's partition statuses until ``expected`` (day -> status) holds for all of them."""
    deadline = time.monotonic() + WAIT_S
    while True:
        statuses = {asset: server.partition_status(asset) for asset in assets}
        wrong = {a: {d: s.get(d) for d in expected if s.get(d) != expected[d]} for a, s in statuses.items()}
        wrong = {a: w for a, w in wrong.items() if w}
        if not wrong:
            return statuses
        if time.monotonic() > deadline:
            pytest.fail(f"after {WAIT_S} s, partitions not as expected {expected}: {wrong}\n{server.log_tail()}")
        time.sleep(1)


def test_partition_launched_like_the_ui_succeeds_with_every_check_recorded_for_it(launched: Launched) -> None:
    server = launched.server
    assert server.wait_run(launched.run_id, WAIT_S) == "SUCCESS", server.log_tail()
    statuses = wait_for_partitions(server, launched.assets, {SINGLE_DAY: "MATERIALIZED"})
    assert all(statuses[a][SINGLE_DAY] == "MATERIALIZED" for a in launched.assets)
    for asset, check in launched.checks:
        mine = [e for e in server.check_executions(asset, check) if e["runId"] == launched.run_id]
        assert [(e["partition"], e["status"], e["evaluation"]["success"]) for e in mine] == [
            (SINGLE_DAY, "SUCCEEDED", True)
        ], (asset, check, mine)


def test_backfill_through_the_daemon_materializes_every_day_with_its_checks(launched: Launched) -> None:
    server = launched.server
    wait_for_partitions(server, launched.assets, dict.fromkeys(BACKFILL_DAYS, "MATERIALIZED"))
    runs = server.backfill(launched.backfill_id)["runs"]
    # One run per day, each of them a success (the UI's backfill selects every check on the assets).
    by_day = {tag["value"]: run for run in runs for tag in run["tags"] if tag["key"] == "dagster/partition"}
    assert sorted(by_day) == BACKFILL_DAYS and len(runs) == len(BACKFILL_DAYS), runs
    assert {day: server.wait_run(run["runId"], WAIT_S) for day, run in by_day.items()} == dict.fromkeys(
        BACKFILL_DAYS, "SUCCESS"
    ), server.log_tail()
    run_ids = {run["runId"] for run in runs}
    for asset, check in launched.checks:
        executions = [e for e in server.check_executions(asset, check) if e["runId"] in run_ids]
        results = {e["partition"]: (e["status"], e["evaluation"]["success"]) for e in executions}
        assert results == dict.fromkeys(BACKFILL_DAYS, ("SUCCEEDED", True)), (asset, check, executions)


def test_a_failed_day_in_a_backfill_fails_alone_and_the_other_days_materialize(launched: Launched) -> None:
    server = launched.server
    good = [d for d in FAILING_BATCH if d != FAILING_DAY]
    # Every asset of the job: the good days materialized (their checks passed, so analytics and
    # the lake export ran for them), the bad day not, and raw_new_releases shows it failed.
    statuses = wait_for_partitions(server, launched.assets, dict.fromkeys(good, "MATERIALIZED"))
    statuses = wait_for_partitions(server, ["raw_new_releases"], {FAILING_DAY: "FAILED"}) | statuses
    for asset in launched.assets:
        assert statuses[asset].get(FAILING_DAY) != "MATERIALIZED", (asset, statuses[asset])
    for asset, check in launched.checks:
        passed_days = {
            e["partition"]
            for e in server.check_executions(asset, check)
            if e["evaluation"] and e["evaluation"]["success"]
        }
        assert set(good) <= passed_days and FAILING_DAY not in passed_days, (asset, check, passed_days)
