"""/api/runs: launch a saved flowchart's job in Dagster, follow it node by node, page through and
summarise each node's output (kept by the IO manager for the editor's runs)."""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from upath import UPath

from dataops.editor.context import EditorContext, context
from dataops.editor.http import ApiError, read_model, read_query, reply
from dataops.editor.models import (
    LaunchRequest,
    LaunchResult,
    NodePreview,
    NodeStats,
    PageQuery,
    RowPage,
    RunStatus,
    StatsQuery,
)
from dataops.editor.node_data import column_stats, keep_latest, output_path, read_page
from dataops.editor.openapi import Endpoint
from dataops.editor.run_view import handed_ports, node_preview, node_step, run_status
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
    keep_latest(ctx.settings.storage_url, flowchart, run_id)
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


def preview_of(ctx: EditorContext, run_id: str, node: str, query: PageQuery) -> NodePreview:
    run = read_run(ctx, run_id)
    preview = node_preview(run, node, ctx.dagster.run_url(run_id))
    if preview is None:
        raise ApiError(404, f"run '{run_id}' has no node '{node}'")
    stored = _stored_output(ctx, run, node, query.port)
    if isinstance(stored, str):
        preview.page_note = stored
        return preview
    port, path = stored
    columns, total, rows = read_page(path, query.offset, query.limit)
    preview.page = RowPage(port=port, offset=query.offset, total_rows=total, columns=columns, rows=rows)
    return preview


def stats_of(ctx: EditorContext, run_id: str, node: str, port: str | None) -> NodeStats:
    run = read_run(ctx, run_id)
    if node_step(run, node) is None:
        raise ApiError(404, f"run '{run_id}' has no node '{node}'")
    stored = _stored_output(ctx, run, node, port)
    if isinstance(stored, str):
        raise ApiError(404, f"no statistics for node '{node}' in run '{run_id}': {stored}")
    port, path = stored
    rows, columns = column_stats(path)
    return NodeStats(run_id=run_id, node=node, port=port, row_count=rows, columns=columns)


def _stored_output(ctx: EditorContext, run: dict, node: str, port: str | None) -> tuple[str, UPath] | str:
    """The port and file of the node's kept output, or why there is none (a sentence)."""
    status = run_status(run, "").nodes.get(node)
    state = status.state if status else "not_run"
    ports = handed_ports(run, node)
    if port is not None and port not in ports:
        known = f"its outputs are {', '.join(ports)}" if ports else "it handed out no table"
        raise ApiError(404, f"node '{node}' has no output '{port[:80]}' in run '{run['runId']}': {known}")
    if not ports:
        return {
            "failed": "the node failed before handing out a table",
            "queued": "the node has not run yet",
            "running": "the node is still running",
        }.get(state, "the node handed out no table (a sink's rows are those of the node before it)")
    step = node_step(run, node)
    assert step is not None, "a node that handed out a table has a step"
    path = output_path(ctx.settings.storage_url, run["runId"], step, port or ports[0])
    if not path.exists():
        return (
            "its output was not kept: the editor's runs keep every node's output for paging, a run "
            "launched elsewhere (dataops run, a schedule, the Dagster UI) only what a re-execution needs"
        )
    return port or ports[0], path


async def launch(request: Request) -> Response:
    body = await read_model(request, LaunchRequest)
    return reply(await run_in_threadpool(launch_run, context(request), body.flowchart))


async def status(request: Request) -> Response:
    return reply(await run_in_threadpool(status_of, context(request), _run_id(request)))


def _node_id(request: Request) -> str:
    node = request.path_params["node"]
    if not re.match(IDENTIFIER, node):
        raise ApiError(400, f"{node[:80]!r} is not a node id")
    return node


async def preview(request: Request) -> Response:
    query = read_query(request, PageQuery)
    node = _node_id(request)
    return reply(await run_in_threadpool(preview_of, context(request), _run_id(request), node, query))


async def stats(request: Request) -> Response:
    query = read_query(request, StatsQuery)
    node = _node_id(request)
    return reply(await run_in_threadpool(stats_of, context(request), _run_id(request), node, query.port))


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
        "One node's outcome in a run: state, error, each output's row count and columns, and a page of "
        "the stored output's rows (`offset`, `limit` up to 500)",
        NodePreview,
        path_params=RUN_PARAMS,
        query=PageQuery,
        errors=(400, 404, 502),
        tag="runs",
    ),
    Endpoint(
        "GET",
        "/api/runs/{run_id}/nodes/{node}/stats",
        stats,
        "Per column of a node's stored output: type, nulls, distinct, min, max and a histogram "
        "(bins for numbers and dates, the most frequent values for text), computed by DuckDB",
        NodeStats,
        path_params=RUN_PARAMS,
        query=StatsQuery,
        errors=(400, 404, 502),
        tag="runs",
    ),
]
