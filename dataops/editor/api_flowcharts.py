"""/api/flowcharts: list, open, save (atomic, then reload Dagster; a YAML file stays YAML with its comments)
and delete flowchart files."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.error import YAMLError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dataops.editor import store
from dataops.editor.api_reload import reload_code_location
from dataops.editor.api_validate import ANY_JSON_BODY, validate_document
from dataops.editor.context import EditorContext, context
from dataops.editor.http import ApiError, read_json, read_query, reply
from dataops.editor.layout import with_positions
from dataops.editor.models import (
    DeleteResult,
    FlowchartDocument,
    FlowchartList,
    FlowchartSummary,
    SaveQuery,
    SaveResult,
)
from dataops.editor.openapi import Endpoint
from dataops.editor.yaml_roundtrip import merged_yaml
from dataops.spec.loader import MAX_BYTES
from dataops.spec.models import IDENTIFIER

NAME_PARAM = {"name": {"type": "string", "pattern": IDENTIFIER, "maxLength": 200}}


def flowchart_name(request: Request) -> str:
    name = request.path_params["name"]
    if len(name) > 200 or not re.match(IDENTIFIER, name):
        raise ApiError(
            400, f"{name[:80]!r} is not a valid flowchart name: use letters, digits and _, not starting with a digit"
        )
    return name


def list_flowcharts(ctx: EditorContext) -> FlowchartList:
    folder = ctx.settings.flowcharts
    summaries = [
        FlowchartSummary(name=f.name, file=f.path.name, format=f.format, description=f.description, error=f.error)
        for f in store.scan(folder)
    ]
    return FlowchartList(folder=str(folder), flowcharts=summaries)


def open_flowchart(ctx: EditorContext, name: str) -> FlowchartDocument:
    found = store.find(ctx.settings.flowcharts, name)
    if not found:
        raise ApiError(404, f"no flowchart named '{name}' in {ctx.settings.flowcharts}")
    stored = found[0]
    if stored.document is None:
        raise ApiError(422, f"{stored.path.name} cannot be opened: {stored.error}")
    problems = validate_document(ctx, stored.document)
    return FlowchartDocument(
        name=name, file=stored.path.name, document=with_positions(stored.document), problems=problems
    )


def save_flowchart(ctx: EditorContext, name: str, document: Any, replace: bool) -> SaveResult:
    if not isinstance(document, dict):
        raise ApiError(400, "the body must be a flowchart document (a JSON object with name, nodes and edges)")
    if document.get("name") != name:
        raise ApiError(400, f"the document's name {document.get('name')!r} differs from '{name}' in the URL")
    folder = ctx.settings.flowcharts
    found = store.find(folder, name)
    if len(found) == 1 and found[0].format == "yaml" and found[0].document is not None:
        return _save_yaml(ctx, found[0], document)
    target = f"{name}.json"
    text = store.to_json(document)
    size = len(text.encode())
    if size > MAX_BYTES:
        raise ApiError(
            413,
            f"'{name}' would be {size:,} bytes as {target}; flowcharts are limited to {MAX_BYTES:,} bytes (the limit "
            "for opening, validating and running them), so nothing was saved; split it into smaller flowcharts",
        )
    others = [f for f in store.scan(folder) if (f.name == name) != (f.path.name == target)]
    if others and not replace:
        files = ", ".join(f.path.name for f in others)
        raise ApiError(
            409,
            f"saving '{name}' as {target} clashes with {files} (same flowchart name or file); save under another "
            "name, or replace (a YAML file's comments are lost)",
        )
    path = store.write_json(folder, name, text)
    for other in others:
        if other.path != path:
            store.remove(other.path)
    return SaveResult(
        name=name,
        file=path.name,
        replaced=[o.path.name for o in others if o.path != path],
        problems=validate_document(ctx, document),
        reload=reload_code_location(ctx),
    )


def _save_yaml(ctx: EditorContext, stored: store.StoredFlowchart, document: dict[str, Any]) -> SaveResult:
    """Into the YAML file it came from, keeping its comments, key order and layout."""
    try:
        text = merged_yaml(stored.path.read_text(encoding="utf-8-sig"), document)
    except (OSError, UnicodeDecodeError, YAMLError) as exc:
        raise ApiError(409, f"{stored.path.name} cannot be updated ({exc}); nothing was saved") from None
    size = len(text.encode())
    if size > MAX_BYTES:
        raise ApiError(
            413,
            f"'{stored.name}' would be {size:,} bytes as {stored.path.name}; flowcharts are limited to "
            f"{MAX_BYTES:,} bytes, so nothing was saved; split it into smaller flowcharts",
        )
    path = store.write_file(stored.path, text)
    return SaveResult(
        name=stored.name,
        file=path.name,
        replaced=[],
        problems=validate_document(ctx, document),
        reload=reload_code_location(ctx),
    )


def delete_flowchart(ctx: EditorContext, name: str) -> DeleteResult:
    found = store.find(ctx.settings.flowcharts, name)
    if not found:
        raise ApiError(404, f"no flowchart named '{name}' to delete")
    for stored in found:
        store.remove(stored.path)
    return DeleteResult(name=name, deleted=[f.path.name for f in found], reload=reload_code_location(ctx))


async def get_list(request: Request) -> Response:
    return reply(await run_in_threadpool(list_flowcharts, context(request)))


async def get_one(request: Request) -> Response:
    return reply(await run_in_threadpool(open_flowchart, context(request), flowchart_name(request)))


async def put_one(request: Request) -> Response:
    name = flowchart_name(request)
    query = read_query(request, SaveQuery)
    document = await read_json(request)
    return reply(await run_in_threadpool(save_flowchart, context(request), name, document, query.replace))


async def delete_one(request: Request) -> Response:
    return reply(await run_in_threadpool(delete_flowchart, context(request), flowchart_name(request)))


ENDPOINTS = [
    Endpoint("GET", "/api/flowcharts", get_list, "The flowchart files", FlowchartList, tag="flowcharts"),
    Endpoint(
        "GET",
        "/api/flowcharts/{name}",
        get_one,
        "Open a flowchart (YAML or JSON); nodes without positions are laid out",
        FlowchartDocument,
        path_params=NAME_PARAM,
        errors=(404, 422),
        tag="flowcharts",
    ),
    Endpoint(
        "PUT",
        "/api/flowcharts/{name}",
        put_one,
        "Save as <name>.json (atomic), then reload the Dagster code location",
        SaveResult,
        body=ANY_JSON_BODY,
        query=SaveQuery,
        path_params=NAME_PARAM,
        errors=(409, 413),
        tag="flowcharts",
    ),
    Endpoint(
        "DELETE",
        "/api/flowcharts/{name}",
        delete_one,
        "Delete a flowchart's file(s), then reload the Dagster code location",
        DeleteResult,
        path_params=NAME_PARAM,
        errors=(404,),
        tag="flowcharts",
    ),
]
