"""The validation boundary: flowchart text in, a `ValidFlowchart` or a `FlowchartError` out.

This is the only place where pydantic's `ValidationError` becomes the project's error; every
location is rewritten to `file: flowchart › node › field`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from dataops.errors import FlowchartError, Problem, RegistryError, Where, did_you_mean
from dataops.spec.graph import ValidFlowchart, wire
from dataops.spec.json_loader import load_json
from dataops.spec.models import IDENTIFIER, Flowchart, Node
from dataops.spec.yaml_loader import load_yaml

FLOWCHART_SUFFIXES = (".yaml", ".yml", ".json")
# 1,000 nodes take a fifth of this; YAML is parsed in Python, and a dense 1 MB takes seconds.
MAX_BYTES = 1024 * 1024


def load_flowchart(path: Path | str) -> ValidFlowchart:
    """Read and validate one flowchart file."""
    path = Path(path)
    where = Where(file=str(path))
    if path.suffix.lower() not in FLOWCHART_SUFFIXES:
        raise FlowchartError([Problem(where, f"not a flowchart file (expected {', '.join(FLOWCHART_SUFFIXES)})")])
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise FlowchartError([Problem(where, f"file is {size:,} bytes; flowcharts are limited to {MAX_BYTES:,}")])
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowchartError([Problem(where, f"cannot read the file: {exc}")]) from None
    return parse_flowchart(text, file=str(path), json_format=path.suffix.lower() == ".json")


def parse_flowchart(text: str, *, file: str = "<flowchart>", json_format: bool = False) -> ValidFlowchart:
    """Validate flowchart text (YAML, or JSON with `json_format`)."""
    document = _parse_document(text, file, json_format)
    flowchart = _build_model(document, file)
    return wire(flowchart, file=file, text=text)


def _parse_document(text: str, file: str, json_format: bool) -> Any:
    where = Where(file=file)
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:  # a lone surrogate, e.g. from a JSON request's "\ud800"
        raise FlowchartError([Problem(where, f"character {exc.start + 1} is not valid Unicode text")]) from None
    if size > MAX_BYTES:
        raise FlowchartError([Problem(where, f"flowcharts are limited to {MAX_BYTES:,} bytes")])
    try:
        if json_format:
            return load_json(text)
        return load_yaml(text)
    except json.JSONDecodeError as exc:
        raise FlowchartError(
            [Problem(where, f"line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}")]
        ) from None
    except yaml.YAMLError as exc:
        raise FlowchartError([Problem(where, _yaml_problem(exc))]) from None
    except RecursionError:
        raise FlowchartError([Problem(where, "the document is nested too deeply")]) from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    detail = f"{context}, {problem}" if context else problem
    return (
        f"line {mark.line + 1}, column {mark.column + 1}: invalid YAML: {detail}" if mark else f"invalid YAML: {detail}"
    )


def _build_model(document: Any, file: str) -> Flowchart:
    if not isinstance(document, dict):
        got = "nothing" if document is None else type(document).__name__
        raise FlowchartError(
            [Problem(Where(file=file), f"a flowchart is a mapping with name, nodes and edges; got {got}")]
        )
    try:
        return Flowchart.model_validate(document)
    except ValidationError as exc:
        name = document.get("name") if isinstance(document.get("name"), str) else None
        raw_nodes = document.get("nodes") if isinstance(document.get("nodes"), list) else []
        problems = [_problem(error, file, name, raw_nodes) for error in exc.errors()]
        raise FlowchartError(problems) from None


def _problem(error: Any, file: str, name: str | None, raw_nodes: list[Any]) -> Problem:
    loc = list(error["loc"])
    node = None
    model: type[BaseModel] = Flowchart
    if len(loc) >= 2 and loc[0] == "nodes" and isinstance(loc[1], int):
        raw = raw_nodes[loc[1]] if loc[1] < len(raw_nodes) else None
        node = raw["id"] if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"nodes[{loc[1]}]"
        loc, model = loc[2:], Node
    field = _dotted(loc)
    return Problem(Where(name, node, field or None, file), friendly_message(error, model, subject="key"))


def _dotted(loc: list[Any]) -> str:
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
            field = "params." + _dotted(list(error["loc"])) if error["loc"] else "params"
            message = friendly_message(error, params_model, subject="param", owner=module_name)
            problems.append(Problem(Where(flowchart, node, field, file), message))
        return None, problems


def module_problem(flowchart: str, node: Node, exc: RegistryError, file: str | None) -> Problem:
    return Problem(Where(flowchart, node.id, "module", file), exc.message)
