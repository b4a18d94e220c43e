"""A throwaway PostgreSQL cluster: Debian's server binaries, a temp folder, 127.0.0.1 on a free
port, its unix socket inside the temp folder, trust auth (nothing else can reach it), fsync off.

``initdb`` and ``postgres`` refuse to run as root, so as root they run as the ``postgres`` user
(created by the Debian package) over a folder that user owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import psycopg2.extensions

from spotify_assets.harness.processes import HarnessError

INSTALL_HINT = "apt-get install postgresql (make postgres does it where it may)"


def server_bin_dir() -> tuple[Path | None, str]:
    """(folder holding initdb and postgres, where from) or (None, why not)."""
    explicit = os.environ.get("PG_BIN_DIR", "").strip()
    candidates = [explicit] if explicit else sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "postgres").is_file():
            return Path(folder), folder
    if explicit:
        return None, f"PG_BIN_DIR={explicit!r} holds no initdb/postgres"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return None, f"no PostgreSQL server found and no 'postgres' user ({INSTALL_HINT})"
    return None, f"no PostgreSQL server binaries under /usr/lib/postgresql/*/bin ({INSTALL_HINT})"


@dataclass
class PostgresCluster:
    bin_dir: Path
    root: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    user: str = "dagster"
    db_name: str = "dagster"

    @property
    def _as_owner(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def start(self, timeout_s: float = 60) -> None:
        data, sockets = self.root / "pgdata", self.root / "pgsock"
        self.root.mkdir(parents=True, exist_ok=True)
        sockets.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            self.root.chmod(0o755)  # the postgres user must reach its folders
            pg = pwd.getpwnam("postgres")
            for folder in (self.root, sockets):
                os.chown(folder, pg.pw_uid, pg.pw_gid)
        initdb = [
            *self._as_owner,
            str(self.bin_dir / "initdb"),
            *("-D", str(data), "-U", self.user, "--auth=trust", "-E", "UTF8", "--no-sync"),
        ]
        with (self.root / "initdb.log").open("wb") as log:
            done = subprocess.run(initdb, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=120)
        if done.returncode != 0:
            text = (self.root / "initdb.log").read_text(errors="replace")
            raise HarnessError(f"initdb exited with {done.returncode}:\n{text[-2000:]}")
        command = [
            *self._as_owner,
            str(self.bin_dir / "postgres"),
            *("-D", str(data), "-h", "127.0.0.1", "-p", str(self.port), "-k", str(sockets)),
            *("-F", "-c", "max_connections=200"),
        ]
        with (self.root / "postgres.log").open("wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                conn = self.connect("postgres")
            except psycopg2.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise HarnessError(f"postgres did not start:\n{self.log_tail()}") from None
                time.sleep(0.2)
                continue
            try:
                conn.autocommit = True  # CREATE DATABASE cannot run inside a transaction
                conn.cursor().execute(f'CREATE DATABASE "{self.db_name}"')
            finally:
                conn.close()
            return

    def connect(self, db_name: str | None = None) -> psycopg2.extensions.connection:
        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname=db_name or self.db_name, connect_timeout=5
        )

    def env(self) -> dict[str, str]:
        """The variables deploy/dagster.yaml reads. Trust auth ignores the password."""
        return {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USERNAME": self.user,
            "DAGSTER_PG_PASSWORD": "prod-smoke-unused-password",
            "DAGSTER_PG_DB": self.db_name,
        }

    def log_tail(self, lines: int = 20) -> str:
        path = self.root / "postgres.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Fast shutdown (SIGINT), then SIGKILL to the group; the folder goes with it."""
        if self.process is not None:
            for sig, wait_s in ((signal.SIGINT, 15.0), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(timeout=wait_s)
                except subprocess.TimeoutExpired:
                    continue
                # The postmaster exited; its children (the group) follow it.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                break
        shutil.rmtree(self.root, ignore_errors=True)
