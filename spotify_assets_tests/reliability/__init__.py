"""Reliability: nothing lost under faults, clear errors on bad input, secrets kept."""
