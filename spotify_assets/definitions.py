"""The code location: every definition under ``defs/`` (found by ``dg.load_from_defs_folder``),
plus what applies to all of them: links from each asset to its code, the resources the environment
configures and the executor."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from spotify_assets.orchestration.code_references import with_code_references
from spotify_assets.settings import resources_from_env
from spotify_assets.spotify_api.allocator import configure_process

# This module is the code location's entry point, loaded by every Dagster process that runs our
# assets: the one place for process-wide settings (glibc's mmap threshold, see allocator.py).
configure_process()


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions.merge(
        with_code_references(dg.load_from_defs_folder(path_within_project=Path(__file__).parent)),
        dg.Definitions(
            resources=resources_from_env(),
            # One process per run, not per step: the multiprocess default started ~10 processes
            # per day, each importing the code location (57 s per UI-launched day on 2 cores, vs
            # ~5 s in-process). Runs still go in parallel (one process each, queued by the
            # instance's run coordinator), and the steps of a day are a chain over one DuckDB
            # file that they could not share anyway. Applies to daily_snapshot_job and to the
            # asset job behind the UI's Materialize and backfill buttons.
            executor=dg.in_process_executor,
        ),
    )
