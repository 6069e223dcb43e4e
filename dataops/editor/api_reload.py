"""POST /api/reload: rediscover modules and reload Dagster's code location so it sees the flowcharts."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dataops.editor.api_modules import refresh_modules
from dataops.editor.context import EditorContext, context
from dataops.editor.http import reply
from dataops.editor.models import ReloadOutcome, ReloadResult
from dataops.editor.openapi import Endpoint
from dataops.hotplug import reload_dagster


def reload_code_location(ctx: EditorContext) -> ReloadOutcome:
    """Dagster reloads its code locations (`dataops.hotplug` owns how); being down is reported, not raised."""
    outcome = reload_dagster(ctx.dagster.base_url)
    return ReloadOutcome(ok=outcome.ok, location=outcome.location, message=outcome.message)


def reload_all(ctx: EditorContext) -> ReloadResult:
    modules = refresh_modules(ctx)
    return ReloadResult(
        modules=len(modules.modules),
        plugin_problems=modules.plugin_problems,
        dagster=reload_code_location(ctx),
    )


async def reload(request: Request) -> Response:
    return reply(await run_in_threadpool(reload_all, context(request)))


ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/reload",
        reload,
        "Rediscover modules and reload the Dagster code location",
        ReloadResult,
        tag="modules",
    ),
]
