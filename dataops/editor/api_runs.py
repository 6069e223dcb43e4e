"""/api/runs: launch a saved flowchart's job in Dagster and follow it node by node."""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dataops.editor.context import EditorContext, context
from dataops.editor.http import ApiError, read_model, reply
from dataops.editor.models import LaunchRequest, LaunchResult, NodePreview, RunStatus
from dataops.editor.openapi import Endpoint
from dataops.editor.run_view import node_preview, run_status
from dataops.spec.models import IDENTIFIER

RUN_ID = r"^[A-Za-z0-9-]{1,64}$"
RUN_PARAMS: dict[str, dict[str, Any]] = {
    "run_id": {"type": "string", "pattern": RUN_ID},
    "node": {"type": "string", "pattern": IDENTIFIER, "maxLength": 200},
}


def launch_run(ctx: EditorContext, flowchart: str) -> LaunchResult:
    handle = ctx.dagster.find_job(flowchart)
    if handle is None:
        raise ApiError(404, f"Dagster has no job '{flowchart}'; save the flowchart first (saving reloads Dagster)")
    from adapters.io_manager import KEEP_OUTPUTS_TAG  # Dagster's import, paid by launches alone

    run_id = ctx.dagster.launch(handle, tags={KEEP_OUTPUTS_TAG: "true"})  # every node's output stays pageable
    return LaunchResult(run_id=run_id, flowchart=flowchart, url=ctx.dagster.run_url(run_id))


def read_run(ctx: EditorContext, run_id: str) -> dict:
    run = ctx.dagster.run(run_id)
    if run is None:
        raise ApiError(404, f"Dagster has no run '{run_id}'")
    return run


def _run_id(request: Request) -> str:
    run_id = request.path_params["run_id"]
    if not re.match(RUN_ID, run_id):
        raise ApiError(400, f"{run_id[:80]!r} is not a run id")
    return run_id


def status_of(ctx: EditorContext, run_id: str) -> RunStatus:
    return run_status(read_run(ctx, run_id), ctx.dagster.run_url(run_id))


def preview_of(ctx: EditorContext, run_id: str, node: str) -> NodePreview:
    preview = node_preview(read_run(ctx, run_id), node, ctx.dagster.run_url(run_id))
    if preview is None:
        raise ApiError(404, f"run '{run_id}' has no node '{node}'")
    return preview


async def launch(request: Request) -> Response:
    body = await read_model(request, LaunchRequest)
    return reply(await run_in_threadpool(launch_run, context(request), body.flowchart))


async def status(request: Request) -> Response:
    return reply(await run_in_threadpool(status_of, context(request), _run_id(request)))


async def preview(request: Request) -> Response:
    node = request.path_params["node"]
    if not re.match(IDENTIFIER, node):
        raise ApiError(400, f"{node[:80]!r} is not a node id")
    return reply(await run_in_threadpool(preview_of, context(request), _run_id(request), node))


ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/runs",
        launch,
        "Launch the saved flowchart's job through Dagster's GraphQL API",
        LaunchResult,
        body=LaunchRequest,
        errors=(404, 502),
        tag="runs",
    ),
    Endpoint(
        "GET",
        "/api/runs/{run_id}",
        status,
        "A run's status and the state of every node",
        RunStatus,
        path_params={"run_id": RUN_PARAMS["run_id"]},
        errors=(404, 502),
        tag="runs",
    ),
    Endpoint(
        "GET",
        "/api/runs/{run_id}/nodes/{node}",
        preview,
        "One node's outcome in a run: row counts, columns, first rows, error",
        NodePreview,
        path_params=RUN_PARAMS,
        errors=(404, 502),
        tag="runs",
    ),
]
