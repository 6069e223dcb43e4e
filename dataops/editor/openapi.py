"""The OpenAPI 3 document, generated from the endpoint declarations and their pydantic models."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import Response

from dataops.editor.models import ErrorBody

Handler = Callable[[Request], Awaitable[Response]]

_REASONS = {
    400: "Malformed request",
    401: "Missing or wrong X-DataOps-Token",
    403: "Host not allowed, or a cross-origin request",
    404: "Not found",
    409: "Conflict",
    413: "Body too large",
    422: "The file cannot be read",
    502: "Dagster unreachable or refused",
}


@dataclass(frozen=True)
class Endpoint:
    """One API operation: how it is routed and how it is documented."""

    method: str
    path: str
    handler: Handler
    summary: str
    response: type[BaseModel] | None
    body: type[BaseModel] | dict[str, Any] | None = None
    query: type[BaseModel] | None = None
    path_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    tag: str = ""

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "PUT", "DELETE", "PATCH")


def openapi_document(endpoints: Sequence[Endpoint], *, title: str, version: str) -> dict[str, Any]:
    """OpenAPI 3.1 for `endpoints`; every model appears once under components/schemas."""
    models = {m for e in endpoints for m in (e.response, e.body, e.query) if isinstance(m, type)}
    models.add(ErrorBody)
    ordered = sorted(models, key=lambda m: m.__name__)
    _, schemas = models_json_schema([(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Every request needs a Host the editor answers (its address, or a name in "
            "DATAOPS_EDITOR_ALLOWED_HOSTS); writes need a same-origin request (Origin or Referer matching Host) "
            "and, when the editor has a token, every request needs the X-DataOps-Token header.",
        },
        "paths": paths,
        "components": {"schemas": schemas.get("$defs", {})},
    }


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": endpoint.handler.__name__,
        "summary": endpoint.summary,
        "tags": [endpoint.tag] if endpoint.tag else [],
        "parameters": _parameters(endpoint),
        "responses": {"200": _response(endpoint.response)},
    }
    if isinstance(endpoint.body, type):
        operation["requestBody"] = _json_body(_ref(endpoint.body))
    elif isinstance(endpoint.body, dict):
        operation["requestBody"] = endpoint.body
    errors = set(endpoint.errors) | ({401} if endpoint.writes else set()) | {400, 403}
    for status in sorted(errors):
        operation["responses"][str(status)] = {
            "description": _REASONS.get(status, "Error"),
            "content": {"application/json": {"schema": _ref(ErrorBody)}},
        }
    return operation


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": schema}
        for name, schema in endpoint.path_params.items()
    ]
    missing = set(re.findall(r"{(\w+)}", endpoint.path)) - set(endpoint.path_params)
    parameters += [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in sorted(missing)]
    if endpoint.query is not None:
        schema = endpoint.query.model_json_schema()
        required = set(schema.get("required", []))
        for name, prop in schema["properties"].items():
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "description": prop.pop("description", ""),
                    "schema": _without_titles(prop),
                }
            )
    return parameters


def _response(model: type[BaseModel] | None) -> dict[str, Any]:
    if model is None:
        return {"description": "OK"}
    return {"description": "OK", "content": {"application/json": {"schema": _ref(model)}}}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _without_titles(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: _without_titles(v) if isinstance(v, dict) else v for k, v in schema.items() if k != "title"}
