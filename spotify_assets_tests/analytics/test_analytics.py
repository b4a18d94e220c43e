"""Analytics: values equal independent pandas computations on the same DuckDB tables, charts are
real PNGs embedded in the metadata, and reruns replace a day's rows (no duplicates)."""

from __future__ import annotations

import base64
import io
import re
from datetime import date, timedelta
from typing import Any

import dagster as dg
import duckdb
import matplotlib.image
import pandas as pd
import pytest

from spotify_assets.analytics.queries import (
    ANALYSES,
    DURATION_BUCKET_S,
    DURATION_CAP_S,
    EXPLICIT_SHARE,
    RELEASES_PER_DAY,
    RELEASES_WINDOW_DAYS,
    TOP_ARTISTS,
    TOP_ARTISTS_BY_RELEASES,
    TRACK_DURATIONS,
    refresh,
    rows_for,
)
from spotify_assets.defs.analytics.assets import analytics_assets
from spotify_assets.tables.flatten import ensure_tables
from spotify_assets_tests.analytics.conftest import Built, materialize, metadata_of
from spotify_assets_tests.platform.conftest import DAY, NEXT_DAY

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_CHART_BYTES = 100_000


def frame(conn: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> pd.DataFrame:
    return conn.execute(sql, list(params)).df()


def as_tuples(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows as tuples in the table's column order, to compare whole rows with expectations."""
    return [tuple(row.values()) for row in rows]


def stored(database: str, analysis: Any, day: date) -> list[tuple[Any, ...]]:
    with duckdb.connect(database, read_only=True) as conn:
        return as_tuples(rows_for(conn, analysis, day))


# ----- independent computations (pandas over the warehouse tables) ------------------------------


def expected_releases(conn: duckdb.DuckDBPyConnection, day: date) -> dict[tuple[date, str], int]:
    albums = frame(conn, "SELECT snapshot_date, album_type FROM albums")
    albums["snapshot_date"] = pd.to_datetime(albums["snapshot_date"]).dt.date
    window = albums[(albums.snapshot_date > day - timedelta(days=RELEASES_WINDOW_DAYS)) & (albums.snapshot_date <= day)]
    return {key: int(n) for key, n in window.groupby(["snapshot_date", "album_type"]).size().items()}


def expected_top_artists(conn: duckdb.DuckDBPyConnection, day: date) -> list[tuple[int, str, str, int, int]]:
    album_artists = frame(conn, "SELECT album_id, artist_id FROM album_artists WHERE snapshot_date = ?", day)
    track_artists = frame(conn, "SELECT track_id, artist_id FROM track_artists WHERE snapshot_date = ?", day)
    artists = frame(conn, "SELECT artist_id, name FROM artists WHERE snapshot_date = ?", day)
    releases = album_artists.groupby("artist_id").album_id.nunique().rename("releases")
    tracks = track_artists.groupby("artist_id").track_id.nunique().rename("tracks")
    table = (
        releases.to_frame().join(tracks).fillna({"tracks": 0}).reset_index().merge(artists, on="artist_id", how="left")
    )
    ranked = sorted(table.itertuples(index=False), key=lambda r: (-r.releases, -r.tracks, r.name, r.artist_id))[
        :TOP_ARTISTS
    ]
    return [(i + 1, r.artist_id, r.name, int(r.releases), int(r.tracks)) for i, r in enumerate(ranked)]


def expected_durations(conn: duckdb.DuckDBPyConnection, day: date) -> list[tuple[int, int | None, int, float]]:
    seconds = frame(conn, "SELECT duration_ms FROM tracks WHERE snapshot_date = ?", day).duration_ms // 1000
    buckets = (seconds // DURATION_BUCKET_S * DURATION_BUCKET_S).clip(upper=DURATION_CAP_S)
    counts = buckets.value_counts()
    everything = range(int(counts.index.min()), int(counts.index.max()) + 1, DURATION_BUCKET_S)
    return [
        (
            b,
            b + DURATION_BUCKET_S if b < DURATION_CAP_S else None,
            int(counts.get(b, 0)),
            counts.get(b, 0) / len(seconds),
        )
        for b in everything
    ]


def expected_explicit(conn: duckdb.DuckDBPyConnection, day: date) -> dict[str, tuple[int, int, float]]:
    tracks = frame(conn, "SELECT album_id, explicit FROM tracks WHERE snapshot_date = ?", day)
    albums = frame(conn, "SELECT album_id, album_type FROM albums WHERE snapshot_date = ?", day)
    joined = tracks.merge(albums, on="album_id")
    result = {
        album_type: (len(g), int(g.explicit.sum()), g.explicit.mean()) for album_type, g in joined.groupby("album_type")
    }
    result["all"] = (len(joined), int(joined.explicit.sum()), joined.explicit.mean())
    return result


# ----- against the real two-day build -----------------------------------------------------------


def test_releases_per_day_equal_pandas_over_the_trailing_window(built: Built) -> None:
    rows = stored(built.database, RELEASES_PER_DAY, NEXT_DAY)
    with duckdb.connect(built.database, read_only=True) as conn:
        expected = expected_releases(conn, NEXT_DAY)
    assert {(listed, album_type): n for _, listed, album_type, n in rows} == expected
    assert {r[1] for r in rows} == {DAY, NEXT_DAY}, "both days of the build are in the window"
    assert all(r[0] == NEXT_DAY for r in rows)
    # DAY was built before NEXT_DAY existed: its window holds only itself
    assert {r[1] for r in stored(built.database, RELEASES_PER_DAY, DAY)} == {DAY}
    assert sum(r[3] for r in rows if r[1] == NEXT_DAY) == 100


def test_top_artists_equal_pandas(built: Built) -> None:
    for day in (DAY, NEXT_DAY):
        with duckdb.connect(built.database, read_only=True) as conn:
            expected = expected_top_artists(conn, day)
        assert [r[1:] for r in stored(built.database, TOP_ARTISTS_BY_RELEASES, day)] == expected
        assert len(expected) == TOP_ARTISTS


def test_duration_distribution_equals_pandas(built: Built) -> None:
    with duckdb.connect(built.database, read_only=True) as conn:
        expected = expected_durations(conn, NEXT_DAY)
        track_count = conn.execute("SELECT count(*) FROM tracks WHERE snapshot_date = ?", [NEXT_DAY]).fetchall()[0][0]
    rows = [r[1:] for r in stored(built.database, TRACK_DURATIONS, NEXT_DAY)]
    assert [r[:3] for r in rows] == [e[:3] for e in expected]
    assert [r[3] for r in rows] == pytest.approx([e[3] for e in expected])
    assert sum(r[2] for r in rows) == track_count


def test_explicit_share_equals_pandas(built: Built) -> None:
    with duckdb.connect(built.database, read_only=True) as conn:
        expected = expected_explicit(conn, NEXT_DAY)
    rows = stored(built.database, EXPLICIT_SHARE, NEXT_DAY)
    assert [r[1] for r in rows][-1] == "all"
    got = {r[1]: r[2:] for r in rows}
    assert got.keys() == expected.keys()
    for album_type, (tracks, explicit, share) in expected.items():
        assert got[album_type][:2] == (tracks, explicit)
        assert got[album_type][2] == pytest.approx(share)


def test_each_analysis_materializes_a_png_chart_and_a_markdown_preview(built: Built) -> None:
    for analysis in ANALYSES:
        metadata = metadata_of(built.results[NEXT_DAY], analysis.table.name)
        match = re.fullmatch(r"!\[[^\]]*\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", metadata["chart"])
        assert match, metadata["chart"][:120]
        png = base64.b64decode(match.group(1), validate=True)
        assert png.startswith(PNG_SIGNATURE)
        assert len(png) == metadata["chart_bytes"] < MAX_CHART_BYTES
        height, width, _ = matplotlib.image.imread(io.BytesIO(png), format="png").shape  # decodes every pixel
        assert 100 < width <= 800 and 100 < height <= 600
        rows = stored(built.database, analysis, NEXT_DAY)
        preview = metadata["preview"].splitlines()
        assert preview[0] == "| " + " | ".join(analysis.table.column_names) + " |"
        assert len(preview) == 2 + len(rows) == 2 + metadata["dagster/partition_row_count"]
        assert metadata["dagster/row_count"] == len(rows) + len(stored(built.database, analysis, DAY))
        assert metadata["summary"]
        assert metadata["dagster/table_name"] == analysis.table.name


def test_rerunning_the_analytics_for_a_day_replaces_its_rows(built: Built) -> None:
    before = {a.key: stored(built.database, a, NEXT_DAY) for a in ANALYSES}
    other_day = {a.key: stored(built.database, a, DAY) for a in ANALYSES}

    result = materialize(analytics_assets, built.resources, NEXT_DAY)

    assert result.success
    assert {a.key: stored(built.database, a, NEXT_DAY) for a in ANALYSES} == before
    assert {a.key: stored(built.database, a, DAY) for a in ANALYSES} == other_day
    with duckdb.connect(built.database, read_only=True) as conn:
        for analysis in ANALYSES:
            key = ", ".join(analysis.table.primary_key)
            duplicates = conn.execute(
                f"SELECT count(*) - count(DISTINCT ({key})) FROM {analysis.table.name}"
            ).fetchall()[0][0]
            assert duplicates == 0, analysis.table.name


def test_analytics_and_lake_run_in_the_daily_job_after_the_tables_blocking_checks() -> None:
    from dagster._core.execution.api import create_execution_plan

    from spotify_assets.definitions import defs as load_definitions

    defs = load_definitions()

    graph = defs.resolve_asset_graph()
    job = defs.resolve_job_def("daily_snapshot_job")
    for analysis in ANALYSES:
        parents = {k.to_user_string() for k in graph.get(dg.AssetKey(analysis.table.name)).parent_keys}
        assert parents == set(analysis.sources)
    step_deps = create_execution_plan(job, tags={"dagster/partition": NEXT_DAY.isoformat()}).get_all_step_deps()
    for step in [*(a.table.name for a in ANALYSES), "lake_export"]:
        assert {"spotify_tables", "table_quality_checks"} <= step_deps[step], step


# ----- pure SQL on hand-made tables (no Dagster, exact numbers) ---------------------------------


@pytest.fixture
def tiny() -> duckdb.DuckDBPyConnection:
    """Two days of made-up rows whose analytics are easy to state by hand."""
    conn = duckdb.connect()
    ensure_tables(conn)
    d, old = NEXT_DAY, NEXT_DAY - timedelta(days=RELEASES_WINDOW_DAYS)  # `old` is just outside the window
    albums = [
        (d, "a1", "album"),
        (d, "a2", "single"),
        (d, "a3", "single"),
        (d - timedelta(days=1), "a1", "album"),
        (old, "a9", "album"),
    ]
    for snapshot, album, album_type in albums:
        conn.execute(
            "INSERT INTO albums (snapshot_date, album_id, album_type, position, name, total_tracks) VALUES (?, ?, ?, 0, ?, 1)",
            [snapshot, album, album_type, album],
        )
    for artist, name in [("x", "Xavier"), ("y", "Yara"), ("z", "Zed")]:
        conn.execute("INSERT INTO artists (snapshot_date, artist_id, name) VALUES (?, ?, ?)", [d, artist, name])
    for album, artist in [("a1", "x"), ("a2", "x"), ("a2", "y"), ("a3", "z")]:
        conn.execute(
            "INSERT INTO album_artists (snapshot_date, album_id, artist_id) VALUES (?, ?, ?)", [d, album, artist]
        )
    # durations (s): 29.999 | 30 | 95 | 700 (capped) ; explicit: t1 and t4
    tracks = [
        ("t1", "a1", 29_999, True),
        ("t2", "a1", 30_000, False),
        ("t3", "a2", 95_000, False),
        ("t4", "a3", 700_000, True),
    ]
    for track, album, ms, explicit in tracks:
        conn.execute(
            "INSERT INTO tracks (snapshot_date, track_id, album_id, duration_ms, explicit) VALUES (?, ?, ?, ?, ?)",
            [d, track, album, ms, explicit],
        )
    for track, artist in [("t1", "x"), ("t2", "x"), ("t3", "y"), ("t3", "x"), ("t4", "z"), ("t4", "y")]:
        conn.execute(
            "INSERT INTO track_artists (snapshot_date, track_id, artist_id) VALUES (?, ?, ?)", [d, track, artist]
        )
    return conn


def test_hand_made_day_gives_the_numbers_stated_by_hand(tiny: duckdb.DuckDBPyConnection) -> None:
    d = NEXT_DAY
    assert [r[1:] for r in as_tuples(refresh(tiny, RELEASES_PER_DAY, d))] == [
        (d - timedelta(days=1), "album", 1),
        (d, "album", 1),
        (d, "single", 2),
    ]
    # x: 2 releases; y and z: 1 each, y has 2 tracks, z 1
    assert [r[1:] for r in as_tuples(refresh(tiny, TOP_ARTISTS_BY_RELEASES, d))] == [
        (1, "x", "Xavier", 2, 3),
        (2, "y", "Yara", 1, 2),
        (3, "z", "Zed", 1, 1),
    ]
    durations = [r[1:4] for r in as_tuples(refresh(tiny, TRACK_DURATIONS, d))]
    assert durations[:4] == [(0, 30, 1), (30, 60, 1), (60, 90, 0), (90, 120, 1)]
    assert durations[-1] == (DURATION_CAP_S, None, 1)
    assert all(n == 0 for _, _, n in durations[4:-1]), "empty buckets between are listed with 0"
    assert [r[1:] for r in as_tuples(refresh(tiny, EXPLICIT_SHARE, d))] == [
        ("album", 2, 1, 0.5),
        ("single", 2, 1, 0.5),
        ("all", 4, 2, 0.5),
    ]


def test_refresh_is_idempotent_and_touches_only_its_day(tiny: duckdb.DuckDBPyConnection) -> None:
    earlier = NEXT_DAY - timedelta(days=1)
    for analysis in ANALYSES:
        first_earlier = refresh(tiny, analysis, earlier)
        first = refresh(tiny, analysis, NEXT_DAY)
        assert refresh(tiny, analysis, NEXT_DAY) == first
        assert rows_for(tiny, analysis, earlier) == first_earlier
        total = tiny.execute(f"SELECT count(*) FROM {analysis.table.name}").fetchall()[0][0]
        assert total == len(first) + len(first_earlier)


def test_a_day_without_rows_gives_empty_results_and_still_a_chart() -> None:
    from spotify_assets.analytics.charts import chart_png

    conn = duckdb.connect()
    ensure_tables(conn)
    for analysis in ANALYSES:
        rows = refresh(conn, analysis, DAY)
        assert rows == []
        assert chart_png(analysis, rows, DAY).startswith(PNG_SIGNATURE)
