"""The Dagster preview/beta APIs this project uses on purpose, and the one place that silences them.

Each is matched by its message, never by category alone, so any other warning (a deprecation in
our code, a new preview API) still shows. pyproject.toml's pytest ``filterwarnings`` lists the same
messages; ``spotify_assets_tests/platform/test_definitions.py`` checks that the two agree.
"""

from __future__ import annotations

import warnings

import dagster as dg

ACCEPTED: tuple[tuple[str, type[Warning]], ...] = (
    # Per-day check results need partitioned checks (preview in 1.13).
    ("Specifying a partitions_def on an AssetCheckSpec", dg.PreviewWarning),
)


def ignore_accepted_warnings() -> None:
    """Called by entry points whose output people read (the CLI), before loading the definitions."""
    for message, category in ACCEPTED:
        warnings.filterwarnings("ignore", message=message, category=category)
