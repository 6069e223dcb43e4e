"""The validation boundary: flowchart text (or its parsed mapping) in, a `ValidFlowchart` or a
`FlowchartError` out.

This is the only place where pydantic's `ValidationError` becomes the project's error; every
location is rewritten to `file: flowchart › node › field` (`dataops.spec.problems`). Files are
read by `dataops.flowcharts`, which hands their text here.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from dataops.errors import FlowchartError, Problem, Where
from dataops.spec.graph import ValidFlowchart, wire
from dataops.spec.json_loader import load_json
from dataops.spec.models import Flowchart, Node
from dataops.spec.problems import dotted, friendly_message
from dataops.spec.yaml_loader import load_yaml

# 1,000 nodes take a fifth of this; YAML is parsed in Python, and a dense 1 MB takes seconds.
MAX_BYTES = 1024 * 1024


def parse_flowchart(text: str, *, file: str = "<flowchart>", json_format: bool = False) -> ValidFlowchart:
    """Validate flowchart text (YAML, or JSON with `json_format`)."""
    return parse_mapping(_parse_document(text, file, json_format), file=file, text=text)


def parse_mapping(document: Any, *, file: str = "<flowchart>", text: str = "") -> ValidFlowchart:
    """Validate a flowchart already parsed into plain values (a dict as `json.loads` or YAML gives
    it), e.g. the editor's document; `text` is kept as the flowchart's source text, if there is one."""
    return wire(_build_model(document, file), file=file, text=text)


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
        declared, nodes = document.get("name"), document.get("nodes")
        name = declared if isinstance(declared, str) else None
        raw_nodes = nodes if isinstance(nodes, list) else []
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
    field = dotted(loc)
    return Problem(Where(name, node, field or None, file), friendly_message(error, model, subject="key"))


def _dotted(loc: list[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
