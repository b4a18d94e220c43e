"""Resources built from environment variables, validated up front with errors naming the variable.

Secrets stay ``EnvVar`` references, so Dagster resolves them at run time and never shows their
values in the UI or in run config. Everything else is parsed here so a bad value fails before
any work starts (e.g. ``SPOTIFY_MAX_WORKERS=lots`` names the variable and the accepted range).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_aws.s3 import S3Resource

from spotify_assets.resources.spotify import SpotifyResource
from spotify_assets.resources.storage import RawStorageResource
from spotify_assets.resources.warehouse import WarehouseResource


class SettingsError(ValueError):
    """An environment variable holds a value the platform cannot use."""


def _text(env: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    value = env.get(name, "").strip()
    return value or default


def _number(env: Mapping[str, str], name: str, default: float, kind: type, minimum: float) -> Any:
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {kind.__name__} >= {minimum}, got {raw!r}") from None
    # float() accepts "nan" and "inf": NaN passes every ``<`` check and infinity turns a wait
    # budget into no budget, so both are refused by name rather than misbehaving later.
    if not math.isfinite(value) or value < minimum:
        raise SettingsError(f"{name} must be {kind.__name__} >= {minimum}, got {raw!r}")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = (_text(env, name) or "false").lower()
    if raw not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
        raise SettingsError(f"{name} must be true or false, got {raw!r}")
    return raw in {"1", "true", "yes", "on"}


def _secret(env: Mapping[str, str], name: str) -> dg.EnvVar | None:
    return dg.EnvVar(name) if _text(env, name) else None


def spotify_from_env(env: Mapping[str, str] = os.environ) -> SpotifyResource:
    backend = _text(env, "SPOTIFY_BACKEND", "emulator")
    if backend not in {"emulator", "spotify"}:
        raise SettingsError(f"SPOTIFY_BACKEND must be 'emulator' or 'spotify', got {backend!r}")
    return SpotifyResource(
        backend=backend,
        client_id=_secret(env, "SPOTIFY_CLIENT_ID"),
        client_secret=_secret(env, "SPOTIFY_CLIENT_SECRET"),
        api_base_url=_text(env, "SPOTIFY_API_BASE_URL"),
        token_url=_text(env, "SPOTIFY_TOKEN_URL"),
        market=_text(env, "SPOTIFY_MARKET", "US"),
        max_workers=_number(env, "SPOTIFY_MAX_WORKERS", 8, int, 1),
        max_attempts=_number(env, "SPOTIFY_MAX_ATTEMPTS", 5, int, 1),
        max_retry_after_s=_number(env, "SPOTIFY_MAX_RETRY_AFTER_S", 60.0, float, 0),
        max_total_wait_s=_number(env, "SPOTIFY_MAX_TOTAL_WAIT_S", 300.0, float, 0),
        token_refresh_margin_s=_number(env, "SPOTIFY_TOKEN_REFRESH_MARGIN_S", 60.0, float, 0),
        emulator_seed=_number(env, "SPOTIFY_EMULATOR_SEED", 42, int, 0),
        emulator_albums_per_day=_number(env, "SPOTIFY_EMULATOR_ALBUMS_PER_DAY", 100, int, 1),
        emulator_dev_mode=_flag(env, "SPOTIFY_EMULATOR_DEV_MODE"),
        emulator_latency_ms=_number(env, "SPOTIFY_EMULATOR_LATENCY_MS", 0.0, float, 0),
    )


def data_dir(env: Mapping[str, str] = os.environ) -> Path:
    return Path(_text(env, "SPOTIFY_ASSETS_DATA_DIR", "data"))


def raw_storage_from_env(env: Mapping[str, str] = os.environ) -> RawStorageResource:
    return RawStorageResource(
        local_root=str(data_dir(env) / "raw"),
        s3_bucket=_text(env, "SPOTIFY_RAW_S3_BUCKET"),
        s3_prefix=_text(env, "SPOTIFY_RAW_S3_PREFIX", "raw"),
        s3=S3Resource(endpoint_url=_text(env, "AWS_ENDPOINT_URL"), region_name=_text(env, "AWS_REGION", "us-east-1")),
    )


def warehouse_from_env(env: Mapping[str, str] = os.environ) -> WarehouseResource:
    return WarehouseResource(database=_text(env, "SPOTIFY_DUCKDB_PATH") or str(data_dir(env) / "spotify.duckdb"))


def resources_from_env(env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    return {
        "spotify": spotify_from_env(env),
        "raw_storage": raw_storage_from_env(env),
        "warehouse": warehouse_from_env(env),
    }
