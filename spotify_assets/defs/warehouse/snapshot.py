"""``warehouse_snapshot``: the read-only copy people open, published at the end of each day's run.

It comes after everything else the day's run materializes: the tables people read (day tables,
unavailable_albums, analytics, trends) and the lake export and dashboard too, and runs only if all
of them succeeded, so a day that fails anywhere leaves the last good snapshot in place. How the
copy is made and swapped in: ``spotify_assets.snapshot.publish``; why it may wait for another
run: ``snapshot.building``.

Last, and outside the ``duckdb`` pool, because it may wait for other runs' steps, which need that
pool's slot (one at a time in production). Dagster hands a freed slot to the steps waiting for it
in turn; had this run a pool step still waiting (its dashboard, say) while this step waits, the
slot would go to that step, which cannot start until this one ends, and both runs would stand
still until the wait ran out. The warehouse's own file lock still puts the copy between other
steps, never beside one.
"""

import time
from pathlib import Path
from typing import Any

import dagster as dg

from spotify_assets.orchestration.catalog import OWNERS, asset_tags
from spotify_assets.orchestration.partitions import daily_partitions, partition_date
from spotify_assets.resources.warehouse import WarehouseResource
from spotify_assets.resources.warehouse_lock import LOG_EVERY_S
from spotify_assets.snapshot.building import Building, days_building, finish_building, forget_runs
from spotify_assets.snapshot.publish import INFO_TABLE, READER_TABLES, Published, publish_snapshot

POLL_S = 1.0


# The other assets of the day's run that are not read from the snapshot: it waits for them too.
LAST_AFTER = ("lake_export", "trends_dashboard")


@dg.asset(
    deps=[dg.AssetKey(name) for name in (*READER_TABLES, *LAST_AFTER)],
    partitions_def=daily_partitions,
    group_name="warehouse",
    kinds={"duckdb"},
    owners=OWNERS,
    # A copy of every day held, rewritten whole: its scope is the history.
    tags=asset_tags(source="warehouse", storage="warehouse", scope="history"),
    description=(
        "Read-only copy of the tables people read (day tables, analytics, trends), published after the "
        "day's run by an atomic rename: the DuckDB file notebooks, BI tools and `spotify-assets sql` open "
        f"(SPOTIFY_DUCKDB_SNAPSHOT_PATH). Holding it open never blocks a run. `{INFO_TABLE}` says what it holds."
    ),
)
def warehouse_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult[Any]:
    day, run_id = partition_date(context), context.run.run_id
    waiting_since: float | None = None
    next_log = 0.0
    while True:
        with warehouse.get_connection() as conn:
            finish_building(conn, day, run_id)  # this run's day is whole: its analytics and trends are in
            others = [b for b in days_building(conn) if b.run_id != run_id]
            finished = [b.run_id for b in others if not _running(context.instance, b.run_id)]
            forget_runs(conn, finished)
            pending = [b for b in others if b.run_id not in finished]
            timed_out = waiting_since is not None and time.monotonic() - waiting_since >= warehouse.lock_wait
            if not pending or timed_out:
                if pending:
                    context.log.warning(f"publishing although {_naming(pending)} after {warehouse.lock_wait:g} s")
                published = publish_snapshot(
                    conn, Path(warehouse.database), warehouse.snapshot_path, run_id=run_id, partition=day.isoformat()
                )
                break
        now = time.monotonic()
        waiting_since = now if waiting_since is None else waiting_since
        if now >= next_log:
            context.log.info(f"waiting to publish the snapshot: {_naming(pending)} (a snapshot shows whole days)")
            next_log = now + LOG_EVERY_S
        time.sleep(POLL_S)
    return dg.MaterializeResult(metadata=_metadata(context, published))


def _running(instance: dg.DagsterInstance, run_id: str) -> bool:
    """Whether the run is still going. A run this instance does not know (another instance's, a test's
    ephemeral one) cannot be waited for: treated as finished."""
    run = instance.get_run_by_id(run_id)
    return run is not None and not run.is_finished


def _naming(pending: list[Building]) -> str:
    return ", ".join(f"run {b.run_id[:8]} is still building {b.day}" for b in pending)


def _metadata(context: dg.AssetExecutionContext, published: Published) -> dict[str, Any]:
    days = published.days
    held = f"{len(days)} day{'s' if len(days) != 1 else ''} ({days[0]} to {days[-1]})" if days else "no days yet"
    summary = f"{held}, {len(published.rows)} tables, {published.bytes / 1e6:.1f} MB in {published.seconds:.2f} s"
    context.log.info("snapshot published at %s: %s", published.path, summary)
    return {
        "summary": summary,
        "path": dg.MetadataValue.path(str(published.path)),
        "days_held": len(days),
        "bytes": published.bytes,
        "publish_seconds": round(published.seconds, 3),
        **{f"rows_{table}": rows for table, rows in published.rows.items()},
    }
