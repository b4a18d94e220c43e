"""The failure alert's text, built from plain values and scrubbed of secrets (no Dagster needed).

An error message can carry anything a library put into it: a token in a URL, an ``Authorization``
header echoed back, a database URL with its password. The alert leaves the platform (Slack,
a pager), so every known secret value and every secret-shaped string is replaced before it is
built into the text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

REDACTED = "[redacted]"

# Environment variables whose values are secrets wherever they turn up.
SECRET_VARIABLES = (
    "SPOTIFY_CLIENT_SECRET",
    "SPOTIFY_ALERT_WEBHOOK_URL",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "DAGSTER_PG_PASSWORD",
)
# Shorter values are not searched for: replacing "a" or "1" everywhere would garble the message
# without protecting anything (and a real secret is never that short).
MIN_SECRET_LENGTH = 6

# (pattern, replacement): what is kept around the secret is in the group "keep" / "tail".
_SECRET_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization header values: "Bearer <token>", "Basic <base64>".
    (re.compile(r"(?i)\b(?P<keep>bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\g<keep> {REDACTED}"),
    # key=value / "key": "value" pairs whose key names a secret.
    (
        re.compile(
            r"(?i)(?P<keep>[\"']?\b(?:access_token|refresh_token|client_secret|password|passwd|secret|token|api_key)"
            r"[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;}]+"
        ),
        rf"\g<keep>{REDACTED}",
    ),
    # user:password@ in URLs (database URLs, proxies).
    (re.compile(r"(?i)(?P<keep>\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+(?P<tail>@)"), rf"\g<keep>{REDACTED}\g<tail>"),
    # Spotify access tokens ("BQ" + a long url-safe string), wherever they appear.
    (re.compile(r"\bBQ[A-Za-z0-9_-]{40,}"), REDACTED),
)
MAX_ERROR_CHARS = 600


def secrets_from_env(env: Mapping[str, str] = os.environ) -> list[str]:
    """The values of the secret variables that are set (long enough to be worth searching for)."""
    values = (env.get(name, "").strip() for name in SECRET_VARIABLES)
    return [value for value in values if len(value) >= MIN_SECRET_LENGTH]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with each known secret value and each secret-shaped string replaced."""
    # Longest first, so a secret containing another is replaced whole.
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for shape, replacement in _SECRET_SHAPES:
        text = shape.sub(replacement, text)
    return text


@dataclass(frozen=True)
class FailedStep:
    step: str
    error: str  # "ErrorClass: message" of the root cause


@dataclass(frozen=True)
class RunFailure:
    job: str
    run_id: str
    partition: str | None
    failed_steps: Sequence[FailedStep]
    run_error: str | None = None  # the run-level failure message (e.g. the run worker died)
    run_url: str | None = None


def alert_text(failure: RunFailure, secrets: Iterable[str] = ()) -> str:
    """Slack mrkdwn: job, partition, each failed step with its error, and where to look."""
    lines = [f":red_circle: *{failure.job}* failed for partition *{failure.partition or '(none)'}*"]
    if failure.failed_steps:
        lines.extend(f"• failed step `{failed.step}`: {_clip(failed.error)}" for failed in failure.failed_steps)
    else:
        lines.append(f"• no step failed; the run did: {_clip(failure.run_error or 'no error recorded')}")
    lines.append(f"run {failure.run_id}" + (f": {failure.run_url}" if failure.run_url else ""))
    return redact("\n".join(lines), secrets)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"
