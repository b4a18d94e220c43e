"""Who owns the assets, and the tags the UI's asset catalog filters by: one vocabulary for every asset.

The group already says the layer (raw, warehouse, analytics, lake, trends) and the kinds say the
technology (json, duckdb, parquet, html); the tags add what neither does:

- ``source``: what the asset reads: the Spotify Web API, the landed raw JSON, or the warehouse;
- ``storage``: the resource it writes through (``raw_storage``, ``warehouse`` or ``lake``), so
  whoever points one at S3 or moves the DuckDB file sees which assets follow it;
- ``scope``: ``day`` if a run rewrites its own day's rows only, ``history`` if it rewrites rows of
  other days too (the trends, the dashboard): what a rerun or a backfill of an old day changes.

Checks take neither owners nor tags in Dagster (``AssetCheckSpec`` has no such fields): the UI
shows them under their asset, whose owner owns them.
"""

from __future__ import annotations

from typing import Literal

# The one team that runs this code location; Dagster accepts an email or "team:<name>".
OWNERS: tuple[str, ...] = ("team:spotify-assets",)

Source = Literal["spotify_api", "raw_json", "warehouse"]
Storage = Literal["raw_storage", "warehouse", "lake"]
Scope = Literal["day", "history"]


def asset_tags(*, source: Source, storage: Storage, scope: Scope) -> dict[str, str]:
    """The tags of one asset, every key of the vocabulary given (keyword-only: no silent swaps)."""
    return {"source": source, "storage": storage, "scope": scope}
