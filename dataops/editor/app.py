"""Assemble the editor: API routes, their OpenAPI document, guards, error handlers and the static page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from dataops.editor import (
    api_config,
    api_files,
    api_flowcharts,
    api_history,
    api_modules,
    api_probe,
    api_reload,
    api_remote,
    api_runs,
    api_upload,
    api_validate,
)
from dataops.editor.context import EditorContext
from dataops.editor.dagster_client import DagsterClient
from dataops.editor.http import ApiError, error_response
from dataops.editor.isolation import start_forkserver
from dataops.editor.openapi import openapi_document
from dataops.editor.probe_child import read_head
from dataops.editor.security import GuardMiddleware, allowed_hosts
from dataops.errors import DataOpsError
from dataops.settings import Settings, get_settings
from module_library.discovery import discover

STATIC = Path(__file__).parent / "static"
ENDPOINTS = [
    *api_config.ENDPOINTS,
    *api_modules.ENDPOINTS,
    *api_flowcharts.ENDPOINTS,
    *api_history.ENDPOINTS,
    *api_validate.ENDPOINTS,
    *api_files.ENDPOINTS,
    *api_upload.ENDPOINTS,
    *api_probe.ENDPOINTS,
    *api_runs.ENDPOINTS,
    *api_reload.ENDPOINTS,
    *api_remote.ENDPOINTS,
]
log = logging.getLogger("dataops.editor")


def make_app(settings: Settings | None = None) -> Starlette:
    """The editor's ASGI app; modules are discovered once here and again on every palette request."""
    settings = settings or get_settings()
    discover(settings.plugins)
    document = openapi_document(ENDPOINTS, title="DataOps flowchart editor API", version="1")

    async def openapi(_: Request) -> Response:
        return JSONResponse(document)

    api_routes = [Route(e.path, e.handler, methods=[e.method]) for e in ENDPOINTS]

    async def unknown(request: Request) -> Response:
        path = request.url.path
        allowed = sorted({m for r in api_routes if r.path_regex.match(path) for m in r.methods or () if m != "HEAD"})
        if allowed:
            raise ApiError(405, f"{request.method} is not allowed on {path} (allowed: {', '.join(allowed)})")
        raise ApiError(404, f"no API endpoint {request.method} {path}")

    routes = [
        *api_routes,
        Route("/api/openapi.json", openapi, methods=["GET"]),
        Route("/api/{rest:path}", unknown, methods=["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
        Mount("/", StaticFiles(directory=STATIC, html=True)),
    ]
    app = Starlette(
        routes=routes,
        lifespan=_lifespan,
        middleware=[
            Middleware(
                GuardMiddleware,
                hosts=allowed_hosts(settings),
                token=settings.token(),
                max_upload=settings.max_upload_bytes,
            )
        ],
        exception_handlers={
            ApiError: _api_error,
            DataOpsError: _user_error,
            HTTPException: _http_error,
            Exception: _bug,
        },
    )
    app.state.editor = EditorContext(settings, DagsterClient(settings.dagster_base))
    return app


@asynccontextmanager
async def _lifespan(_: Starlette) -> AsyncIterator[None]:
    start_forkserver([read_head.__module__])  # probes read files in its children
    yield


async def _api_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message)


async def _user_error(_: Request, exc: Exception) -> Response:
    return error_response(400, str(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, exc.detail or "error")


async def _bug(request: Request, exc: Exception) -> Response:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal error in the editor; the server log has the details")
