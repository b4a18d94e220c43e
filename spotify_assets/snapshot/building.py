"""Which days are half-built: loaded into the tables by a run that is still going.

A snapshot taken while run B has loaded its day's tables but not yet its analytics and trends
would show B's day with tables and no analytics, and trends counting part of it. So the tables
step records its day here (in the same hold of the warehouse as its load, so nobody sees the one
without the other), and the snapshot is published only while no *running* run has a day recorded.
Once Dagster says a run is finished (succeeded, failed, killed and marked failed by run
monitoring), its record no longer holds anything back and is forgotten: a day that failed after
its tables is published as the warehouse holds it, until the day is rerun.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from spotify_assets.analytics.rows import query_dicts

if TYPE_CHECKING:
    import duckdb

TABLE = "warehouse_days_building"


@dataclass(frozen=True)
class Building:
    day: date
    run_id: str
    since: datetime


def _ensure(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (snapshot_date DATE NOT NULL, run_id VARCHAR NOT NULL, "
        "since TIMESTAMPTZ NOT NULL, PRIMARY KEY (snapshot_date, run_id))"
    )


def mark_building(conn: duckdb.DuckDBPyConnection, day: date, run_id: str) -> None:
    _ensure(conn)
    conn.execute(f"INSERT OR REPLACE INTO {TABLE} VALUES (?, ?, now())", [day, run_id])


def days_building(conn: duckdb.DuckDBPyConnection) -> list[Building]:
    _ensure(conn)
    rows = query_dicts(conn, f"SELECT snapshot_date, run_id, since FROM {TABLE} ORDER BY snapshot_date, since")
    return [Building(r["snapshot_date"], r["run_id"], r["since"]) for r in rows]


def forget_runs(conn: duckdb.DuckDBPyConnection, run_ids: list[str]) -> None:
    if run_ids:
        conn.execute(f"DELETE FROM {TABLE} WHERE run_id IN (SELECT unnest(?::VARCHAR[]))", [run_ids])
