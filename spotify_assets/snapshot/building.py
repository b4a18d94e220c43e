"""Which days are half-built: loaded into the tables by a run that has not yet published them.

A backfill runs two days at once. Run A can reach its snapshot step while run B has loaded its
day's tables but not yet its analytics and trends; a copy taken then would show B's day with
tables and no analytics, and trends counting part of it. So the tables step records its day here
(in the same hold of the warehouse as its load, so nobody sees the one without the other), the
snapshot step removes its own day, and publishes once no *running* run has a day recorded: the
last of two runs that finish close together publishes both days whole.

A run that failed after its tables (a blocking check, a killed worker) leaves its day recorded;
once Dagster says that run is finished, the day no longer holds anything back (its tables are
published as the warehouse holds them, as before this existed, until the day is rerun).
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


def finish_building(conn: duckdb.DuckDBPyConnection, day: date, run_id: str) -> None:
    _ensure(conn)
    conn.execute(f"DELETE FROM {TABLE} WHERE snapshot_date = ? AND run_id = ?", [day, run_id])


def days_building(conn: duckdb.DuckDBPyConnection) -> list[Building]:
    _ensure(conn)
    rows = query_dicts(conn, f"SELECT snapshot_date, run_id, since FROM {TABLE} ORDER BY snapshot_date, since")
    return [Building(r["snapshot_date"], r["run_id"], r["since"]) for r in rows]


def forget_runs(conn: duckdb.DuckDBPyConnection, run_ids: list[str]) -> None:
    if run_ids:
        conn.execute(f"DELETE FROM {TABLE} WHERE run_id IN (SELECT unnest(?::VARCHAR[]))", [run_ids])
