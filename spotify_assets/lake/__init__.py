"""The Parquet lake: per-date Parquet files of the five tables (``export``) and their Athena DDL (``athena``)."""
