"""Real Dagster materializations against the real emulator over HTTP and a real DuckDB file."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg

from spotify_assets.defs.warehouse.checks import RULES
from spotify_assets.emulator import SpotifyEmulator
from spotify_assets.landing.land import read_tracks_manifest
from spotify_assets.resources.object_store import LocalObjectStore
from spotify_assets.resources.storage import RAW
from spotify_assets.tables.schema import TABLES_BY_NAME
from spotify_assets_tests.platform.conftest import DAY, NEXT_DAY, materialize_day, table_counts, table_fingerprints


def expected_table_counts(emulator: SpotifyEmulator, day: date) -> dict[str, int]:
    expected = emulator.catalog.expected_counts(day, "US")
    return {
        "albums": expected["albums"],
        "artists": expected["artists"],
        "album_artists": expected["album_artists"],
        "tracks": expected["tracks"],
        "track_artists": expected["track_artists"],
    }


def assert_all_checks_passed(result: dg.ExecuteInProcessResult) -> None:
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == len(RULES)
    assert [f"{e.asset_key.to_user_string()}.{e.check_name}" for e in evaluations if not e.passed] == []


def test_two_consecutive_days_match_the_emulator_catalog(resources: dict[str, Any], emulator: SpotifyEmulator) -> None:
    database = resources["warehouse"].database
    for day in (DAY, NEXT_DAY):
        result = materialize_day(resources, day)
        assert result.success
        assert_all_checks_passed(result)
        assert table_counts(database, day) == expected_table_counts(emulator, day)
    # each day keeps its own rows: the second day did not touch the first
    assert table_counts(database, DAY) == expected_table_counts(emulator, DAY)


def test_second_day_fetches_only_new_or_changed_albums(
    resources: dict[str, Any], emulator: SpotifyEmulator, tmp_path: Path
) -> None:
    assert materialize_day(resources, DAY).success
    emulator.reset_stats()
    assert materialize_day(resources, NEXT_DAY).success

    catalog = emulator.catalog
    before = {a: catalog.album(a, DAY)["total_tracks"] for a in catalog.new_release_ids(DAY, "US")}
    changed_or_new = [
        a
        for a in catalog.new_release_ids(NEXT_DAY, "US")
        if before.get(a) != catalog.album(a, NEXT_DAY)["total_tracks"]
    ]
    manifest = read_tracks_manifest(LocalObjectStore(tmp_path / "raw", RAW), NEXT_DAY)
    assert manifest is not None
    assert 0 < manifest.fetched_here() == len(changed_or_new) < len(manifest.albums)
    assert emulator.stats()["by_endpoint"].get("albums_batch", 0) == math.ceil(len(changed_or_new) / 20)


def test_rerun_of_a_day_leaves_identical_tables(resources: dict[str, Any]) -> None:
    database = resources["warehouse"].database
    assert materialize_day(resources, DAY).success
    first = table_fingerprints(database, DAY)
    assert materialize_day(resources, DAY).success
    assert table_fingerprints(database, DAY) == first


def test_materializations_carry_counts_schema_preview_and_source(
    resources: dict[str, Any], emulator: SpotifyEmulator
) -> None:
    result = materialize_day(resources, DAY)
    assert result.success
    by_asset = {
        event.asset_key.to_user_string(): event.step_materialization_data.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    expected = expected_table_counts(emulator, DAY)
    for table, count in expected.items():
        metadata = by_asset[table]
        assert metadata["dagster/partition_row_count"].value == count  # the day's rows
        assert metadata["dagster/row_count"].value == count  # the whole table: only this day so far
        assert [c.name for c in metadata["dagster/column_schema"].schema.columns] == TABLES_BY_NAME[table].column_names
        assert "| snapshot_date |" in metadata["preview"].value
    releases = by_asset["raw_new_releases"]
    assert releases["source"].value == "emulator"
    assert releases["album_count"].value == expected["albums"]
    assert releases["api_requests"].value >= 2
