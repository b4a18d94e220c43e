"""Resources configured from environment variables, with the resource as the one source of truth.

Each configurable field says which variable sets it (``env_field(..., env="SPOTIFY_MAX_WORKERS")``);
its default and its constraints (``ge=1``, ``Literal``, a validator) live on the field, nowhere
else. ``from_env`` passes the variables that are set to the resource's constructor, so pydantic
validates them there, and turns a refusal into a ``SettingsError`` that names the variable, the
accepted form and the value given — before any work starts, and as the code location's load error
in the UI. Secrets are passed as ``dg.EnvVar`` references: Dagster resolves them at run time and
never shows their values (nor are they echoed in an error).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal, TypeVar, get_args, get_origin

import annotated_types
import dagster as dg
import pydantic
from pydantic.fields import FieldInfo

R = TypeVar("R", bound=dg.ConfigurableResource[Any])


class SettingsError(ValueError):
    """An environment variable holds a value the platform cannot use. The CLI prints it as one line
    naming the variable (no traceback); Dagster shows it as the code location's load error."""


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


def env_field(default: Any = ..., *, env: str, description: str, secret: bool = False, **constraints: Any) -> Any:
    """A resource field set by the variable ``env`` (``secret``: passed as a ``dg.EnvVar``)."""
    return pydantic.Field(
        default, description=f"{description} ({env})", json_schema_extra={"env": env, "secret": secret}, **constraints
    )


def variable_of(field: FieldInfo) -> str | None:
    extra = field.json_schema_extra
    return str(extra["env"]) if isinstance(extra, dict) and "env" in extra else None


def _is_secret(field: FieldInfo) -> bool:
    extra = field.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("secret"))


def environment_variables(resource: type[dg.ConfigurableResource[Any]]) -> dict[str, FieldInfo]:
    """Variable name -> field, for every field of ``resource`` that a variable sets."""
    return {name: field for field in resource.model_fields.values() if (name := variable_of(field))}


def accepted_form(field: FieldInfo) -> str:
    """What a field accepts, in words: 'an integer >= 1', "'emulator' or 'spotify'", ..."""
    annotation = field.annotation
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is not Literal and len(args) == 1:  # Optional[X] -> X
        annotation = args[0]
    if get_origin(annotation) is Literal:
        return " or ".join(repr(v) for v in get_args(annotation))
    bounds = []
    for meta in field.metadata:
        for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            if isinstance(meta, getattr(annotated_types, attr.capitalize())):
                bounds.append(f"{sign} {getattr(meta, attr)}")
    names: dict[object, str] = {int: "an integer", float: "a number", bool: "true or false", str: "text"}
    words = names.get(annotation, str(annotation))
    return " ".join([words, " and ".join(bounds)]).strip()


def from_env(
    resource: type[R], env: Mapping[str, str], /, *, derived: Mapping[str, str] | None = None, **given: Any
) -> R:
    """``resource`` built from the variables set in ``env`` (blank counts as unset) over ``given``.

    ``derived`` says, for a field whose ``given`` value comes from another setting, where its
    default comes from (e.g. ``"<SPOTIFY_ASSETS_DATA_DIR>/lake"``), so an error can say so.
    """
    values: dict[str, Any] = dict(given)
    raw: dict[str, str] = {}
    for name, field in resource.model_fields.items():
        variable = variable_of(field)
        text = env.get(variable, "").strip() if variable else ""
        if variable and text:
            raw[name] = text
            values[name] = dg.EnvVar(variable) if _is_secret(field) else text
    try:
        return resource(**values)
    except pydantic.ValidationError as error:
        raise SettingsError(describe(resource, error, raw, derived or {})) from None


def describe(
    resource: type[dg.ConfigurableResource[Any]],
    error: pydantic.ValidationError,
    raw: Mapping[str, str],
    derived: Mapping[str, str],
) -> str:
    """One line per refused value: the variable, what it accepts, what it got (secrets never shown)."""
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else ""
        field = resource.model_fields.get(name)
        variable = variable_of(field) if field else None
        if variable and name not in raw and name in derived:
            variable = f"{variable} (default {derived[name]})"
        if field is None or variable is None:
            lines.append(f"{resource.__name__}.{name or '?'}: {problem['msg']}")
        elif problem["type"] == "missing" or (field.is_required() and name not in raw and name not in derived):
            lines.append(f"{variable} must be set")
        elif _is_secret(field):
            lines.append(f"{variable} is not usable: {problem['msg']}")
        elif problem["type"] == "value_error":  # a validator's own words: "must be an S3 bucket name ..."
            reason = str(problem["msg"]).removeprefix("Value error, ")
            lines.append(f"{variable} {reason}, got {raw.get(name, problem.get('input'))!r}")
        else:
            lines.append(f"{variable} must be {accepted_form(field)}, got {raw.get(name, problem.get('input'))!r}")
    return "; ".join(lines)
