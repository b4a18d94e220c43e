"""Running it every day: ``daily_snapshot_job``, its schedule and its failure alert."""
