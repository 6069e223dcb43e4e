"""GET /api/probe: the columns and first rows of a data file, read as its source node would read it."""

from __future__ import annotations

import json
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from adapters.registry import adapter_for
from dataops.editor.api_upload import source_module_for
from dataops.editor.context import EditorContext, context
from dataops.editor.http import ApiError, read_query, reply
from dataops.editor.models import Column, ProbeQuery, ProbeResult
from dataops.editor.openapi import Endpoint
from dataops.errors import DataOpsError, RegistryError
from dataops.spec.loader import validate_params
from module_library.registry import get_module


def probe_file(ctx: EditorContext, query: ProbeQuery) -> ProbeResult:
    """Read the file through the adapter registry with the source module's params; keep the head."""
    path = Path(query.path)
    with ctx.registry_lock:
        name = query.module or source_module_for(path)
        if name is None:
            raise ApiError(400, f"no source module reads '{path.suffix or path.name}' files")
        try:
            spec = get_module(name)
        except RegistryError as exc:
            raise ApiError(400, exc.message) from None
    if spec.kind != "source":
        raise ApiError(400, f"'{spec.name}' is a {spec.kind}, not a source module")
    raw = _params(query.params)
    params, problems = validate_params("probe", "probe", spec.name, spec.params, {**raw, "path": query.path})
    if problems or params is None:
        raise ApiError(400, "; ".join(f"{p.where.field}: {p.message}" for p in problems))
    try:
        adapter = adapter_for(spec.format, path)
        frame = adapter.read(params, root=ctx.project.data_root_resolved)
    except DataOpsError as exc:
        raise ApiError(422, str(exc)) from None
    head = frame.head(query.rows)
    return ProbeResult(
        path=query.path,
        module=spec.name,
        columns=[Column(name=str(c), type=str(t)) for c, t in frame.dtypes.items()],
        rows=json.loads(head.to_json(orient="values", date_format="iso", force_ascii=False, default_handler=str)),
    )


def _params(text: str | None) -> dict:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ApiError(400, "'params' must be the source node's params as a JSON object") from None
    if not isinstance(value, dict):
        raise ApiError(400, "'params' must be a JSON object")
    return value


async def probe(request: Request) -> Response:
    query = read_query(request, ProbeQuery)
    return reply(await run_in_threadpool(probe_file, context(request), query))


ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/probe",
        probe,
        "Columns and first rows of a data file (for column pickers)",
        ProbeResult,
        query=ProbeQuery,
        errors=(422,),
        tag="data",
    ),
]
