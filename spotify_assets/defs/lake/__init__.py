"""The lake group: the day's tables exported as Parquet (local folder or S3)."""
