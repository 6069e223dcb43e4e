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
from dataops.errors import DataOpsError
from dataops.hotplug import reload_locations


def reload_dagster(url: str) -> ReloadOutcome:
    """Reload every code location; Dagster being down is reported, not raised (the file is saved)."""
    try:
        outcome = reload_locations(url)
    except (DataOpsError, ValueError) as exc:
        return ReloadOutcome(ok=False, message=str(exc))
    if not outcome:
        return ReloadOutcome(ok=False, message="Dagster has no code location")
    failures = {name: why for name, why in outcome.items() if why != "ok"}
    if failures:
        detail = "; ".join(f"{name}: {why}" for name, why in failures.items())
        return ReloadOutcome(ok=False, location=next(iter(failures)), message=f"reload failed: {detail}")
    return ReloadOutcome(ok=True, location=", ".join(outcome), message="code location reloaded")


def reload_all(ctx: EditorContext) -> ReloadResult:
    modules = refresh_modules(ctx)
    return ReloadResult(
        modules=len(modules.modules),
        plugin_problems=modules.plugin_problems,
        dagster=reload_dagster(ctx.dagster.base_url),
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
