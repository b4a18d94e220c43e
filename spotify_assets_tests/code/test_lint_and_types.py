"""ruff (lint + format) over the whole project and mypy --strict over the package hold.

The configuration is the project's (pyproject.toml: [tool.ruff], [tool.mypy]); the versions are
pinned in requirements.lock, so every machine reports the same findings.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINTED = ("spotify_assets", "spotify_assets_tests", "bench")
TOOLS = {
    "ruff check": ["ruff", "check", "--no-cache", *LINTED],
    "ruff format": ["ruff", "format", "--check", "--no-cache", *LINTED],
    "mypy --strict": ["mypy", "spotify_assets"],
}


@pytest.mark.parametrize("tool", list(TOOLS))
def test_the_project_passes(tool: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *TOOLS[tool]], cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{tool} failed:\n{result.stdout}{result.stderr}"
