"""The error every bad setting raises, and the one parser of date settings.

Kept free of heavy imports: ``partitions.py`` needs it while the code location is being imported,
and the CLI catches ``SettingsError`` to print one line naming the variable instead of a traceback
(Dagster shows the same message as the code location's load error in the UI).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date


class SettingsError(ValueError):
    """An environment variable holds a value the platform cannot use."""


def env_date(env: Mapping[str, str], name: str, default: str) -> str:
    """``name``'s value as an ISO date string (``default`` when unset or blank), checked here."""
    raw = env.get(name, "").strip() or default
    try:
        date.fromisoformat(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a date written YYYY-MM-DD (e.g. 2026-01-01), got {raw!r}") from None
    if len(raw) != len("YYYY-MM-DD"):
        # date.fromisoformat also takes "20260101" and "2026-W01-1"; the partitions need the dashed form.
        raise SettingsError(f"{name} must be a date written YYYY-MM-DD (e.g. 2026-01-01), got {raw!r}")
    return raw
