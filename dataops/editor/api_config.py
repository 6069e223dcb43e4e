"""GET /api/config: what the page needs before anything else (Dagster's URL, limits, token)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from dataops.editor.context import context
from dataops.editor.http import reply
from dataops.editor.models import EditorConfig
from dataops.editor.openapi import Endpoint


async def get_config(request: Request) -> Response:
    settings = context(request).settings
    return reply(
        EditorConfig(
            dagster_url=settings.dagster_base,
            max_upload_mb=settings.editor_max_upload_mb,
            token_required=settings.token() is not None,
        )
    )


ENDPOINTS = [Endpoint("GET", "/api/config", get_config, "Dagster's URL and the editor's limits", EditorConfig)]
