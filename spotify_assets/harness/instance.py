"""Scratch Dagster instances: a DAGSTER_HOME built from the repo's instance settings, a data folder,
and the environment a server or CLI runs in over them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from spotify_assets.harness.processes import REPO

DEV_INSTANCE = REPO / "dagster_home" / "dagster.yaml"
DEPLOY_INSTANCE = REPO / "deploy" / "dagster.yaml"


def _read_yaml(path: Path) -> dict[str, Any]:
    settings = yaml.safe_load(path.read_text()) or {}
    if not isinstance(settings, dict):
        raise ValueError(f"{path} does not hold a mapping of settings")
    return settings


def dev_instance_yaml(home: Path) -> None:
    """``home/dagster.yaml``: the repo's instance settings (dagster_home/dagster.yaml, what
    ``make run`` and ``make dev`` use), telemetry forced off."""
    settings = _read_yaml(DEV_INSTANCE)
    settings["telemetry"] = {"enabled": False}
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings))


def deploy_instance_yaml(home: Path, overrides: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``home/dagster.yaml``: deploy/dagster.yaml (Postgres storage from DAGSTER_PG_* variables) with
    ``overrides`` merged into its top-level sections (timing knobs only)."""
    settings = _read_yaml(DEPLOY_INSTANCE)
    for section, values in overrides.items():
        settings.setdefault(section, {}).update(values)
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings))
    return settings


def scratch_instance(root: Path) -> tuple[Path, Path]:
    """(``root/dagster_home`` with the dev instance settings, ``root/data``), both created."""
    home, data_dir = root / "dagster_home", root / "data"
    home.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    dev_instance_yaml(home)
    return home, data_dir


def scratch_env(home: Path, data_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment with none of the caller's Dagster or platform settings (S3
    buckets, DuckDB paths, a real Spotify backend): the server runs on the embedded emulator over
    ``data_dir``, its instance in ``home``; ``extra`` adds settings (e.g. SPOTIFY_EMULATOR_FAILING_DAYS)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "SPOTIFY_"))}
    env.update(DAGSTER_HOME=str(home), SPOTIFY_ASSETS_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    env.update(extra or {})
    return env
