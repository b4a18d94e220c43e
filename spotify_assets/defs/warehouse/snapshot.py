"""``warehouse_snapshot``: the read-only copy people open, published once days have landed.

Unpartitioned, like the dashboard: one file of the whole history, refreshed by the automation
sensor once a day of the tables people read has landed and no day is in progress
(``orchestration/automation.py``), and by ``spotify-assets run`` after its day(s). How the copy is
made and swapped in: ``spotify_assets.snapshot.publish``.

A snapshot shows whole days only. A run that loaded a day's tables but not yet its analytics and
trends has that day recorded as building (``snapshot.building``); while any *running* run has a day
recorded, this step publishes nothing and says why: that run's own completion updates the tables
again, and the automation sensor requests a snapshot after it. It never waits for another run, so
it never holds a slot of the run queue (or the ``duckdb`` pool) that the run it would wait for needs.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg

from spotify_assets.orchestration.automation import AFTER_DAYS_LAND
from spotify_assets.orchestration.catalog import OWNERS, asset_tags
from spotify_assets.resources.warehouse import WarehouseResource
from spotify_assets.snapshot.building import Building, days_building, forget_runs
from spotify_assets.snapshot.publish import INFO_TABLE, READER_TABLES, Published, publish_snapshot


@dg.asset(
    deps=[dg.AssetKey(name) for name in READER_TABLES],
    group_name="warehouse",
    kinds={"duckdb"},
    owners=OWNERS,
    # A copy of every day held, rewritten whole: its scope is the history.
    tags=asset_tags(source="warehouse", storage="warehouse", scope="history"),
    automation_condition=AFTER_DAYS_LAND,
    # Not published while another run is mid-day (see above): the step then ends without a
    # materialization, and the next request publishes.
    output_required=False,
    description=(
        "Read-only copy of the tables people read (day tables, analytics, trends), published once days have "
        "landed, by an atomic rename: the DuckDB file notebooks, BI tools and `spotify-assets sql` open "
        f"(SPOTIFY_DUCKDB_SNAPSHOT_PATH). Holding it open never blocks a run. `{INFO_TABLE}` says what it holds."
    ),
)
def warehouse_snapshot(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult[Any]]:
    run_id = context.run.run_id
    with warehouse.get_connection() as conn:
        others = [b for b in days_building(conn) if b.run_id != run_id]
        finished = [b.run_id for b in others if not _running(context.instance, b.run_id)]
        forget_runs(conn, finished)
        pending = [b for b in others if b.run_id not in finished]
        if pending:
            context.log.info(f"snapshot not published: {_naming(pending)} (a snapshot shows whole days)")
            return
        published = publish_snapshot(conn, Path(warehouse.database), warehouse.snapshot_path, run_id=run_id)
    yield dg.MaterializeResult(metadata=_metadata(context, published))


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
