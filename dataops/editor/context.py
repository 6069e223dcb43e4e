"""What every handler needs: the editor's settings, the Dagster client and the registry lock."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from starlette.requests import Request

from dataops.editor.dagster_client import DagsterClient
from dataops.settings import Settings


@dataclass(frozen=True)
class EditorContext:
    """Shared by the handlers of one app: the settings it was made with, which handlers read (no
    `get_settings()` in a request); `registry_lock` keeps discovery and validation apart."""

    settings: Settings
    dagster: DagsterClient
    registry_lock: threading.Lock = field(default_factory=threading.Lock)


def context(request: Request) -> EditorContext:
    return request.app.state.editor
