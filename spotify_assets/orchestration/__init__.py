"""What the definitions share: the daily partitions, metadata helpers, the Dagster warnings we accept."""
