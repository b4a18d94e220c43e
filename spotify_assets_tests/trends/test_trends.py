"""Trend tables over 14 real days: the numbers equal an independent pandas computation over the
day tables, a rerun leaves them identical, a later day extends them, days arriving out of order
or all at once (a range run) give the same tables, and a failed refresh changes nothing."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from spotify_assets.analytics.trends import (
    ALL_TYPES,
    OTHER_LABELS,
    SIZE_CLASSES,
    TOP_ARTISTS,
    TOP_LABELS,
    TRAILING_DAYS,
    refresh_trends,
)
from spotify_assets.emulator import SpotifyEmulator
from spotify_assets.tables.flatten import ensure_tables
from spotify_assets.tables.schema import TABLES
from spotify_assets_tests.trends.conftest import (
    FIRST,
    LAST,
    History,
    copy_history,
    days_between,
    emulator_config,
    history_resources,
    run_days,
    trend_contents,
)

DAYS = days_between(FIRST, LAST)
DAY_TABLES = [t.name for t in TABLES]


def frame(database: str, sql: str) -> pd.DataFrame:
    with duckdb.connect(database, read_only=True) as conn:
        result = conn.execute(sql).df()
    for column in ("snapshot_date", "week_start", "as_of_date"):
        if column in result:
            result[column] = pd.to_datetime(result[column]).dt.date
    return result


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# ----- independent computations (pandas over the day tables) ------------------------------------


def expected_releases_per_week(database: str) -> dict[tuple[date, str], tuple[int, int]]:
    albums = frame(database, "SELECT snapshot_date, album_id, album_type FROM albums")
    albums["week"] = albums.snapshot_date.map(monday)
    held = albums.groupby("week").snapshot_date.nunique()
    return {
        (week, album_type): (int(g.album_id.nunique()), int(held[week]))
        for (week, album_type), g in albums.groupby(["week", "album_type"])
    }


def expected_artists_per_day(database: str) -> dict[date, tuple[int, int, int]]:
    artists = frame(database, "SELECT snapshot_date, artist_id FROM artists")
    seen: set[str] = set()
    result = {}
    for day in sorted(artists.snapshot_date.unique()):
        today = set(artists[artists.snapshot_date == day].artist_id)
        result[day] = (len(today), len(today - seen), len(today & seen))
        seen |= today
    return result


def expected_durations(database: str) -> dict[tuple[date, str], tuple[int, float, float, float]]:
    tracks = frame(
        database,
        "SELECT t.snapshot_date, t.duration_ms, a.album_type FROM tracks t "
        "JOIN albums a ON a.snapshot_date = t.snapshot_date AND a.album_id = t.album_id",
    )
    groups = [
        *tracks.groupby(["snapshot_date", "album_type"]),
        *(((d, ALL_TYPES), g) for d, g in tracks.groupby("snapshot_date")),
    ]
    result = {}
    for (day, album_type), g in groups:
        q1, median, q3 = np.percentile(g.duration_ms.to_numpy(), [25, 50, 75]) / 1000  # linear = quantile_cont
        result[(day, album_type)] = (len(g), q1, median, q3)
    return result


def expected_explicit(database: str) -> dict[tuple[date, str], tuple[int, int]]:
    tracks = frame(
        database,
        "SELECT t.snapshot_date, t.explicit, a.album_type FROM tracks t "
        "JOIN albums a ON a.snapshot_date = t.snapshot_date AND a.album_id = t.album_id",
    )
    result = {(d, t): (len(g), int(g.explicit.sum())) for (d, t), g in tracks.groupby(["snapshot_date", "album_type"])}
    result.update({(d, ALL_TYPES): (len(g), int(g.explicit.sum())) for d, g in tracks.groupby("snapshot_date")})
    return result


def size_class(total_tracks: int) -> str:
    return next(
        name for name, low, high in SIZE_CLASSES if total_tracks >= low and (high is None or total_tracks <= high)
    )


def expected_album_sizes(database: str) -> dict[tuple[date, str, str], int]:
    albums = frame(database, "SELECT snapshot_date, album_type, total_tracks FROM albums")
    albums["size_class"] = albums.total_tracks.map(size_class)
    return {key: int(n) for key, n in albums.groupby(["snapshot_date", "album_type", "size_class"]).size().items()}


def window(frame_: pd.DataFrame, as_of: date) -> pd.DataFrame:
    return frame_[(frame_.snapshot_date > as_of - timedelta(days=TRAILING_DAYS)) & (frame_.snapshot_date <= as_of)]


def expected_top_artists(database: str, as_of: date) -> list[tuple[int, str, str, int, int]]:
    credits = window(frame(database, "SELECT snapshot_date, album_id, artist_id FROM album_artists"), as_of)
    names = window(frame(database, "SELECT snapshot_date, artist_id, name FROM artists"), as_of)
    latest_name = names.sort_values("snapshot_date").groupby("artist_id").name.last()
    per_artist = credits.groupby("artist_id").agg(releases=("album_id", "nunique"), days=("snapshot_date", "nunique"))
    ranked = sorted(
        per_artist.itertuples(),
        key=lambda r: (-r.releases, -r.days, latest_name.get(r.Index), r.Index),
    )[:TOP_ARTISTS]
    return [(i + 1, r.Index, latest_name.get(r.Index), int(r.releases), int(r.days)) for i, r in enumerate(ranked)]


def expected_label_share(database: str, as_of: date) -> list[tuple[str, int]]:
    albums = window(frame(database, "SELECT snapshot_date, album_id, label FROM albums"), as_of)
    labels = albums.sort_values("snapshot_date").groupby("album_id").label.last().dropna()
    counts = sorted(labels.value_counts().items(), key=lambda kv: (-kv[1], kv[0]))
    top = [(label, int(n)) for label, n in counts[:TOP_LABELS]]
    rest = sum(n for _, n in counts[TOP_LABELS:])
    return top + ([(OTHER_LABELS, int(rest))] if rest else [])


# ----- the 14-day history ------------------------------------------------------------------------


def test_fourteen_days_give_fourteen_days_of_trends(history: History) -> None:
    trends = trend_contents(history.database)
    assert [r["snapshot_date"] for r in trends["trend_artists_per_day"]] == DAYS
    for table in ("trend_track_durations", "trend_explicit_share", "trend_album_sizes"):
        assert sorted({r["snapshot_date"] for r in trends[table]}) == DAYS, table
    assert sorted({r["as_of_date"] for r in trends["trend_top_artists_30d"]}) == DAYS
    assert sorted({r["week_start"] for r in trends["trend_releases_per_week"]}) == sorted({monday(d) for d in DAYS})


def test_trend_tables_equal_pandas_over_the_day_tables(history: History) -> None:
    db = history.database
    trends = trend_contents(db)
    got_weeks = {
        (r["week_start"], r["album_type"]): (r["releases"], r["listing_days"])
        for r in trends["trend_releases_per_week"]
    }
    assert got_weeks == expected_releases_per_week(db)
    got_artists = {
        r["snapshot_date"]: (r["artists"], r["new_artists"], r["returning_artists"])
        for r in trends["trend_artists_per_day"]
    }
    assert got_artists == expected_artists_per_day(db)
    assert got_artists[FIRST][1] == got_artists[FIRST][0], "on the first day of the history every artist is new"
    durations = expected_durations(db)
    got_durations = {(r["snapshot_date"], r["album_type"]): r for r in trends["trend_track_durations"]}
    assert got_durations.keys() == durations.keys()
    for key, (tracks, q1, median, q3) in durations.items():
        row = got_durations[key]
        assert row["tracks"] == tracks
        assert (row["q1_s"], row["median_s"], row["q3_s"]) == pytest.approx((q1, median, q3)), key
    got_explicit = {(r["snapshot_date"], r["album_type"]): r for r in trends["trend_explicit_share"]}
    for key, (tracks, explicit) in expected_explicit(db).items():
        assert (got_explicit[key]["tracks"], got_explicit[key]["explicit_tracks"]) == (tracks, explicit), key
        assert got_explicit[key]["explicit_share"] == pytest.approx(explicit / tracks)
    got_sizes = {
        (r["snapshot_date"], r["album_type"], r["size_class"]): r["albums"] for r in trends["trend_album_sizes"]
    }
    assert got_sizes == expected_album_sizes(db)
    for as_of in (FIRST, LAST):
        got_top = [
            (r["rank"], r["artist_id"], r["artist_name"], r["releases"], r["listing_days"])
            for r in trends["trend_top_artists_30d"]
            if r["as_of_date"] == as_of
        ]
        assert got_top == expected_top_artists(db, as_of)
        got_labels = [(r["label"], r["albums"]) for r in trends["trend_label_share_30d"] if r["as_of_date"] == as_of]
        assert got_labels == expected_label_share(db, as_of)


# ----- incremental, idempotent -------------------------------------------------------------------


def test_rerunning_a_day_leaves_the_trend_tables_and_the_dashboard_identical(history: History, tmp_path: Path) -> None:
    copy = copy_history(history, tmp_path / "copy")
    before, dashboard_before = trend_contents(copy.database), copy.dashboard_path.read_bytes()
    middle = FIRST + timedelta(days=6)

    with SpotifyEmulator(emulator_config()) as emulator:
        run_days(history_resources(emulator, copy.folder), middle, middle)

    assert trend_contents(copy.database) == before
    assert copy.dashboard_path.read_bytes() == dashboard_before


def test_a_later_day_extends_the_trend_tables(history: History, tmp_path: Path) -> None:
    copy = copy_history(history, tmp_path / "copy")
    before = trend_contents(copy.database)
    later = LAST + timedelta(days=1)

    with SpotifyEmulator(emulator_config()) as emulator:
        run_days(history_resources(emulator, copy.folder), later, later)

    after = trend_contents(copy.database)
    per_day = {
        "trend_artists_per_day": "snapshot_date",
        "trend_track_durations": "snapshot_date",
        "trend_explicit_share": "snapshot_date",
        "trend_album_sizes": "snapshot_date",
        "trend_top_artists_30d": "as_of_date",
        "trend_label_share_30d": "as_of_date",
    }
    for table, key in per_day.items():
        assert [r for r in after[table] if r[key] <= LAST] == before[table], f"{table}: earlier days unchanged"
        assert {r[key] for r in after[table] if r[key] > LAST} == {later}, f"{table}: the new day added"
    assert [r["snapshot_date"] for r in after["trend_artists_per_day"]] == [*DAYS, later]
    weeks_before = {(r["week_start"], r["album_type"]): r for r in before["trend_releases_per_week"]}
    for row in after["trend_releases_per_week"]:
        if row["week_start"] != monday(later):
            assert weeks_before[(row["week_start"], row["album_type"])] == row, "other weeks unchanged"
    assert trend_contents(copy.database)["trend_releases_per_week"] != before["trend_releases_per_week"]


def day_tables_only(history: History, target: Path) -> duckdb.DuckDBPyConnection:
    """A new DuckDB file holding the history's five day tables and no trend table."""
    conn = duckdb.connect(str(target))
    ensure_tables(conn)
    conn.execute(f"ATTACH '{history.database}' AS source (READ_ONLY)")
    for table in DAY_TABLES:
        conn.execute(f"INSERT INTO {table} SELECT * FROM source.{table}")
    conn.execute("DETACH source")
    return conn


def test_one_refresh_over_the_whole_range_equals_the_day_by_day_build(history: History, tmp_path: Path) -> None:
    with day_tables_only(history, tmp_path / "range.duckdb") as conn:
        refreshed = refresh_trends(conn, DAYS)
    assert refreshed["artists_per_day"].keys == 14
    assert trend_contents(str(tmp_path / "range.duckdb")) == trend_contents(history.database)


def test_days_arriving_out_of_order_converge_to_the_same_tables(history: History, tmp_path: Path) -> None:
    """A backfill that lands an older day after newer ones fixes what depends on it (new vs
    returning artists of later days, the 30-day windows holding it)."""
    target = tmp_path / "shuffled.duckdb"
    order = DAYS[:]
    random.Random(15).shuffle(order)
    with duckdb.connect(str(target)) as conn:
        ensure_tables(conn)
        conn.execute(f"ATTACH '{history.database}' AS source (READ_ONLY)")
        for day in order:
            for table in DAY_TABLES:
                conn.execute(f"INSERT INTO {table} SELECT * FROM source.{table} WHERE snapshot_date = ?", [day])
            refresh_trends(conn, [day])
    assert trend_contents(str(target)) == trend_contents(history.database)


def test_a_failing_refresh_changes_no_trend_table(history: History, tmp_path: Path) -> None:
    target = tmp_path / "broken.duckdb"
    with day_tables_only(history, target) as conn:
        refresh_trends(conn, DAYS)
    before = trend_contents(str(target))
    with duckdb.connect(str(target)) as conn:
        # the first two trends would change (LAST's albums gone), the third fails (no tracks table)
        conn.execute("DELETE FROM albums WHERE snapshot_date = ?", [LAST])
        conn.execute("DROP TABLE tracks")
        with pytest.raises(duckdb.CatalogException, match="tracks"):
            refresh_trends(conn, [LAST])
    assert trend_contents(str(target)) == before


def test_refresh_without_days_is_refused() -> None:
    with duckdb.connect() as conn, pytest.raises(ValueError, match="at least one day"):
        refresh_trends(conn, [])


def test_trend_metadata_says_what_was_rewritten(history: History) -> None:
    artists = history.latest_metadata("trend_artists_per_day")
    assert artists["keys_rewritten"] == 1 and artists["dagster/row_count"] == 14
    assert history.latest_metadata("trend_top_artists_30d")["rows_rewritten"] == TOP_ARTISTS
    dashboard = history.latest_metadata("trends_dashboard")
    assert dashboard["days"] == 14
    assert dashboard["path"] == str(history.dashboard_path)
    assert dashboard["dashboard"] == history.dashboard_path.resolve().as_uri()
    assert dashboard["bytes"] == history.dashboard_path.stat().st_size
    assert f"  dashboard: {history.dashboard_path}" in history.cli_output.splitlines()


def test_trends_run_in_the_daily_job_after_the_tables_blocking_checks_and_the_dashboard_after_days_land() -> None:
    from dagster._core.execution.api import create_execution_plan

    from spotify_assets.definitions import defs as load_definitions

    defs = load_definitions()

    job = defs.resolve_job_def("daily_snapshot_job")
    step_deps = create_execution_plan(job, tags={"dagster/partition": LAST.isoformat()}).get_all_step_deps()
    assert {"spotify_tables", "table_quality_checks"} <= step_deps["trend_tables"]
    # The dashboard is the whole history in one page: refreshed once days have landed, by the
    # automation sensor (or `spotify-assets run` after its days), not in each day's run.
    assert "trends_dashboard" not in step_deps
    graph = defs.resolve_asset_graph()
    condition = graph.get(dg.AssetKey("trends_dashboard")).automation_condition
    assert condition is not None and condition.get_label() == "after days land, none in progress"
