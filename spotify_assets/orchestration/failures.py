"""Why a step failed, in the one line people see: the CLI's summary and the failure alert.

Dagster wraps what a step raised in ``DagsterExecutionStepExecutionError`` (whose own message says
only which op it was) and keeps the library errors below ours as causes; the line is the error the
step raised. Errors whose message is already a sentence for people (``SAID_PLAINLY``: a held
warehouse) are shown as that sentence alone, everything else as ``Class: message``.
"""

from __future__ import annotations

from dagster_shared.error import SerializableErrorInfo

from spotify_assets.resources.warehouse_lock import WarehouseLockedError

SAID_PLAINLY = frozenset({WarehouseLockedError.__name__})


def root_cause(error: SerializableErrorInfo | None) -> str:
    """The error the step raised, on one line: its sentence, or ``Class: message``."""
    if error is None:
        return "no error recorded"
    while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
        error = error.cause
    # Dagster's message starts with the exception's qualified class name; keep the short one.
    qualified, separator, message = error.message.strip().partition(": ")
    if not separator or qualified.rsplit(".", 1)[-1] != error.cls_name:
        message = error.message.strip()
    message = " ".join(message.split())
    return message if error.cls_name in SAID_PLAINLY else f"{error.cls_name}: {message}"
