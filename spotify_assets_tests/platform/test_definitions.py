"""The code location loads, and the schedule asks for the right partition."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from spotify_assets.orchestration.accepted_warnings import ACCEPTED
from spotify_assets.settings import SettingsError, resources_from_env


def test_definitions_load_with_every_asset_check_and_schedule() -> None:
    from spotify_assets.definitions import defs as load_definitions

    defs = load_definitions()

    dg.Definitions.validate_loadable(defs)
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {
        "raw_new_releases",
        "raw_album_tracks",
        "albums",
        "artists",
        "album_artists",
        "tracks",
        "track_artists",
        "analytics_releases_per_day",
        "analytics_top_artists",
        "analytics_track_duration_distribution",
        "analytics_explicit_share",
        "lake_export",
        "unavailable_albums",
        "trend_releases_per_week",
        "trend_artists_per_day",
        "trend_track_durations",
        "trend_explicit_share",
        "trend_album_sizes",
        "trend_top_artists_30d",
        "trend_label_share_30d",
        "trends_dashboard",
        "warehouse_snapshot",
    }
    assert defs.resolve_job_def("daily_snapshot_job").partitions_def is not None
    assert defs.resolve_schedule_def("daily_snapshot_job_schedule").cron_schedule == "0 6 * * *"


def test_schedule_yields_the_run_date_partition() -> None:
    from spotify_assets.definitions import defs as load_definitions

    defs = load_definitions()

    schedule = defs.resolve_schedule_def("daily_snapshot_job_schedule")
    tick = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
    with dg.build_schedule_context(scheduled_execution_time=tick, repository_def=defs.get_repository_def()) as context:
        requests = list(schedule.evaluate_tick(context).run_requests or [])
    assert [r.partition_key for r in requests] == ["2026-11-21"]


def test_schedule_cron_comes_from_the_environment_and_is_validated() -> None:
    from spotify_assets.settings import daily_schedule_cron

    assert daily_schedule_cron({}) == "0 6 * * *"
    assert daily_schedule_cron({"SPOTIFY_DAILY_SCHEDULE_CRON": "30 7 * * *"}) == "30 7 * * *"
    for bad in ("every day", "0 6 * *", "0 25 * * *", "*/5 * * * * *"):
        with pytest.raises(SettingsError, match=r"SPOTIFY_DAILY_SCHEDULE_CRON must be a 5-field cron expression"):
            daily_schedule_cron({"SPOTIFY_DAILY_SCHEDULE_CRON": bad})


def test_alert_webhook_url_must_be_http_and_is_never_echoed() -> None:
    url = "ftp://hooks.example/services/T000/B000/sEcReTpart"
    with pytest.raises(SettingsError, match="SPOTIFY_ALERT_WEBHOOK_URL must be an http") as raised:
        resources_from_env({"SPOTIFY_ALERT_WEBHOOK_URL": url})
    assert "sEcReTpart" not in str(raised.value)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SPOTIFY_BACKEND", "spotifi", "SPOTIFY_BACKEND must be 'emulator' or 'spotify'"),
        ("SPOTIFY_MAX_WORKERS", "lots", "SPOTIFY_MAX_WORKERS must be an integer >= 1, got 'lots'"),
        ("SPOTIFY_MAX_WORKERS", "0", "SPOTIFY_MAX_WORKERS must be an integer >= 1, got '0'"),
        ("SPOTIFY_EMULATOR_DEV_MODE", "maybe", "SPOTIFY_EMULATOR_DEV_MODE must be true or false"),
        (
            "SPOTIFY_DUCKDB_LOCK_WAIT",
            "ten minutes",
            "SPOTIFY_DUCKDB_LOCK_WAIT must be a number >= 0, got 'ten minutes'",
        ),
        ("SPOTIFY_DUCKDB_LOCK_WAIT", "-5", "SPOTIFY_DUCKDB_LOCK_WAIT must be a number >= 0, got '-5'"),
    ],
)
def test_bad_environment_values_are_named(variable: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        resources_from_env({variable: value})


def test_daily_job_runs_every_check_of_its_assets() -> None:
    """Quality, schema-change and freshness checks: each day's run records a verdict for each."""
    from spotify_assets.definitions import defs as load_definitions

    defs = load_definitions()
    from spotify_assets.defs.daily_snapshot.jobs import daily_snapshot_job

    graph = defs.resolve_asset_graph()
    in_job = daily_snapshot_job.selection.resolve_checks(graph)
    assert in_job == graph.asset_check_keys
    assert {"primary_key_unique", "column_schema_change", "partition_landed_by_deadline"} <= {k.name for k in in_job}


def test_loading_the_definitions_warns_of_nothing_deprecated_or_superseded() -> None:
    """In a fresh interpreter with Python's default filters (pytest's own filters don't apply there)."""
    import subprocess
    import sys

    probe = (
        "import warnings\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    from spotify_assets.definitions import defs\n"
        "    loaded = defs()\n"
        "    loaded.resolve_job_def('daily_snapshot_job'); loaded.resolve_all_asset_specs()\n"
        "for w in caught:\n"
        "    print(f'{w.category.__name__}|{w.filename}:{w.lineno}|{str(w.message)[:160]}')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    lines = done.stdout.splitlines()
    flagged = [
        line
        for line in lines
        if line.split("|")[0] in {"DeprecationWarning", "SupersessionWarning", "PendingDeprecationWarning"}
    ]
    assert flagged == [], "\n".join(flagged)
    # What is left is the preview/beta APIs we chose (accepted_warnings.py), nothing else.
    assert all(any(message in line for message, _ in ACCEPTED) for line in lines), "\n".join(lines)


def test_the_warehouse_is_dagster_duckdbs_resource_and_loading_it_opens_no_file(tmp_path: Path) -> None:
    """The warehouse is dagster-duckdb's ``DuckDBResource`` (subclassed for the lock and the wait),
    and loading the definitions, which every Dagster process does, creates and opens nothing: only a
    step connects. (What the load costs is measured in bench/definitions_load.py, not here.)"""
    import subprocess
    import sys

    from dagster_duckdb import DuckDBResource

    from spotify_assets.resources.warehouse import WarehouseResource

    assert issubclass(WarehouseResource, DuckDBResource)
    probe = (
        "from dagster_duckdb import DuckDBResource\n"
        "from spotify_assets.definitions import defs\n"
        "warehouse = defs().resources['warehouse']\n"
        "print(type(warehouse).__name__, isinstance(warehouse, DuckDBResource), warehouse.database)"
    )
    data = tmp_path / "data"
    env = {**os.environ, "SPOTIFY_ASSETS_DATA_DIR": str(data)}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True, env=env
    )
    assert done.stdout.split() == ["WarehouseResource", "True", str(data / "spotify.duckdb")], done.stdout
    assert not data.exists()


def test_pytest_silences_exactly_the_accepted_warnings() -> None:
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    filters = config["tool"]["pytest"]["ini_options"]["filterwarnings"]
    accepted = {f"ignore:{message}:dagster.{category.__name__}" for message, category in ACCEPTED}
    assert accepted <= set(filters)
    assert [f for f in filters if f not in accepted] == [
        "ignore:InitResourceContext.dagster_run is deprecated:DeprecationWarning:dagster"
    ], "anything else silenced must be named here, with its reason in pyproject.toml"


def test_alert_webhook_url_stays_an_env_var_reference() -> None:
    resource = resources_from_env({"SPOTIFY_ALERT_WEBHOOK_URL": "https://hooks.example/services/T0/B0/secretpart"})[
        "alert_webhook"
    ]
    assert isinstance(resource.url, dg.EnvVar) and resource.url == "SPOTIFY_ALERT_WEBHOOK_URL"
    assert resources_from_env({})["alert_webhook"].url is None


def test_readme_configuration_table_is_the_one_the_resources_print() -> None:
    """The resources' fields are the one source of each setting's default and meaning."""
    from pathlib import Path

    from spotify_assets.settings import settings_reference

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("<!-- settings:begin -->\n", 1)[1].split("\n<!-- settings:end -->", 1)[0]
    assert table == settings_reference(), "run `.venv/bin/spotify-assets settings` and paste it into the README"


def test_every_asset_has_an_owner_and_each_catalog_tag_from_its_vocabulary() -> None:
    from typing import get_args

    from spotify_assets.definitions import defs as load_definitions
    from spotify_assets.orchestration.catalog import OWNERS, Scope, Source, Storage

    vocabulary = {"source": get_args(Source), "storage": get_args(Storage), "scope": get_args(Scope)}
    for spec in load_definitions().resolve_all_asset_specs():
        assert list(spec.owners) == list(OWNERS), spec.key
        tags = {k: v for k, v in spec.tags.items() if not k.startswith("dagster/")}
        assert tags.keys() == vocabulary.keys(), spec.key
        assert all(value in vocabulary[key] for key, value in tags.items()), (spec.key, tags)
