"""The benchmark's pandas contender is only fair if it builds the same tables: check it row for row
against load_snapshot on a small synthesized day (two copies of a real emulator day, in the raw
layout, with an album batch reused by two copies' worth of sources)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from spotify_assets.tables.schema import TABLES


def test_pandas_path_builds_the_same_five_tables_as_load_snapshot(tmp_path: Path) -> None:
    import flatten_bench

    files, tracks = flatten_bench.synthesize(tmp_path / "raw", 2000)
    _, ours = flatten_bench.run_platform(files, tmp_path / "ours.duckdb")
    _, theirs = flatten_bench.run_pandas(files, tmp_path / "pandas.duckdb")
    assert ours == theirs
    assert ours["tracks"] == tracks
    with duckdb.connect() as conn:
        conn.execute(f"ATTACH '{tmp_path / 'ours.duckdb'}' AS ours (READ_ONLY)")
        conn.execute(f"ATTACH '{tmp_path / 'pandas.duckdb'}' AS theirs (READ_ONLY)")
        for table in TABLES:
            for a, b in (("ours", "theirs"), ("theirs", "ours")):
                extra = conn.execute(f"SELECT * FROM {a}.{table.name} EXCEPT ALL SELECT * FROM {b}.{table.name}")
                assert extra.fetchall() == [], f"{table.name}: rows only in {a}"
