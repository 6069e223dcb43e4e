"""Remote module services register here and renew by heartbeat (docs/remote-modules.md).

POST /api/remote/register  (Authorization: Bearer <a token from DATAOPS_REMOTE_TOKENS>)
POST /api/remote/unregister (the same token)
GET  /api/remote            every registration and whether it is available

The guard lets the two POSTs through without the editor's own token and Origin (services are not
browsers); the operator's token is what authenticates them. The registrations are stored in the
Dagster instance (`dataops.remote.store`), so Dagster's processes see them too; a new module or
version reloads Dagster's code location in the background, so its flowcharts compile.
"""

from __future__ import annotations

import hmac
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dataops.editor.context import EditorContext, context
from dataops.editor.http import ApiError, parse_model, read_json, reply
from dataops.editor.openapi import Endpoint
from dataops.hotplug import reload_dagster
from dataops.outbound import host_problem
from dataops.remote import store
from dataops.remote.source import is_remote
from module_library.registry import MODULES
from module_library.remote import Description

MIN_INTERVAL, MAX_INTERVAL = 0.2, 3600.0


class Registering(BaseModel):
    url: str = Field(description="Base URL of the service; DataOps calls {url}/call.", max_length=2000)
    interval_seconds: float = Field(store.DEFAULT_INTERVAL, ge=MIN_INTERVAL, le=MAX_INTERVAL)
    module: dict[str, Any] = Field(description="The service's description, as GET {url}/describe answers.")


class Unregistering(BaseModel):
    name: str = Field(max_length=200)


class Registered(BaseModel):
    name: str
    version: str
    lapses_after_seconds: float = Field(description="Renew (register again) before this many seconds pass.")


class RemoteModule(BaseModel):
    name: str
    url: str
    version: str
    available: bool
    reason: str | None = Field(description="Why it is unavailable.")
    last_seen: float = Field(description="Unix time of the last heartbeat.")
    interval_seconds: float


class RemoteModules(BaseModel):
    modules: list[RemoteModule]


def _token(request: Request) -> str:
    """The operator-issued token the request carries, checked; a 401 otherwise."""
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    issued = store.issued_tokens(context(request).settings)
    if not given or not any(hmac.compare_digest(given.encode(), t.encode()) for t in issued.values()):
        raise ApiError(
            401,
            "missing or unknown remote module token: send 'Authorization: Bearer <token>' with a "
            "token the operator listed in DATAOPS_REMOTE_TOKENS",
        )
    return given


def register(ctx: EditorContext, token: str, body: Registering) -> Registered:
    parts = urlsplit(body.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApiError(400, f"url {body.url!r} must be http:// or https:// with a host")
    problem = host_problem(parts.hostname, ctx.settings)
    if problem:
        raise ApiError(403, f"url refused by the outbound policy: {problem}")
    try:
        description = Description.parse(body.module)
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiError(400, f"module: {exc}") from None
    local = MODULES.get(description.name)
    if local is not None and not is_remote(local.origin, description.name):
        raise ApiError(409, f"module name '{description.name}' is taken by {local.origin}; rename the remote module")
    with store.locked():
        previous = store.load(description.name)
        if previous is not None and previous.token_id != store.token_id(token) and not previous.lapsed():
            raise ApiError(409, f"remote module '{description.name}' is registered by another service ({previous.url})")
        store.save(
            store.Registration(
                name=description.name,
                url=body.url.rstrip("/"),
                version=description.version,
                description=description.raw,
                interval=body.interval_seconds,
                last_seen=time.time(),
                token_id=store.token_id(token),
            )
        )
    if previous is None or previous.version != description.version or previous.lapsed() or previous.url != body.url:
        _reload_in_background(ctx)
    return Registered(
        name=description.name,
        version=description.version,
        lapses_after_seconds=store.LAPSE_INTERVALS * body.interval_seconds,
    )


def unregister(token: str, body: Unregistering) -> Registered:
    with store.locked():
        previous = store.load(body.name)
        if previous is None or previous.token_id != store.token_id(token):
            raise ApiError(404, f"no remote module '{body.name}' registered with this token")
        store.save(store.Registration(**{**previous.__dict__, "stopped": True}))
    return Registered(name=previous.name, version=previous.version, lapses_after_seconds=0)


def list_remote() -> RemoteModules:
    found = store.load_all() if store.has_instance() else []
    now = time.time()
    return RemoteModules(
        modules=[
            RemoteModule(
                name=r.name,
                url=r.url,
                version=r.version,
                available=r.lapsed(now) is None,
                reason=r.lapsed(now),
                last_seen=r.last_seen,
                interval_seconds=r.interval,
            )
            for r in found
        ]
    )


def _reload_in_background(ctx: EditorContext) -> None:
    """Dagster's code location compiles flowcharts once per load: reload it so they see the module."""
    threading.Thread(target=reload_dagster, args=(ctx.dagster.base_url,), name="remote-reload", daemon=True).start()


def _require_instance() -> None:
    if not store.has_instance():
        raise ApiError(503, "this editor has no Dagster instance (DAGSTER_HOME) to keep registrations in")


async def post_register(request: Request) -> Response:
    token = _token(request)
    body = parse_model(Registering, await read_json(request), "registration")
    _require_instance()
    return reply(await run_in_threadpool(register, context(request), token, body))


async def post_unregister(request: Request) -> Response:
    token = _token(request)
    body = parse_model(Unregistering, await read_json(request), "unregistration")
    _require_instance()
    return reply(await run_in_threadpool(unregister, token, body))


async def get_remote(_: Request) -> Response:
    return reply(await run_in_threadpool(list_remote))


ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/remote/register",
        post_register,
        "Register a remote module service, or renew its registration (heartbeat)",
        Registered,
        body=Registering,
        errors=(400, 401, 403, 409, 503),
        tag="remote",
    ),
    Endpoint(
        "POST",
        "/api/remote/unregister",
        post_unregister,
        "Unregister a remote module service (it stops)",
        Registered,
        body=Unregistering,
        errors=(400, 401, 404, 503),
        tag="remote",
    ),
    Endpoint(
        "GET",
        "/api/remote",
        get_remote,
        "Registered remote modules and their availability",
        RemoteModules,
        tag="remote",
    ),
]
