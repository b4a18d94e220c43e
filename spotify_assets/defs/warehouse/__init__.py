"""The warehouse group: the day's DuckDB tables, their quality, schema-change and freshness checks."""
