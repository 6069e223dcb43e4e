"""Pydantic's errors as the project's problems: each one a sentence at `flowchart › node › field`.

Shared by the document check (`loader`), the node checks (`graph`) and everyone who validates a
node's params again (the op, `dataops run --set`, the editor's probe): `validate_params`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from dataops.errors import Problem, RegistryError, Where, did_you_mean
from dataops.spec.models import IDENTIFIER, Node


def validate_params(
    flowchart: str, node: str, module_name: str, params_model: type[BaseModel], raw: Any, file: str | None = None
) -> tuple[BaseModel | None, list[Problem]]:
    """Node params against the module's model; problems name `params.<field>`.

    Used at validation time and again by the op, for params edited in the launchpad.
    """
    try:
        return params_model.model_validate(raw), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = "params." + dotted(list(error["loc"])) if error["loc"] else "params"
            message = friendly_message(error, params_model, subject="param", owner=module_name)
            problems.append(Problem(Where(flowchart, node, field, file), message))
        return None, problems


def module_problem(flowchart: str, node: Node, exc: RegistryError, file: str | None) -> Problem:
    """A node whose module is not registered."""
    return Problem(Where(flowchart, node.id, "module", file), exc.message)


def dotted(loc: list[Any]) -> str:
    """A pydantic location as users write it: `nodes[2].params.columns`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def friendly_message(error: Any, model: type[BaseModel] | None, *, subject: str, owner: str = "") -> str:
    """Pydantic's error as a sentence, with `did you mean` for unknown keys."""
    kind, last = error["type"], str(error["loc"][-1]) if error["loc"] else ""
    expected = _field_names(model)
    expects = f" ({owner} expects: {', '.join(expected)})" if owner and expected else ""
    if kind == "missing":
        return f"missing required {subject} '{last}'{expects}"
    if kind == "extra_forbidden":
        hint = did_you_mean(last, expected)
        listing = expects or (f" (expected: {', '.join(expected)})" if expected and not hint else "")
        return f"unknown {subject} '{last}'{hint}{listing}"
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == IDENTIFIER:
        return f"{error.get('input')!r} is not a valid name: use letters, digits and _, not starting with a digit"
    message = error["msg"].removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    got = error.get("input")
    if "input" not in error or isinstance(got, dict | list) or f"'{got}'" in message:
        return message
    return f"{message} (got {repr(got)[:80]})"


def _field_names(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]
