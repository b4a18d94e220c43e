"""Resources built from environment variables, validated up front with errors naming the variable.

Secrets stay ``EnvVar`` references, so Dagster resolves them at run time and never shows their
values in the UI or in run config. Everything else is parsed here so a bad value fails before
any work starts (e.g. ``SPOTIFY_MAX_WORKERS=lots`` names the variable and the accepted range).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args

# Dagster's own validator, so what passes here is exactly what ScheduleDefinition accepts.
from dagster._utils.schedules import is_valid_cron_string

from spotify_assets.configuration import SettingsError
from spotify_assets.resources.alerts import AlertWebhookResource
from spotify_assets.resources.env import from_env
from spotify_assets.resources.lake import LakeResource
from spotify_assets.resources.s3 import S3Connection
from spotify_assets.resources.spotify import Backend, EmulatorSpotifyResource, SpotifyApiResource, SpotifyResource
from spotify_assets.resources.storage import RawStorageResource
from spotify_assets.resources.warehouse import WarehouseResource


def _text(env: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    value = env.get(name, "").strip()
    return value or default


# Which resource serves each backend; each resource holds its own settings, defaults and validation.
SPOTIFY_BACKENDS: dict[Backend, type[SpotifyResource]] = {"emulator": EmulatorSpotifyResource, "spotify": SpotifyApiResource}


def spotify_from_env(env: Mapping[str, str] = os.environ) -> SpotifyResource:
    """``SPOTIFY_BACKEND`` picks the resource; the variables it declares configure it."""
    backend = _text(env, "SPOTIFY_BACKEND", "emulator")
    if backend not in SPOTIFY_BACKENDS:
        choices = " or ".join(repr(name) for name in get_args(Backend))
        raise SettingsError(f"SPOTIFY_BACKEND must be {choices}, got {backend!r}")
    return from_env(SPOTIFY_BACKENDS[backend], env)


def data_dir(env: Mapping[str, str] = os.environ) -> Path:
    return Path(_text(env, "SPOTIFY_ASSETS_DATA_DIR", "data"))


def _s3(env: Mapping[str, str]) -> S3Connection:
    return S3Connection(endpoint_url=_text(env, "AWS_ENDPOINT_URL"), region_name=_text(env, "AWS_REGION", "us-east-1"))


def raw_storage_from_env(env: Mapping[str, str] = os.environ) -> RawStorageResource:
    return RawStorageResource(
        local_root=str(data_dir(env) / "raw"),
        s3_bucket=_bucket(env, "SPOTIFY_RAW_S3_BUCKET"),
        s3_prefix=_key_prefix(env, "SPOTIFY_RAW_S3_PREFIX", "raw"),
        s3=_s3(env),
    )


# S3 bucket naming rules (general purpose buckets): 3-63 characters, lowercase letters, digits,
# dots and hyphens, starting and ending with a letter or digit, no "..", not an IP address.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
# Key prefix: "/"-separated segments of S3's safe characters; no empty, "." or ".." segment.
_PREFIX_SEGMENT = re.compile(r"^[A-Za-z0-9!_.*'()=-]+$")


def _bucket(env: Mapping[str, str], name: str) -> str | None:
    bucket = _text(env, name)
    if bucket is not None and (not _BUCKET.match(bucket) or ".." in bucket or _IP_ADDRESS.match(bucket)):
        raise SettingsError(
            f"{name} must be an S3 bucket name (3-63 lowercase letters, digits, dots or hyphens, "
            f"no 's3://' or '/'), got {bucket!r}"
        )
    return bucket


def _key_prefix(env: Mapping[str, str], name: str, default: str) -> str:
    raw = _text(env, name)
    if raw is None:
        return default
    segments = raw.strip("/").split("/")
    if not all(_PREFIX_SEGMENT.match(s) and s not in {".", ".."} for s in segments):
        raise SettingsError(f"{name} must be a key prefix like 'lake' or 'exports/spotify', got {raw!r}")
    return "/".join(segments)


def lake_from_env(env: Mapping[str, str] = os.environ) -> LakeResource:
    """The Parquet lake: ``SPOTIFY_LAKE_S3_BUCKET`` switches it to S3, else ``SPOTIFY_LAKE_DIR``
    (default ``<data dir>/lake``). Checked here without writing anything."""
    bucket = _bucket(env, "SPOTIFY_LAKE_S3_BUCKET")
    prefix = _key_prefix(env, "SPOTIFY_LAKE_S3_PREFIX", "lake")
    if bucket is None and _text(env, "SPOTIFY_LAKE_S3_PREFIX") is not None:
        raise SettingsError(
            "SPOTIFY_LAKE_S3_PREFIX is set but SPOTIFY_LAKE_S3_BUCKET is not: "
            "set the bucket to export to S3, or unset the prefix to export to the local folder"
        )
    local_root = Path(_text(env, "SPOTIFY_LAKE_DIR") or data_dir(env) / "lake")
    if local_root.exists() and not local_root.is_dir():
        names = "SPOTIFY_LAKE_DIR" if _text(env, "SPOTIFY_LAKE_DIR") else "SPOTIFY_LAKE_DIR (default <SPOTIFY_ASSETS_DATA_DIR>/lake)"
        raise SettingsError(f"{names} must be a folder, got {str(local_root)!r}, an existing file")
    return LakeResource(local_root=str(local_root), s3_bucket=bucket, s3_prefix=prefix, s3=_s3(env))


def warehouse_from_env(env: Mapping[str, str] = os.environ) -> WarehouseResource:
    return WarehouseResource(database=_text(env, "SPOTIFY_DUCKDB_PATH") or str(data_dir(env) / "spotify.duckdb"))


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
