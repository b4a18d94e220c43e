"""The warehouse's read-only snapshot: what people open instead of the live DuckDB file.

The pipeline holds the live file (``SPOTIFY_DUCKDB_PATH``) while it writes, and a program that has
it open keeps the pipeline out (DuckDB allows one writing process per file). So after each
successful day the tables people read are copied into a new file beside the snapshot and swapped
in by one atomic rename (``publish.py``): a reader that has the snapshot open keeps the copy it
opened (its open file is never written again), however long it holds it; the next connection
gets the newest. ``building.py`` keeps a snapshot from showing a day another run is still
building; ``query.py`` is ``spotify-assets sql``.
"""
