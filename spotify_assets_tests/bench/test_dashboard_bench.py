"""The dashboard benchmark measures a realistic history: its synthesized day tables pass the
platform's own table rules (keys unique, links resolve, track counts match), and the worker reports
a dashboard covering every synthesized day."""

from __future__ import annotations

from pathlib import Path

import duckdb


def test_synthesized_days_are_valid_day_tables_and_the_worker_covers_them(tmp_path: Path) -> None:
    import dashboard_bench

    with duckdb.connect(str(tmp_path / "check.duckdb")) as conn:
        rows = dashboard_bench.synthesize(conn, 20)
        assert rows["albums"] == 20 * dashboard_bench.ALBUMS_PER_DAY
        checks = {
            "duplicate album keys": "SELECT count(*) - count(DISTINCT (snapshot_date, album_id)) FROM albums",
            "duplicate track keys": "SELECT count(*) - count(DISTINCT (snapshot_date, track_id)) FROM tracks",
            "tracks without album": "SELECT count(*) FROM tracks t ANTI JOIN albums a USING (snapshot_date, album_id)",
            "credits without artist": "SELECT count(*) FROM album_artists c ANTI JOIN artists a USING (snapshot_date, artist_id)",
            "track counts differing from total_tracks": (
                "SELECT count(*) FROM albums a LEFT JOIN (SELECT snapshot_date, album_id, count(*) AS n FROM tracks "
                "GROUP BY ALL) t USING (snapshot_date, album_id) WHERE coalesce(t.n, 0) <> a.total_tracks"
            ),
        }
        for what, sql in checks.items():
            assert conn.execute(sql).fetchall()[0][0] == 0, what
        overlap = conn.execute(
            "SELECT count(*) FROM albums a JOIN albums b ON b.album_id = a.album_id AND b.snapshot_date = a.snapshot_date + 1"
        ).fetchall()[0][0]
        assert overlap > 0, "albums stay listed for several days, as in the real listing"
        hangul = conn.execute("SELECT count(*) FROM artists WHERE regexp_matches(name, '[가-힣]')").fetchall()[0][0]
        assert hangul > 0

    result = dashboard_bench.worker(14, tmp_path)
    assert result["dashboard_days"] == 14 and result["charts"] == 7
    assert result["dashboard_bytes"] == (tmp_path / "dashboard-14.html").stat().st_size
