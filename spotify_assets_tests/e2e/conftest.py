"""Fixtures for the browser end-to-end test: a real ``dagster dev`` on 127.0.0.1 over a temporary
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
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

REPO = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT_S = 120
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
    return None, f"no Chromium found (set CHROMIUM_PATH, or install one of: {', '.join(CHROMIUM_CANDIDATES)}; `make browser` does it on Debian)"


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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DagsterServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    data_dir: Path
    location: str = ""
    repository: str = ""

    def gql(self, query: str, variables: dict[str, Any] | None = None, timeout_s: float = 30) -> dict[str, Any]:
        reply = requests.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=timeout_s)
        reply.raise_for_status()
        body = reply.json()
        assert not body.get("errors"), f"GraphQL errors: {body['errors']}"
        return body["data"]

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


WORKSPACE_QUERY = """
{ workspaceOrError { __typename
    ... on Workspace { locationEntries { name loadStatus
        locationOrLoadError { __typename
            ... on RepositoryLocation { repositories { name jobs { name } } }
            ... on PythonError { message stack } } } }
    ... on PythonError { message } } }
"""


def instance_yaml(home: Path) -> None:
    """The repo's instance settings (dagster_home/dagster.yaml), telemetry forced off."""
    settings = yaml.safe_load((REPO / "dagster_home" / "dagster.yaml").read_text()) or {}
    settings["telemetry"] = {"enabled": False}
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings))


def server_env(home: Path, data_dir: Path) -> dict[str, str]:
    # Nothing of the caller's Dagster or platform settings leaks in (S3 buckets, DuckDB paths, a
    # real Spotify backend): the server runs on the embedded emulator over a temporary folder.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "SPOTIFY_"))}
    env.update(DAGSTER_HOME=str(home), SPOTIFY_ASSETS_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    return env


@contextmanager
def sigint_not_ignored() -> Iterator[None]:
    """A parent started in the background (``cmd &`` in a non-interactive shell) ignores SIGINT and
    its children inherit that; dagster dev then ignores SIGTERM too (it maps SIGTERM to SIGINT's
    handler). Handled while starting it, SIGINT reaches the child as default, so the graceful stop
    works."""
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(process: subprocess.Popen[bytes], grace_s: float = 20) -> None:
    """SIGTERM to dagster dev (it stops its webserver and daemon), SIGTERM to what is left of its
    process group (code servers, run workers), then SIGKILL to the group."""
    pgid = process.pid  # start_new_session: the leader's pid is the group id
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            pass
    for sig, wait_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait_s
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.1)
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def wait_until_ready(server: DagsterServer, job: str, timeout_s: float) -> None:
    """/server_info answers, then the code location has loaded and holds ``job``."""
    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"dagster dev exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            requests.get(f"{server.url}/server_info", timeout=5).raise_for_status()
            entries = server.gql(WORKSPACE_QUERY)["workspaceOrError"].get("locationEntries", [])
        except (requests.RequestException, ValueError) as error:
            last = repr(error)
            time.sleep(0.5)
            continue
        for entry in entries:
            located = entry["locationOrLoadError"] or {}
            if located.get("__typename") == "PythonError":
                pytest.fail(f"code location {entry['name']} failed to load: {located['message']}\n{located['stack']}")
            for repo in located.get("repositories", []):
                if job in {j["name"] for j in repo["jobs"]}:
                    server.location, server.repository = entry["name"], repo["name"]
                    return
        last = f"locations: {[(e['name'], e['loadStatus']) for e in entries]}"
        time.sleep(0.5)
    pytest.fail(f"dagster dev not ready after {timeout_s}s ({last}):\n{server.log_tail()}")


@pytest.fixture(scope="module")
def dagster_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterServer]:
    """``dagster dev -w workspace.yaml`` (webserver + daemon) from the repo root on a free port."""
    root = tmp_path_factory.mktemp("dagster-e2e")
    home, data_dir = root / "dagster_home", root / "data"
    home.mkdir()
    data_dir.mkdir()
    instance_yaml(home)
    port = free_port()
    log_path = root / "dagster-dev.log"
    command = [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]
    with log_path.open("wb") as log, sigint_not_ignored():
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=server_env(home, data_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, killed as a whole in the finalizer
        )
    server = DagsterServer(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path, data_dir=data_dir)
    try:
        wait_until_ready(server, "daily_snapshot_job", SERVER_START_TIMEOUT_S)
        # The local-only "Join the Dagster community" dialog would cover the page; mark it seen.
        server.gql("mutation { setNuxSeen }")
        yield server
    finally:
        stop(process)


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
