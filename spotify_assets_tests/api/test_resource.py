"""SpotifyResource: backend choice, configuration errors, the emulator's clock, use inside Dagster."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg
import pytest

from spotify_assets.emulator import Catalog, CatalogConfig
from spotify_assets.resources.env import SettingsError
from spotify_assets.resources.spotify import EmulatorSpotifyResource, SpotifyApiResource, SpotifyResource
from spotify_assets.settings import spotify_from_env
from spotify_assets.spotify_api import AlbumRef, SpotifyConfigError
from spotify_assets_tests.api.conftest import DAY, StartEmulator, release_items, track_ids_by_album


def test_an_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match=r"^SPOTIFY_BACKEND must be 'emulator' or 'spotify', got 'spotfy'$"):
        spotify_from_env({"SPOTIFY_BACKEND": "spotfy"})


def test_the_backend_picks_its_resource_and_each_reads_its_own_variables() -> None:
    emulator = spotify_from_env({"SPOTIFY_EMULATOR_SEED": "7", "SPOTIFY_MAX_WORKERS": "3"})
    assert isinstance(emulator, EmulatorSpotifyResource) and (emulator.seed, emulator.max_workers) == (7, 3)
    real = spotify_from_env(
        {"SPOTIFY_BACKEND": "spotify", "SPOTIFY_CLIENT_ID": "id", "SPOTIFY_CLIENT_SECRET": "s3cr3t"}
    )
    assert isinstance(real, SpotifyApiResource) and real.source == "spotify"
    assert "s3cr3t" not in repr(real), "secrets are EnvVar references, never values"
    with pytest.raises(SettingsError, match=r"^SPOTIFY_CLIENT_ID must be set; SPOTIFY_CLIENT_SECRET must be set$"):
        spotify_from_env({"SPOTIFY_BACKEND": "spotify"})


def test_the_spotify_backend_without_credentials_names_both_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPOTIFY_CLIENT_ID", raising=False)
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", "")
    resource = SpotifyApiResource(
        client_id=dg.EnvVar("SPOTIFY_CLIENT_ID"), client_secret=dg.EnvVar("SPOTIFY_CLIENT_SECRET")
    )
    with pytest.raises(SpotifyConfigError) as caught, resource.build_client():
        pass
    assert "SPOTIFY_CLIENT_ID" in str(caught.value) and "SPOTIFY_CLIENT_SECRET" in str(caught.value)


def test_the_spotify_backend_serves_todays_snapshot_whatever_is_asked() -> None:
    resource = SpotifyApiResource(client_id="id", client_secret="s3cr3t-value")
    assert resource.source == "spotify" and "s3cr3t-value" not in repr(resource)
    assert resource.select_snapshot_day(date(2020, 1, 1)) == datetime.now(UTC).date()
    with resource.build_client() as client:  # no request is sent before one is needed
        assert client.settings.api_base_url == "https://api.spotify.com/v1"
        assert client.settings.token_url == "https://accounts.spotify.com/api/token"


def test_an_external_emulator_has_its_clock_set_over_http(start_emulator: StartEmulator) -> None:
    emulator = start_emulator(albums_per_day=10)
    resource = EmulatorSpotifyResource(api_base_url=emulator.api_base_url)  # token URL and credentials: the emulator's
    other_day = date(2026, 3, 1)
    assert resource.select_snapshot_day(other_day) == other_day
    with resource.build_client() as client:
        listed = [item["id"] for item in release_items(list(client.iter_new_release_pages()))]
    assert listed == emulator.catalog.new_release_ids(other_day, "US") != emulator.catalog.new_release_ids(DAY, "US")


def test_build_client_runs_the_embedded_emulator_without_dagster() -> None:
    resource = EmulatorSpotifyResource(albums_per_day=12, dev_mode=True)
    with resource.build_client() as client:
        assert resource.select_snapshot_day(DAY) == DAY
        pages = list(client.iter_new_release_pages())
    assert {page.kind for page in pages} == {"search_new"}
    assert [item["id"] for item in release_items(pages)] == Catalog(CatalogConfig(albums_per_day=12)).search_new_ids(
        DAY, "US"
    )
    with pytest.raises(SpotifyConfigError, match="embedded emulator runs only"):
        resource.select_snapshot_day(DAY)  # stopped with the client


def test_the_resource_works_inside_dagster_with_the_embedded_emulator() -> None:
    @dg.asset
    def fetched(spotify: SpotifyResource) -> dg.MaterializeResult:
        assert spotify.select_snapshot_day(DAY) == DAY
        client = spotify.get_client()
        releases = list(client.iter_new_release_pages())
        albums = [AlbumRef(item["id"], item["total_tracks"]) for item in release_items(releases)]
        tracks = track_ids_by_album(list(client.iter_album_track_pages(albums)))
        return dg.MaterializeResult(
            metadata={"album_ids": [a.id for a in albums], "tracks": sum(map(len, tracks.values())), **client.stats()}
        )

    resource = EmulatorSpotifyResource(seed=7, albums_per_day=30, client_id="my-id", client_secret="my-secret")
    result = dg.materialize([fetched], resources={"spotify": resource})
    assert result.success
    metadata = result.asset_materializations_for_node("fetched")[0].metadata
    catalog = Catalog(CatalogConfig(seed=7, albums_per_day=30))
    assert metadata["album_ids"].value == catalog.new_release_ids(DAY, "US")
    assert metadata["tracks"].value == sum(len(catalog.tracks(a, DAY)) for a in catalog.new_release_ids(DAY, "US"))
    assert metadata["requests"].value > 0 and metadata["token_refreshes"].value == 0
