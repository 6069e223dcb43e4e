"""Run the editor with uvicorn; off loopback it refuses to start without a token."""

from __future__ import annotations

from typing import Any

import click
import uvicorn

from dataops.editor.app import make_app
from dataops.editor.settings import is_loopback
from dataops.errors import DataOpsError
from dataops.settings import Settings


def serve(host: str | None = None, port: int | None = None) -> None:
    """Serve until interrupted; `host`/`port` override DATAOPS_EDITOR_HOST/PORT."""
    overrides: dict[str, Any] = {k: v for k, v in (("editor_host", host), ("editor_port", port)) if v is not None}
    settings = Settings(**overrides)
    if not is_loopback(settings.editor_host) and settings.token() is None:
        raise DataOpsError(
            f"the editor would listen on {settings.editor_host}, beyond this machine, without a token; "
            "set DATAOPS_EDITOR_TOKEN (clients send it as X-DataOps-Token) or bind to 127.0.0.1"
        )
    app = make_app(settings)
    click.echo(f"DataOps editor: {settings.editor_url}  (Dagster UI: {settings.dagster_base})")
    uvicorn.run(app, host=settings.editor_host, port=settings.editor_port, log_level="warning")
