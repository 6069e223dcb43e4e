"""GET /api/modules: the palette, discovered afresh so a hot-plugged module appears on reload."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dataops.editor.context import EditorContext, context
from dataops.editor.http import reply
from dataops.editor.models import ModuleList
from dataops.editor.openapi import Endpoint
from module_library.catalog import load_catalog


def refresh_modules(ctx: EditorContext) -> ModuleList:
    """Run discovery (built-ins, entry points, the plugin folder) and describe every module."""
    with ctx.registry_lock:
        return ModuleList.model_validate(load_catalog(ctx.settings.plugins).describe())


async def list_modules(request: Request) -> Response:
    return reply(await run_in_threadpool(refresh_modules, context(request)))


ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/modules",
        list_modules,
        "Every registered module with ports and params schema",
        ModuleList,
        tag="modules",
    ),
]
