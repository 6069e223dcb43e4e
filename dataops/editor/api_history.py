"""/api/flowcharts/{name}/history and .../revert: the versions every save keeps (`dataops.history`),
with what each changed, and writing one of them back."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dataops import history
from dataops.editor import store
from dataops.editor.api_flowcharts import NAME_PARAM, flowchart_name
from dataops.editor.api_reload import reload_code_location
from dataops.editor.api_validate import validate_document
from dataops.editor.context import EditorContext, context
from dataops.editor.http import ApiError, parse_model, read_json, reply
from dataops.editor.models import ApiModel, Problem, ReloadOutcome
from dataops.editor.openapi import Endpoint


class VersionSummary(ApiModel):
    id: str = Field(description="The version's name: its UTC time and source.")
    time: str = Field(description="When it was saved (ISO 8601, UTC).")
    source: str = Field(description="Who or what saved it: editor, cli, revert, or disk (an edit made outside).")
    changes: list[str] = Field(description="What it changed from the version before it: nodes, params, edges.")


class HistoryList(ApiModel):
    name: str
    file: str | None = Field(description="The flowchart's file now; none when it was deleted.")
    versions: list[VersionSummary] = Field(description="Newest first.")


class RevertBody(ApiModel):
    version: str = Field(max_length=100, description="The id of the version to write back.")


class RevertResult(ApiModel):
    name: str
    file: str
    version: str = Field(description="The new version that the revert recorded.")
    problems: list[Problem]
    reload: ReloadOutcome


def _path(ctx: EditorContext, name: str) -> tuple[Path, bool]:
    """The flowchart's file (or where `<name>.json` would be, for a deleted one) and whether it exists."""
    found = store.find(ctx.settings.flowcharts, name)
    if found:
        return found[0].path, True
    return ctx.settings.flowcharts / f"{name}.json", False


def list_history(ctx: EditorContext, name: str) -> HistoryList:
    path, exists = _path(ctx, name)
    versions = [
        VersionSummary(id=v.id, time=v.time.isoformat(), source=v.source, changes=lines)
        for v, lines in history.log(path)
    ]
    if not versions and not exists:
        raise ApiError(404, f"no flowchart named '{name}' and no history of one in {ctx.settings.flowcharts}")
    return HistoryList(name=name, file=path.name if exists else None, versions=versions)


def revert_flowchart(ctx: EditorContext, name: str, version_id: str) -> RevertResult:
    path, _ = _path(ctx, name)
    try:
        target, version = history.revert(path, version_id)
    except KeyError as exc:
        raise ApiError(404, str(exc.args[0])) from None
    document = version.document()
    problems = validate_document(ctx, document) if document is not None else []
    return RevertResult(
        name=name, file=target.name, version=version.id, problems=problems, reload=reload_code_location(ctx)
    )


async def get_history(request: Request) -> Response:
    return reply(await run_in_threadpool(list_history, context(request), flowchart_name(request)))


async def post_revert(request: Request) -> Response:
    name = flowchart_name(request)
    body = parse_model(RevertBody, await read_json(request), "body")
    return reply(await run_in_threadpool(revert_flowchart, context(request), name, body.version))


ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/flowcharts/{name}/history",
        get_history,
        "The saved versions of a flowchart, newest first, each with what it changed",
        HistoryList,
        path_params=NAME_PARAM,
        errors=(404,),
        tag="flowcharts",
    ),
    Endpoint(
        "POST",
        "/api/flowcharts/{name}/revert",
        post_revert,
        "Write a saved version back to the flowchart's file (recorded as a new version), then reload Dagster",
        RevertResult,
        body=RevertBody,
        path_params=NAME_PARAM,
        errors=(404,),
        tag="flowcharts",
    ),
]
