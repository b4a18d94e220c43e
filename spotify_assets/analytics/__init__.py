"""Analytics over the DuckDB tables: plain SQL (``queries``) and matplotlib charts (``charts``),
usable without Dagster; ``spotify_assets.defs.analytics.assets`` wraps them as assets."""
