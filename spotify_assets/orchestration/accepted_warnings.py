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
    # Links from each asset to its code (code_references.py): Dagster's only API for them is beta
    # in 1.13, and it warns once per class it builds on the way.
    ("Function `with_source_code_references` is currently in beta", dg.BetaWarning),
    ("Class `LocalFileCodeReference` is currently in beta", dg.BetaWarning),
    ("Class `CodeReferencesMetadataValue` is currently in beta", dg.BetaWarning),
    # ... and where the deployment names its git repository (SPOTIFY_ASSETS_GIT_URL/_REF).
    ("Function `link_code_references_to_git` is currently in beta", dg.BetaWarning),
    ("Class `AnchorBasedFilePathMapping` is currently in beta", dg.BetaWarning),
    ("Class `UrlCodeReference` is currently in beta", dg.BetaWarning),
)


def ignore_accepted_warnings() -> None:
    """Called by entry points whose output people read (the CLI), before loading the definitions."""
    for message, category in ACCEPTED:
        warnings.filterwarnings("ignore", message=message, category=category)
