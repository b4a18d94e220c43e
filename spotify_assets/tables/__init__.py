"""The warehouse tables: their schema, the set-based SQL that builds a day of them from raw files, their quality rules."""
