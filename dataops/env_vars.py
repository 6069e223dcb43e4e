"""`${VAR}` in flowchart params: the one place environment variables are expanded and masked.

A flowchart author may name only the variables the operator allows: `DATAOPS_SECRET_*` always,
and the names listed in `DATAOPS_ALLOWED_ENV`. Every other `DATAOPS_*` variable is the
instance's own configuration (the instance database URL, the Celery broker) and is never
expanded. Values of allowed variables are masked in any text shown to a person.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

from dataops.errors import DataOpsError, Where
from dataops.settings import Settings, get_settings

SECRET_PREFIX = "DATAOPS_SECRET_"
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
MASK = "***"
# Shorter values (a port, a flag) are not secrets, and masking them would garble every message.
MIN_MASKED_LENGTH = 4


def references(text: str) -> list[str]:
    """The variable names `text` refers to as `${NAME}`, in order."""
    return REFERENCE.findall(text)


def allowed(name: str, settings: Settings | None = None) -> bool:
    """`DATAOPS_SECRET_*`, or a name the operator listed that is not one of the instance's settings."""
    if name.startswith(SECRET_PREFIX) and len(name) > len(SECRET_PREFIX):
        return True
    return not name.startswith("DATAOPS_") and name in (settings or get_settings()).allowed_env


def refusal(text: str, settings: Settings | None = None) -> str | None:
    """Why `text` may not be expanded (its first variable outside the allow-list), or None."""
    for name in references(text):
        if not allowed(name, settings):
            return f"${{{name}}} is not an allowed variable; {_how_to_allow(name)}"
    return None


def _how_to_allow(name: str) -> str:
    if name.startswith("DATAOPS_"):
        return (
            f"DATAOPS_* variables configure the instance and are never expanded; put the secret in "
            f"{SECRET_PREFIX}{name.removeprefix('DATAOPS_')} and name that"
        )
    return (
        f"name a variable {SECRET_PREFIX}{name} instead, or have the operator allow it with "
        f"DATAOPS_ALLOWED_ENV={name} (comma-separated)"
    )


def expand(
    text: str, where: Where | None = None, error: type[DataOpsError] = DataOpsError, settings: Settings | None = None
) -> str:
    """`text` with every `${NAME}` replaced by its value; a refused or unset variable raises `error`."""
    refused = refusal(text, settings)
    if refused:
        raise error(refused, where)

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise error(
                f"${{{name}}} refers to the environment variable {name}, which is not set; set it where dataops "
                f"runs (e.g. export {name}=...)",
                where,
            )
        return os.environ[name]

    return REFERENCE.sub(value, text)


def secret_values(settings: Settings | None = None) -> list[str]:
    """The values a flowchart could have expanded (longest first, so none is masked only in part)."""
    settings = settings or get_settings()
    values = {value for name, value in os.environ.items() if allowed(name, settings)}
    values |= {quote(value, safe="") for value in values}  # as it appears in a rendered URL
    return sorted((v for v in values if len(v) >= MIN_MASKED_LENGTH), key=len, reverse=True)


def mask(text: str, settings: Settings | None = None) -> str:
    """`text` with every value of an expandable variable replaced by ***."""
    for value in secret_values(settings):
        text = text.replace(value, MASK)
    return text
