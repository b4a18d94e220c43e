"""Landing a day's API responses in the raw store, unchanged: plain Python, no Dagster (``day`` reads top down)."""
