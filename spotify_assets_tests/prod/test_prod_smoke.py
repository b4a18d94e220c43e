"""``make prod-smoke`` inside the suite (so CI's pytest summary counts it): the production
topology (Postgres, code server, daemon, webserver) proves its five points; see smoke.py."""

from __future__ import annotations

import subprocess
import sys

import pytest

from spotify_assets.harness.postgres import server_bin_dir
from spotify_assets.harness.processes import REPO

pytestmark = [pytest.mark.prod, pytest.mark.timeout(900)]

PROOFS = (
    "proof 1/5 schedule tick evaluated by the daemon",
    "proof 2/5 3-day backfill through the daemon",
    "proof 3/5 Postgres holds it",
    "proof 4/5 daemon SIGKILLed during run",
    "proof 5/5 failure alert delivered",
)


def test_prod_smoke_proves_the_production_topology() -> None:
    bin_dir, why = server_bin_dir()
    if bin_dir is None:
        pytest.skip(why)
    result = subprocess.run(
        [sys.executable, "-m", "spotify_assets_tests.prod.smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=840,
        stdin=subprocess.DEVNULL,
    )
    output = result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    # The proof lines and the failure first, then the tail of the services' logs.
    summary = "\n".join(line for line in lines if line.startswith(("boot:", "proof ", "prod-smoke:")))
    assert result.returncode == 0 and lines and lines[-1].startswith("prod-smoke: OK"), f"{summary}\n{output[-5000:]}"
    for proof in PROOFS:
        assert any(line.startswith(proof) for line in lines), f"{proof!r} missing:\n{result.stdout}"
    print(result.stdout)  # shown with -s / -rA: the timings
