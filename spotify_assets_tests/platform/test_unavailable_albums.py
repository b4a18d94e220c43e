"""Albums pulled between listing and fetch, and tokens shorter than a 429 wait: the day still lands.

Real Dagster runs against the real emulator over HTTP: albums are pulled with the emulator's switch
(listed, then ``null`` in ``albums?ids=`` and 404 alone, as Spotify does), tokens last 1 s while
the rate limiter asks for 3 s waits.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from spotify_assets.defs.warehouse.assets import spotify_tables
from spotify_assets.defs.warehouse.checks import table_quality_checks
from spotify_assets.emulator import EmulatorConfig, FaultConfig, SpotifyEmulator
from spotify_assets.landing.land import read_tracks_manifest
from spotify_assets.resources.env import SettingsError
from spotify_assets.resources.object_store import LocalObjectStore
from spotify_assets.resources.storage import RAW
from spotify_assets.settings import spotify_from_env
from spotify_assets_tests.platform.conftest import (
    DAY,
    materialize_day,
    platform_resources,
    spotify_for,
    table_counts,
    table_fingerprints,
)


def pulled_ids(emulator: SpotifyEmulator, count: int) -> list[str]:
    """``count`` albums spread over the day's US listing (so several batches are hit)."""
    listed = emulator.catalog.new_release_ids(DAY, "US")
    return [listed[i * len(listed) // count] for i in range(count)]


def stored_tracks(database: str, day: date) -> dict[str, list[str]]:
    with duckdb.connect(database, read_only=True) as conn:
        rows = conn.execute(
            "SELECT album_id, list(track_id ORDER BY disc_number, track_number) AS ids FROM tracks "
            "WHERE snapshot_date = ? GROUP BY album_id",
            [day],
        ).fetchall()
    return dict(rows)


def catalog_tracks(emulator: SpotifyEmulator, album_ids: list[str], day: date) -> dict[str, list[str]]:
    return {a: [t["id"] for t in emulator.catalog.tracks(a, day)] for a in album_ids}


def check_evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {f"{e.asset_key.to_user_string()}.{e.check_name}": e for e in result.get_asset_check_evaluations()}


@pytest.mark.parametrize("dev_mode", [False, True], ids=["albums-batch-null", "per-album-404"])
def test_three_pulled_albums_leave_the_day_complete_and_a_warning_naming_them(tmp_path: Path, dev_mode: bool) -> None:
    with SpotifyEmulator(EmulatorConfig(dev_mode=dev_mode)) as emulator:
        listed = emulator.catalog.search_new_ids(DAY, "US") if dev_mode else emulator.catalog.new_release_ids(DAY, "US")
        pulled = sorted(pulled_ids(emulator, 3)) if not dev_mode else sorted(listed[i] for i in (0, 40, 80))
        emulator.pull_albums(pulled)
        resources = platform_resources(emulator, tmp_path)
        result = materialize_day(resources, DAY)
        available = [a for a in listed if a not in pulled]
        expected_tracks = catalog_tracks(emulator, available, DAY)

    assert result.success
    database = resources["warehouse"].database
    assert stored_tracks(database, DAY) == {a: ids for a, ids in expected_tracks.items() if ids}
    assert table_counts(database, DAY)["albums"] == len(listed)  # pulled albums stay listed, without tracks

    checks = check_evaluations(result)
    warning = checks["albums.listed_albums_available"]
    assert (warning.passed, warning.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert all(album_id in (warning.description or "") for album_id in pulled)
    assert warning.metadata["album_ids"].value == pulled
    assert checks["albums.track_counts_match_total"].passed
    assert [name for name, e in checks.items() if not e.passed] == ["albums.listed_albums_available"]

    manifest = read_tracks_manifest(LocalObjectStore(tmp_path / "raw", RAW), DAY)
    assert manifest is not None and sorted(manifest.unavailable) == pulled
    assert not set(pulled) & set(manifest.albums)
    said = {(e.endpoint, e.status, e.message) for e in manifest.unavailable.values()}
    if dev_mode:
        assert said == {("albums/{id}/tracks", 404, "Resource not found")}
    else:
        assert said == {("albums", 200, "null in the albums?ids= response")}
    assert all(e.url.startswith(emulator.api_base_url) for e in manifest.unavailable.values())
    with duckdb.connect(database, read_only=True) as conn:
        rows = conn.execute(
            "SELECT album_id, endpoint, status FROM unavailable_albums WHERE snapshot_date = ? ORDER BY album_id", [DAY]
        ).fetchall()
    assert [row[0] for row in rows] == pulled


def test_a_rerun_and_a_rebuild_from_raw_reproduce_the_tables_with_pulled_albums(tmp_path: Path) -> None:
    with SpotifyEmulator(EmulatorConfig()) as emulator:
        emulator.pull_albums(pulled_ids(emulator, 3))
        resources = platform_resources(emulator, tmp_path)
        assert materialize_day(resources, DAY).success
        database = resources["warehouse"].database
        first = table_fingerprints(database, DAY)
        with duckdb.connect(database, read_only=True) as conn:
            unavailable = conn.execute("SELECT * FROM unavailable_albums ORDER BY album_id").fetchall()
        assert materialize_day(resources, DAY).success  # rerun: refetches, same answer
        assert table_fingerprints(database, DAY) == first

        emulator.pull_albums([])  # the API changed since: a rebuild must still say what the raw data says
        rebuild = dg.materialize(
            [spotify_tables, table_quality_checks], partition_key=DAY.isoformat(), resources=resources
        )
    assert rebuild.success
    assert table_fingerprints(database, DAY) == first
    with duckdb.connect(database, read_only=True) as conn:
        assert conn.execute("SELECT * FROM unavailable_albums ORDER BY album_id").fetchall() == unavailable
    assert len(unavailable) == 3


def test_thirty_pulled_albums_fail_the_day_naming_them(tmp_path: Path) -> None:
    with SpotifyEmulator(EmulatorConfig()) as emulator:
        pulled = pulled_ids(emulator, 30)
        emulator.pull_albums(pulled)
        result = materialize_day(platform_resources(emulator, tmp_path), DAY)

    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert failure.step_key == "raw_album_tracks"
    error = failure.event_specific_data.error
    message = error.cause.message if error.cause else error.message  # the asset's own error
    assert "30 of the 100 albums listed for 2026-11-20 were unavailable" in message
    assert "SPOTIFY_MAX_UNAVAILABLE_SHARE" in message and "10%" in message
    assert all(album_id in message for album_id in pulled)
    raw = LocalObjectStore(tmp_path / "raw", RAW)
    assert read_tracks_manifest(raw, DAY) is None  # not committed: the tables are not built from it
    assert list((tmp_path / "raw" / "album_tracks" / f"date={DAY}").glob("albums-batch-*.json"))  # pages kept


def test_the_share_is_configurable(tmp_path: Path) -> None:
    with SpotifyEmulator(EmulatorConfig()) as emulator:
        emulator.pull_albums(pulled_ids(emulator, 30))
        spotify = spotify_for(emulator, max_unavailable_share=0.3)
        result = materialize_day(platform_resources(emulator, tmp_path, spotify=spotify), DAY)
    assert result.success
    assert check_evaluations(result)["albums.listed_albums_available"].metadata["unavailable"].value == 30


@pytest.mark.parametrize("share", ["-0.1", "1.5", "nan", "lots"])
def test_a_share_outside_zero_to_one_is_refused_naming_the_setting(share: str) -> None:
    with pytest.raises(SettingsError, match=f"SPOTIFY_MAX_UNAVAILABLE_SHARE must be .*got '{share}'"):
        spotify_from_env({"SPOTIFY_MAX_UNAVAILABLE_SHARE": share})
    assert spotify_from_env({"SPOTIFY_MAX_UNAVAILABLE_SHARE": "0.25"}).max_unavailable_share == 0.25


def test_a_one_second_token_under_three_second_429_waits_lands_the_exact_day(tmp_path: Path) -> None:
    """Each 429 pauses every worker for 3 s, three times a token's life: the request is re-sent with
    a renewed token, never with the one that lapsed during the pause."""
    with SpotifyEmulator(EmulatorConfig()) as clean:
        assert materialize_day(platform_resources(clean, tmp_path / "clean"), DAY).success
    faults = FaultConfig(rate_limit_requests=4, rate_limit_window_s=3.0, retry_after_s=3)
    with SpotifyEmulator(EmulatorConfig(token_ttl_s=1, faults=faults)) as emulator:
        resources = platform_resources(emulator, tmp_path / "limited")
        result = materialize_day(resources, DAY)
        stats = emulator.stats()

    assert result.success
    assert stats["by_status"].get("429", 0) >= 2
    assert "401" not in stats["by_status"]  # no request went out with a lapsed token
    assert stats["by_endpoint"]["token"] >= 3  # renewed after the pauses
    assert table_fingerprints(resources["warehouse"].database, DAY) == table_fingerprints(
        str(tmp_path / "clean" / "spotify.duckdb"), DAY
    )
