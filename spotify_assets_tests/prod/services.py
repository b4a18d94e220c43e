"""The production topology as separate processes on 127.0.0.1: a gRPC code server,
``dagster-daemon run`` and ``dagster-webserver``, each in its own process group, all reading the
production ``deploy/dagster.yaml`` (DAGSTER_HOME) and ``deploy/workspace.yaml`` (code server
address rewritten to the free port)."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import yaml

from spotify_assets_tests.dagster_dev import REPO, DagsterServer, free_port, sigint_not_ignored, stop

DEPLOY = REPO / "deploy"
BIN = Path(sys.executable).parent


def instance_yaml(home: Path, overrides: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """deploy/dagster.yaml with ``overrides`` merged into its top-level sections (timing knobs only)."""
    settings = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
    for section, values in overrides.items():
        settings.setdefault(section, {}).update(values)
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings))
    return settings


def workspace_yaml(path: Path, host: str, port: int) -> None:
    """deploy/workspace.yaml with the code server's address replaced (compose: code-server:4000)."""
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())
    [entry] = workspace["load_from"]
    entry["grpc_server"].update(host=host, port=port)
    path.write_text(yaml.safe_dump(workspace))


@dataclass
class Topology:
    root: Path
    env: dict[str, str]
    code_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    starts: dict[str, int] = field(default_factory=dict)

    @property
    def workspace(self) -> Path:
        return self.root / "workspace.yaml"

    def commands(self) -> dict[str, list[str]]:
        # The same commands as deploy/docker-compose.yaml's services, bound to 127.0.0.1.
        return {
            # `dagster api grpc` loads the definitions before it serves, so "healthy" means "loaded"
            # (`dagster code-server start` answers health checks while still loading the code).
            "code-server": [
                str(BIN / "dagster"),
                "api",
                "grpc",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.code_port),
                "-m",
                "spotify_assets.definitions",
                "--location-name",
                "spotify_assets",
            ],
            "daemon": [str(BIN / "dagster-daemon"), "run", "-w", str(self.workspace)],
            "webserver": [
                str(BIN / "dagster-webserver"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.web_port),
                "-w",
                str(self.workspace),
            ],
        }

    def start(self, name: str) -> subprocess.Popen[bytes]:
        self.starts[name] = self.starts.get(name, 0) + 1
        log_path = self.root / f"{name}.{self.starts[name]}.log"
        with log_path.open("wb") as log, sigint_not_ignored():
            process = subprocess.Popen(
                self.commands()[name],
                cwd=self.root,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # one process group per service
            )
        self.processes[name] = process
        return process

    def wait_code_server_healthy(self, timeout_s: float) -> None:
        """What compose's healthcheck runs: ``dagster api grpc-health-check``, until it passes."""
        command = [str(BIN / "dagster"), "api", "grpc-health-check", "-h", "127.0.0.1", "-p", str(self.code_port)]
        deadline = time.monotonic() + timeout_s
        while subprocess.run(command, env=self.env, capture_output=True, timeout=60).returncode != 0:
            code_server = self.processes["code-server"]
            if code_server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the code server is not healthy (exit {code_server.poll()}):\n{self.log_tails()}")
            time.sleep(1)

    def start_all(self, timeout_s: float) -> DagsterServer:
        """Code server first and healthy (compose: depends_on service_healthy), then the others."""
        workspace_yaml(self.workspace, "127.0.0.1", self.code_port)
        self.start("code-server")
        self.wait_code_server_healthy(timeout_s)
        for name in ("daemon", "webserver"):
            self.start(name)
        return DagsterServer(
            url=f"http://127.0.0.1:{self.web_port}",
            process=self.processes["webserver"],
            log_path=self.root / "webserver.1.log",
            data_dir=Path(self.env["SPOTIFY_ASSETS_DATA_DIR"]),
        )

    def stop(self, name: str) -> None:
        """SIGTERM, then SIGKILL, to the service's process group; then SIGKILL to any descendant
        that had moved to a group of its own (a run worker may), so nothing outlives the smoke."""
        process = self.processes.pop(name, None)
        if process is None:
            return
        try:
            descendants = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            descendants = []
        stop(process, grace_s=10)
        for child in descendants:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(descendants, timeout=5)

    def stop_all(self) -> None:
        # Webserver and daemon first (they call the code server), the code server (and the run
        # workers it spawned, in its group) last.
        for name in ("webserver", "daemon", "code-server"):
            self.stop(name)

    def log_tails(self, lines: int = 25) -> str:
        parts = []
        for path in sorted(self.root.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"-- {path.name} (tail) --\n" + "\n".join(text))
        return "\n".join(parts)
