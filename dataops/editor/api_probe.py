"""GET /api/probe: the columns and first rows of a data file, read as its source node would read it.

The read runs in a child process (`isolation.run_isolated`): a file that makes a native reader
abort or exhaust memory fails its probe with a 422 and the editor keeps serving.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from adapters.paths import resolve_data_path
from dataops.editor.api_upload import source_module_for
from dataops.editor.context import EditorContext, context
from dataops.editor.http import ApiError, read_query, reply
from dataops.editor.isolation import WorkerFailed, run_isolated
from dataops.editor.models import Column, ProbeQuery, ProbeResult
from dataops.editor.openapi import Endpoint
from dataops.editor.probe_child import read_head
from dataops.editor.settings import PROBE_MEMORY, PROBE_SECONDS, PROBE_WORKERS
from dataops.errors import DataOpsError, RegistryError
from dataops.spec import validate_params
from module_library.registry import get_module

_PROBES = threading.BoundedSemaphore(PROBE_WORKERS)


def probe_file(ctx: EditorContext, query: ProbeQuery) -> ProbeResult:
    """Read the file through the adapter registry with the source module's params; keep the head."""
    path = Path(query.path)
    with ctx.registry_lock:
        name = query.module or source_module_for(path)
        if name is None:
            raise ApiError(400, f"no source module reads '{path.suffix or path.name}' files")
        try:
            spec = get_module(name)
        except RegistryError as exc:
            raise ApiError(400, exc.message) from None
    if spec.kind != "source":
        raise ApiError(400, f"'{spec.name}' is a {spec.kind}, not a source module")
    raw = {**_params(query.params), "path": query.path}
    params, problems = validate_params("probe", "probe", spec.name, spec.params, raw)
    if problems or params is None:
        raise ApiError(400, "; ".join(f"{p.where.field}: {p.message}" for p in problems))
    root = ctx.settings.data_root_resolved
    _check_path(query.path, root)
    arguments = (spec.name, raw, root, ctx.settings.plugins, query.rows)
    with _PROBES:
        try:
            head = run_isolated(read_head, *arguments, seconds=PROBE_SECONDS, memory=PROBE_MEMORY)
        except WorkerFailed as exc:
            raise ApiError(
                422,
                f"cannot read '{query.path}': the reader {exc.reason} (a probe may use {PROBE_MEMORY / 2**30:g} GiB "
                f"and {PROBE_SECONDS:g} seconds); check that it is the file you meant, or open it and save it again",
            ) from None
    if isinstance(head, str):
        raise ApiError(422, head)
    columns, rows = head
    return ProbeResult(
        path=query.path, module=spec.name, columns=[Column(name=n, type=t) for n, t in columns], rows=rows
    )


def _check_path(path: str, root: Path) -> None:
    """Refuse, before any child starts, a path outside the data root or one the system cannot use."""
    try:
        resolve_data_path(path, root).exists()  # exists() raises for a name longer than the system allows
    except DataOpsError as exc:
        raise ApiError(422, f"path: {exc.message}") from None
    except ValueError:
        raise ApiError(422, f"path: {_shown(path)} contains a NUL character; use the file's real name") from None
    except OSError as exc:
        raise ApiError(422, f"path: {_shown(path)} cannot be used: {exc.strerror}") from None


def _shown(path: str) -> str:
    return repr(path) if len(path) <= 80 else f"{path[:60]!r}... ({len(path):,} characters)"


def _params(text: str | None) -> dict:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ApiError(400, "'params' must be the source node's params as a JSON object") from None
    if not isinstance(value, dict):
        raise ApiError(400, "'params' must be a JSON object")
    return value


async def probe(request: Request) -> Response:
    query = read_query(request, ProbeQuery)
    return reply(await run_in_threadpool(probe_file, context(request), query))


ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/probe",
        probe,
        "Columns and first rows of a data file (for column pickers)",
        ProbeResult,
        query=ProbeQuery,
        errors=(422,),
        tag="data",
    ),
]
