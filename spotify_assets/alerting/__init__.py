"""The failure alert's text (pure and redacted); the sensor that posts it is in ``defs/daily_snapshot``."""
