"""ruff (lint + format) and strict mypy hold on the modules already brought up to them.

The configuration is the project's (pyproject.toml: [tool.ruff], [tool.mypy]). ``CHECKED`` grows
until it is the whole package; mypy follows imports silently, so a module not yet listed does not
fail this test, while a listed one is checked against the real types of everything it uses.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHECKED = (
    "spotify_assets/transform",
    "spotify_assets/resources/object_store.py",
    "spotify_assets/resources/storage.py",
    "spotify_assets/resources/lake.py",
)
TOOLS = {
    "ruff check": ["ruff", "check", "--no-cache", *CHECKED],
    "ruff format": ["ruff", "format", "--check", "--no-cache", *CHECKED],
    "mypy --strict": ["mypy", "--strict", "--follow-imports=silent", *CHECKED],
}


@pytest.mark.parametrize("tool", list(TOOLS))
def test_checked_modules_pass(tool: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *TOOLS[tool]], cwd=REPO, capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, f"{tool} failed:\n{result.stdout}{result.stderr}"
