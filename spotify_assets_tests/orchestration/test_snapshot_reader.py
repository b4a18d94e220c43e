"""A reader keeps the snapshot open through a backfill launched as the UI launches one.

A real ``dg dev`` (webserver + daemon, the repo's run queue: two runs at a time) builds a seed
day; then one process opens the published snapshot read-write (``duckdb.connect(path)``, as a
notebook does) and queries it over and over, another opens it anew read-only for each look, and a
5-day backfill runs. Every day must succeed; the holder must see the same snapshot throughout (no
run changes it under a reader); every snapshot the other reader saw must hold whole days only;
once the backfill is over the automation sensor publishes a snapshot of every day.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import duckdb
import pytest

from spotify_assets.harness.dagster_dev import dg_dev
from spotify_assets.harness.graphql import DONE, DagsterServer
from spotify_assets.harness.processes import HarnessError
from spotify_assets_tests.holders import half_built, reading_snapshot, seen, snapshot_days

pytestmark = pytest.mark.timeout(600)

SEED_DAY = "2026-04-01"
BACKFILL_DAYS = ["2026-04-02", "2026-04-03", "2026-04-04", "2026-04-05", "2026-04-06"]
WAIT_S = 420


def daily_job_assets() -> list[str]:
    """What the UI's backfill of the daily job's assets selects."""
    from spotify_assets.definitions import defs as load_definitions
    from spotify_assets.defs.daily_snapshot.jobs import daily_snapshot_job

    graph = load_definitions().resolve_asset_graph()
    return sorted(key.to_user_string() for key in daily_snapshot_job.selection.resolve(graph))


def test_a_reader_holding_the_snapshot_never_blocks_a_ui_backfill_and_sees_whole_days(tmp_path: Path) -> None:
    assets = daily_job_assets()
    assert "warehouse_snapshot" not in assets  # published once days land, not by each day's run
    try:
        with dg_dev(tmp_path / "server") as server:
            seed_run = server.launch_run(SEED_DAY)
            assert server.wait_run(seed_run, WAIT_S) == "SUCCESS", server.log_tail()
            seeded = server.wait_materialized_by_another_run("warehouse_snapshot", {seed_run}, WAIT_S)
            snapshot = server.data_dir / "spotify_snapshot.duckdb"
            seed = snapshot_days(snapshot)
            with (
                reading_snapshot(snapshot, tmp_path, hold=True) as held,
                reading_snapshot(snapshot, tmp_path, hold=False) as polled,
            ):
                backfill_id = server.launch_backfill(BACKFILL_DAYS, assets)
                runs = wait_for_backfill_runs(server, backfill_id, len(BACKFILL_DAYS))
                statuses = {run["runId"]: server.wait_run(run["runId"], WAIT_S) for run in runs}
                assert set(statuses.values()) == {"SUCCESS"}, f"{statuses}\n{server.log_tail()}"
                # The automation sensor publishes once no day is in progress any more; the readers
                # are still at it (the holder still holding the seed's copy).
                deadline = time.monotonic() + WAIT_S
                while days_published(snapshot) != [SEED_DAY, *BACKFILL_DAYS]:
                    assert time.monotonic() < deadline, f"no snapshot of every day\n{server.log_tail()}"
                    time.sleep(1)
                time.sleep(2)  # the polling reader's next look opens the new copy
            final_run = server.materializations("warehouse_snapshot")[0]
            live = server.data_dir / "spotify.duckdb"
    except HarnessError as error:
        pytest.fail(str(error))

    assert [d["day"] for d in seed] == [SEED_DAY] and half_built(seed) == []
    # The holder's copy never changed under it, however many snapshots were published meanwhile.
    held_looks = seen(held)
    assert len(held_looks) > 10 and all(look["days"] == seed for look in held_looks), held_looks[-1]
    # Each snapshot the other reader opened held whole days, and never fewer than the one before.
    polled_looks = seen(polled)
    assert polled_looks, "the polling reader never got a snapshot"
    for look in polled_looks:
        assert half_built(look["days"]) == [], look
        assert look["days_held"] == len(look["days"]), look
    held_days = [[d["day"] for d in look["days"]] for look in polled_looks]
    assert all(set(a) <= set(b) for a, b in itertools.pairwise(held_days)), held_days
    # Once the backfill is over: every day, whole, in the snapshot; none left "being built".
    final = snapshot_days(snapshot)
    assert [d["day"] for d in final] == [SEED_DAY, *BACKFILL_DAYS] and half_built(final) == []
    # Published by a run of its own (the automation's), after the seed's, not by a day's run.
    backfill_runs = {str(run["runId"]) for run in runs}
    assert final_run["runId"] not in backfill_runs | {seed_run, seeded["runId"]}, final_run
    with duckdb.connect(str(live), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM warehouse_days_building").fetchone() == (0,)


def days_published(snapshot: Path) -> list[str]:
    """The days of the snapshot at ``snapshot`` now; none while the holder still holds the file
    there read-write (the seed's, until a newer one is renamed over it)."""
    try:
        return [str(d["day"]) for d in snapshot_days(snapshot)]
    except duckdb.IOException:
        return []


def wait_for_backfill_runs(server: DagsterServer, backfill_id: str, count: int) -> list[dict[str, object]]:
    """The backfill's runs, once it has launched ``count`` and each of them is done."""
    deadline = time.monotonic() + WAIT_S
    while True:
        runs = server.backfill(backfill_id)["runs"]
        if len(runs) == count and all(run["status"] in DONE for run in runs):
            return list(runs)
        if time.monotonic() > deadline:
            raise HarnessError(f"backfill {backfill_id} not done after {WAIT_S} s: {runs}")
        time.sleep(1)
