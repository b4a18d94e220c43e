"""Which resources the environment asks for: the choices between resources, nothing more.

Each resource declares its own variables, defaults and constraints (``resources/env.py``); this
module picks the Spotify backend, derives the local paths from ``SPOTIFY_ASSETS_DATA_DIR``, checks
the few rules that span variables, and passes the rest to the resources, so a bad value fails
before any work starts with the variable named (e.g. ``SPOTIFY_MAX_WORKERS=lots``). Secrets stay
``EnvVar`` references, resolved by Dagster at run time and never shown.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args

import dagster as dg

# Dagster's own validator, so what passes here is exactly what ScheduleDefinition accepts.
from dagster._utils.schedules import is_valid_cron_string

from spotify_assets.orchestration.code_references import REF_VARIABLE, URL_VARIABLE
from spotify_assets.orchestration.partitions import DEFAULT_START_DATE
from spotify_assets.resources.alerts import AlertWebhookResource
from spotify_assets.resources.env import SettingsError, environment_variables, from_env
from spotify_assets.resources.lake import LakeResource
from spotify_assets.resources.s3 import S3Connection
from spotify_assets.resources.spotify import Backend, EmulatorSpotifyResource, SpotifyApiResource, SpotifyResource
from spotify_assets.resources.storage import RawStorageResource
from spotify_assets.resources.warehouse import WarehouseResource


def _text(env: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    value = env.get(name, "").strip()
    return value or default


# Which resource serves each backend; each resource holds its own settings, defaults and validation.
SPOTIFY_BACKENDS: dict[Backend, type[SpotifyResource]] = {
    "emulator": EmulatorSpotifyResource,
    "spotify": SpotifyApiResource,
}


def spotify_from_env(env: Mapping[str, str] = os.environ) -> SpotifyResource:
    """``SPOTIFY_BACKEND`` picks the resource; the variables it declares configure it."""
    backend = _text(env, "SPOTIFY_BACKEND", "emulator")
    if backend not in SPOTIFY_BACKENDS:
        choices = " or ".join(repr(name) for name in get_args(Backend))
        raise SettingsError(f"SPOTIFY_BACKEND must be {choices}, got {backend!r}")
    return from_env(SPOTIFY_BACKENDS[backend], env)


DEFAULT_DATA_DIR = "data"


def data_dir(env: Mapping[str, str] = os.environ) -> Path:
    """``SPOTIFY_ASSETS_DATA_DIR``: the one folder the local defaults below live in."""
    return Path(_text(env, "SPOTIFY_ASSETS_DATA_DIR", DEFAULT_DATA_DIR) or DEFAULT_DATA_DIR)


def raw_storage_from_env(env: Mapping[str, str] = os.environ) -> RawStorageResource:
    return from_env(RawStorageResource, env, local_root=str(data_dir(env) / "raw"), s3=from_env(S3Connection, env))


def lake_from_env(env: Mapping[str, str] = os.environ) -> LakeResource:
    """The Parquet lake: ``SPOTIFY_LAKE_S3_BUCKET`` switches it to S3, else ``SPOTIFY_LAKE_DIR``
    (default ``<data dir>/lake``). Checked here without writing anything."""
    if _text(env, "SPOTIFY_LAKE_S3_BUCKET") is None and _text(env, "SPOTIFY_LAKE_S3_PREFIX") is not None:
        raise SettingsError(
            "SPOTIFY_LAKE_S3_PREFIX is set but SPOTIFY_LAKE_S3_BUCKET is not: "
            "set the bucket to export to S3, or unset the prefix to export to the local folder"
        )
    return from_env(
        LakeResource,
        env,
        derived={"local_root": "<SPOTIFY_ASSETS_DATA_DIR>/lake"},
        local_root=str(data_dir(env) / "lake"),
        s3=from_env(S3Connection, env),
    )


def warehouse_from_env(env: Mapping[str, str] = os.environ) -> WarehouseResource:
    return from_env(
        WarehouseResource,
        env,
        derived={"database": "<SPOTIFY_ASSETS_DATA_DIR>/spotify.duckdb"},
        database=str(data_dir(env) / "spotify.duckdb"),
    )


DEFAULT_DAILY_CRON = "0 6 * * *"


def daily_schedule_cron(env: Mapping[str, str] = os.environ) -> str:
    """``SPOTIFY_DAILY_SCHEDULE_CRON`` (UTC), default 06:00 every day. Deployments move the tick to
    their upstream's publishing time; the production smoke test uses ``* * * * *`` so the daemon
    has a tick due within a minute instead of waiting for 06:00."""
    cron = _text(env, "SPOTIFY_DAILY_SCHEDULE_CRON", DEFAULT_DAILY_CRON) or DEFAULT_DAILY_CRON
    if not is_valid_cron_string(cron):
        raise SettingsError(
            f"SPOTIFY_DAILY_SCHEDULE_CRON must be a 5-field cron expression like {DEFAULT_DAILY_CRON!r}, got {cron!r}"
        )
    return cron


def alert_webhook_from_env(env: Mapping[str, str] = os.environ) -> AlertWebhookResource:
    """``SPOTIFY_ALERT_WEBHOOK_URL`` stays an ``EnvVar``: a Slack webhook URL is a credential."""
    url = _text(env, "SPOTIFY_ALERT_WEBHOOK_URL")
    if url is not None and not url.startswith(("https://", "http://")):
        # The value itself is never echoed: only its scheme is wrong, and the URL is the secret.
        raise SettingsError("SPOTIFY_ALERT_WEBHOOK_URL must be an http(s) URL (value not shown: it is a secret)")
    return from_env(AlertWebhookResource, env)


def resources_from_env(env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    return {
        "spotify": spotify_from_env(env),
        "raw_storage": raw_storage_from_env(env),
        "warehouse": warehouse_from_env(env),
        "lake": lake_from_env(env),
        "alert_webhook": alert_webhook_from_env(env),
    }


# ---- the configuration reference (README "Configuration" and `spotify-assets settings`) ---------------

# Variables that choose between resources or feed several: read here, not by one resource.
CHOOSING_VARIABLES: tuple[tuple[str, str, str], ...] = (
    (
        "SPOTIFY_BACKEND",
        "emulator",
        "Which Spotify resource: 'emulator' (embedded, no credentials) or 'spotify' (the real API)",
    ),
    (
        "SPOTIFY_ASSETS_DATA_DIR",
        DEFAULT_DATA_DIR,
        "Folder of the local raw files (raw/), DuckDB file and Parquet lake (lake/)",
    ),
    ("SPOTIFY_ASSETS_START_DATE", DEFAULT_START_DATE, "First daily partition (YYYY-MM-DD)"),
    ("SPOTIFY_DAILY_SCHEDULE_CRON", DEFAULT_DAILY_CRON, "When the daily schedule ticks (5-field cron, UTC)"),
    (
        URL_VARIABLE,
        "",
        "https address of the GitHub/GitLab repository the deployed code comes from: the UI links each asset to its code there",
    ),
    (REF_VARIABLE, "", "Branch, tag or commit of that code (set both or neither)"),
)
CONFIGURED_RESOURCES: tuple[type[dg.ConfigurableResource[Any]], ...] = (
    EmulatorSpotifyResource,
    SpotifyApiResource,
    RawStorageResource,
    S3Connection,
    LakeResource,
    WarehouseResource,
    AlertWebhookResource,
)


def settings_reference() -> str:
    """Every variable, its default and what it does, as a Markdown table, read off the resources'
    fields (their one definition), so the README's table cannot drift from the code."""
    found: dict[str, list[tuple[str, str, str]]] = {
        name: [("settings", f"`{default}`" if default else "—", meaning)]
        for name, default, meaning in CHOOSING_VARIABLES
    }
    for resource in CONFIGURED_RESOURCES:
        for variable, field in environment_variables(resource).items():
            default = field.get_default(call_default_factory=True)
            shown = "required" if field.is_required() else "—" if default in (None, [], "") else f"`{default}`"
            meaning = (field.description or "").removesuffix(f" ({variable})")
            found.setdefault(variable, []).append((resource.__name__, shown, meaning))
    lines = ["| variable | default | read by | meaning |", "|---|---|---|---|"]
    for variable, readers in found.items():
        names = ", ".join(name for name, _, _ in readers)
        defaults = {shown for _, shown, _ in readers}
        meanings = {meaning for _, _, meaning in readers}
        default = defaults.pop() if len(defaults) == 1 else "; ".join(f"{shown} ({name})" for name, shown, _ in readers)
        meaning = meanings.pop() if len(meanings) == 1 else "; ".join(f"{name}: {m}" for name, _, m in readers)
        lines.append(f"| `{variable}` | {default} | {names} | {meaning} |")
    return "\n".join(lines)
