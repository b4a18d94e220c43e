"""Every asset check passes on good data and fails on data broken on purpose."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from spotify_assets.defs.warehouse.assets import spotify_tables
from spotify_assets.defs.warehouse.checks import table_quality_checks
from spotify_assets.emulator import EmulatorConfig, SpotifyEmulator
from spotify_assets.tables.rules import all_rules
from spotify_assets.tables.schema import TABLES, Table
from spotify_assets_tests.platform.conftest import DAY, materialize_day, platform_resources

RULES = {f"{r.table}.{r.name}": r for r in all_rules()}


@pytest.fixture(scope="module")
def good_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("good")
    with SpotifyEmulator(EmulatorConfig()) as emulator:
        assert materialize_day(platform_resources(emulator, folder), DAY).success
    return folder / "spotify.duckdb"


@pytest.fixture
def database(good_database: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "spotify.duckdb"
    shutil.copy(good_database, copy)
    return copy


def failing_rules(database: Path) -> set[str]:
    with duckdb.connect(str(database)) as conn:
        return {name for name, rule in RULES.items() if not rule.rule(conn, DAY).passed}


def test_every_rule_passes_on_good_data(database: Path) -> None:
    assert failing_rules(database) == set()


def null_one_required_value(table: Table) -> str:
    column = next(c.name for c in table.columns if not c.optional and c.name not in table.primary_key)
    return f"UPDATE {table.name} SET {column} = NULL WHERE rowid = (SELECT min(rowid) FROM {table.name})"


DUPLICATE_ROW = "INSERT INTO {t} SELECT * FROM {t} WHERE snapshot_date = $day LIMIT 1"

BREAKAGES = {
    **{f"{t.name}.primary_key_unique": [DUPLICATE_ROW.format(t=t.name)] for t in TABLES},
    **{f"{t.name}.has_rows": [f"DELETE FROM {t.name} WHERE snapshot_date = $day"] for t in TABLES},
    **{f"{t.name}.schema_matches_contract": [f"ALTER TABLE {t.name} ADD COLUMN surprise INTEGER"] for t in TABLES},
    **{f"{t.name}.required_columns_present": [null_one_required_value(t)] for t in TABLES},
    "tracks.tracks_reference_albums": ["DELETE FROM albums WHERE album_id = (SELECT min(album_id) FROM tracks)"],
    "albums.track_counts_match_total": ["DELETE FROM tracks WHERE track_id = (SELECT min(track_id) FROM tracks)"],
    "albums.release_dates_valid": [
        "UPDATE albums SET release_date = '2026-02-30', release_date_precision = 'day', release_date_start = NULL "
        "WHERE album_id = (SELECT min(album_id) FROM albums)"
    ],
    "album_artists.links_reference_known_rows": [
        "DELETE FROM artists WHERE artist_id = (SELECT min(artist_id) FROM album_artists)"
    ],
    "track_artists.links_reference_known_rows": [
        "DELETE FROM tracks WHERE track_id = (SELECT min(track_id) FROM track_artists)"
    ],
    "albums.listed_albums_available": [
        "INSERT INTO unavailable_albums SELECT $day, min(album_id), 'albums', 200, 'null', 'u' FROM albums"
    ],
}


def test_every_rule_has_a_breakage() -> None:
    assert set(BREAKAGES) == set(RULES)


@pytest.mark.parametrize("rule_name", sorted(BREAKAGES))
def test_rule_fails_on_data_broken_on_purpose(database: Path, rule_name: str) -> None:
    with duckdb.connect(str(database)) as conn:
        for statement in BREAKAGES[rule_name]:
            conn.execute(statement, {"day": DAY} if "$day" in statement else None)
    assert rule_name in failing_rules(database)


def test_blocking_check_fails_the_run_when_raw_tracks_are_tampered(resources: dict[str, Any], tmp_path: Path) -> None:
    assert materialize_day(resources, DAY).success
    page = sorted((tmp_path / "raw" / "album_tracks" / f"date={DAY}").glob("albums-batch-*.json"))[0]
    body = json.loads(page.read_bytes())
    body["albums"][0]["tracks"]["items"].pop()
    page.write_text(json.dumps(body))

    rebuild = [spotify_tables, table_quality_checks]  # from raw only, as a backfill of that day would
    result = dg.materialize(rebuild, partition_key=DAY.isoformat(), resources=resources, raise_on_error=False)

    assert not result.success
    failed = {e.check_name for e in result.get_asset_check_evaluations() if not e.passed}
    assert "track_counts_match_total" in failed


def test_development_mode_fields_are_optional_not_failures(tmp_path: Path) -> None:
    with SpotifyEmulator(EmulatorConfig(dev_mode=True)) as emulator:
        result = materialize_day(platform_resources(emulator, tmp_path), DAY)
        expected_albums = len(emulator.catalog.search_new_ids(DAY, "US"))  # the fallback: search tag:new
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    with duckdb.connect(str(tmp_path / "spotify.duckdb"), read_only=True) as conn:
        albums, labels, popularity = conn.execute(
            "SELECT count(*), count(label), count(popularity) FROM albums WHERE snapshot_date = ?", [DAY]
        ).fetchall()[0]
    assert (albums, labels, popularity) == (expected_albums, 0, 0)
