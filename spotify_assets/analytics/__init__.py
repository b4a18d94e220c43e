"""Analytics over the DuckDB tables: plain SQL (``queries``) and matplotlib charts (``charts``),
usable without Dagster; ``spotify_assets.assets.analytics`` wraps them as assets."""
