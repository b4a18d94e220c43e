"""Fixtures for the browser end-to-end test: a real ``dg dev`` on 127.0.0.1 over a temporary
instance and data folder, its GraphQL API, and a headless Chromium driven by Playwright.

Which Chromium: if ``CHROMIUM_PATH`` is set, that executable and nothing else (set it to a missing
path to force the skip); otherwise the first of ``chromium``, ``/usr/bin/chromium``,
``chromium-browser``, ``google-chrome``, ``google-chrome-stable`` found. No browser, or no
``playwright`` package: the tests skip and say why. ``make test`` installs Debian's ``chromium``
first where it can (``make browser``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from spotify_assets.harness.dagster_dev import dg_dev
from spotify_assets.harness.graphql import DagsterServer
from spotify_assets.harness.processes import REPO, HarnessError

CHROMIUM_CANDIDATES = ("chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Headless on a closed network: without the background-networking flags Chromium keeps opening
# outbound connections (updates, sync, field trials) that the sandboxed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium(env: Mapping[str, str] = os.environ) -> tuple[str | None, str]:
    """(executable, where it came from) or (None, why not)."""
    explicit = env.get("CHROMIUM_PATH", "").strip()
    if explicit:
        found = shutil.which(explicit)
        if found:
            return found, f"CHROMIUM_PATH={explicit}"
        return None, f"CHROMIUM_PATH={explicit!r} is not an executable (unset it to search the usual places)"
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found, candidate
    return (
        None,
        f"no Chromium found (set CHROMIUM_PATH, or install one of: {', '.join(CHROMIUM_CANDIDATES)}; `make browser` does it on Debian)",
    )


@pytest.fixture(scope="session")
def chromium_path() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        pytest.skip(f"playwright is not importable ({error}); it comes with pip install -e '.[dev]'")
    path, why = find_chromium()
    if path is None:
        pytest.skip(why)
    return path


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``SPOTIFY_E2E_SCREENSHOTS=docs`` rewrites the screenshots kept in docs/; any other value is a
    folder to write them to; unset, they go to a temporary folder."""
    target = os.environ.get("SPOTIFY_E2E_SCREENSHOTS", "").strip()
    if not target:
        return tmp_path_factory.mktemp("screenshots")
    folder = REPO / "docs" if target == "docs" else Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def dagster_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterServer]:
    """``dg dev`` (webserver, daemon, code server; as ``make dev``) from the repo root on a free port."""
    try:
        with dg_dev(tmp_path_factory.mktemp("dagster-e2e")) as server:
            yield server
    except HarnessError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def browser(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium with a fresh profile (a persistent context over an empty user-data-dir)."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium_path,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1600, "height": 1600},
        )
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()
