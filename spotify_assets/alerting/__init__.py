"""Run-failure alerts: the message (pure, redacted) and the sensor that posts it."""
