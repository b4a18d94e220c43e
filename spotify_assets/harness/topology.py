"""The production topology as separate processes on 127.0.0.1: a gRPC code server,
``dagster-daemon run`` and ``dagster-webserver``, each in its own process group, all reading the
production instance settings (deploy/dagster.yaml in DAGSTER_HOME) and deploy/workspace.yaml (the
code server's address rewritten to a free port)."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from spotify_assets.harness.graphql import DagsterServer
from spotify_assets.harness.processes import BIN, REPO, HarnessError, free_port, start_group, stop_group

DEPLOY = REPO / "deploy"
SERVICES = ("code-server", "daemon", "webserver")


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
                *("api", "grpc", "-h", "127.0.0.1", "-p", str(self.code_port)),
                *("-m", "spotify_assets.definitions", "--location-name", "spotify_assets"),
            ],
            "daemon": [str(BIN / "dagster-daemon"), "run", "-w", str(self.workspace)],
            "webserver": [
                str(BIN / "dagster-webserver"),
                *("-h", "127.0.0.1", "-p", str(self.web_port), "-w", str(self.workspace)),
            ],
        }

    def start(self, name: str) -> subprocess.Popen[bytes]:
        """One service in a process group of its own; its log is ``root/<name>.<nth start>.log``."""
        self.starts[name] = self.starts.get(name, 0) + 1
        log_path = self.root / f"{name}.{self.starts[name]}.log"
        process = start_group(self.commands()[name], self.root, self.env, log_path)
        self.processes[name] = process
        return process

    def wait_code_server_healthy(self, timeout_s: float) -> None:
        """What compose's healthcheck runs: ``dagster api grpc-health-check``, until it passes."""
        command = [str(BIN / "dagster"), "api", "grpc-health-check", "-h", "127.0.0.1", "-p", str(self.code_port)]
        deadline = time.monotonic() + timeout_s
        while subprocess.run(command, env=self.env, capture_output=True, timeout=60).returncode != 0:
            code_server = self.processes["code-server"]
            if code_server.poll() is not None or time.monotonic() > deadline:
                raise HarnessError(f"the code server is not healthy (exit {code_server.poll()}):\n{self.log_tails()}")
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
        """The service's process group, and any descendant that had left it (a run worker may),
        so nothing outlives the topology."""
        process = self.processes.pop(name, None)
        if process is not None:
            stop_group(process, grace_s=10)

    def stop_all(self) -> None:
        """Webserver and daemon first (they call the code server), the code server (and the run
        workers it spawned) last; every service is stopped even if one leaves strays, which are
        then named."""
        strays = []
        for name in reversed(SERVICES):
            try:
                self.stop(name)
            except HarnessError as error:
                strays.append(str(error))
        if strays:
            raise HarnessError("; ".join(strays))

    def log_tails(self, lines: int = 25) -> str:
        parts = []
        for path in sorted(self.root.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"-- {path.name} (tail) --\n" + "\n".join(text))
        return "\n".join(parts)
