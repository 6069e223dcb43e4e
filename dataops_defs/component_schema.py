"""The JSON Schema `dg check yaml` applies to a `FlowchartComponent`'s inline flowchart.

It names the keys the spec allows at each level (flowchart, node, edge) and, per module, its
params, so a misspelt key is reported by `dg check yaml` with the defs.yaml's file and line before
anything loads. Values are left to the spec's own validation when the definitions are built
(shorthands such as `schedule: "@daily"` are valid there and would be refused by a stricter schema).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, GetJsonSchemaHandler
from pydantic_core import CoreSchema

from dataops.settings import get_settings
from dataops.spec import Edge, Flowchart, Node
from module_library.catalog import load_catalog


class FlowchartKeys:
    """Annotated metadata: the field's JSON Schema is `flowchart_keys_schema()`, built when asked."""

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        return flowchart_keys_schema()


def flowchart_keys_schema() -> dict[str, Any]:
    """Allowed keys of a flowchart, its nodes (params per registered module) and edges."""
    modules = load_catalog(get_settings().plugins).modules
    node = _keys(Node)
    node["allOf"] = [
        {
            "if": {"properties": {"module": {"const": spec.name}}, "required": ["module"]},
            "then": {"properties": {"params": _keys(spec.params)}},
        }
        for spec in modules
    ]
    flowchart = _keys(Flowchart)
    flowchart["properties"]["nodes"] = {"type": "array", "items": node}
    flowchart["properties"]["edges"] = {"type": "array", "items": _keys(Edge)}
    return flowchart


def _keys(model: type[BaseModel]) -> dict[str, Any]:
    """An object with the model's keys (field names and aliases) and nothing else; values unchecked."""
    properties: dict[str, Any] = {}
    required = []
    for name, field in model.model_fields.items():
        described = {"description": field.description} if field.description else {}
        properties[name] = described
        if field.alias:
            properties[field.alias] = described
        elif field.is_required():
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if model.model_config.get("extra") != "forbid":
        schema.pop("additionalProperties")
    if required:
        schema["required"] = required
    return schema
