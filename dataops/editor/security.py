"""Guards in front of the API: token, same-origin writes and body size limits.

The editor writes files and launches runs, so a page on another site must not be able to
make the browser do that (a cross-site form POST or fetch): every write needs an Origin or
Referer matching the Host. Off loopback, every API request also needs the shared token.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dataops.editor.http import ApiError, error_response
from dataops.editor.settings import MAX_JSON_BODY

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})
TOKEN_HEADER = "x-dataops-token"
UPLOAD_PATH = "/api/upload"
# Readable without the token: the page needs them to know that it must ask for one.
OPEN_PATHS = frozenset({"/api/config", "/api/openapi.json"})


class GuardMiddleware:
    """ASGI middleware applying the token, same-origin and size rules to `/api/` requests."""

    def __init__(self, app: ASGIApp, *, token: str | None, max_upload: int) -> None:
        self.app = app
        self.token = token
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await error_response(*refusal)(scope, receive, send)
            return
        upload = scope["path"] == UPLOAD_PATH
        limit = self.max_upload if upload else MAX_JSON_BODY
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await error_response(413, _too_large(int(declared), limit, upload))(scope, receive, send)
            return
        await self.app(scope, _limited(receive, limit, upload), send)

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        if self.token and scope["path"] not in OPEN_PATHS:
            given = headers.get(TOKEN_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return 401, "missing or wrong X-DataOps-Token (the editor's DATAOPS_EDITOR_TOKEN)"
        if scope["method"] in WRITE_METHODS and not same_origin(headers):
            return 403, "cross-origin write refused: the Origin or Referer header must match the Host"
        return None


def same_origin(headers: Headers) -> bool:
    """True when the request's Origin (or, lacking it, Referer) names the host it was sent to."""
    host = headers.get("host", "").lower()
    origin = headers.get("origin") or headers.get("referer") or ""
    if not host or origin in ("", "null"):
        return False
    try:
        return urlsplit(origin).netloc.lower() == host
    except ValueError:
        return False


def _limited(receive: Receive, limit: int, upload: bool) -> Receive:
    """`receive` that refuses a streamed body once it passes `limit` bytes."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise ApiError(413, _too_large(seen, limit, upload))
        return message

    return wrapped


def _too_large(size: int, limit: int, upload: bool) -> str:
    mib = f"{limit / 1024 / 1024:g} MiB"
    if upload:
        return f"the file is larger than the upload limit of {mib} (DATAOPS_EDITOR_MAX_UPLOAD_MB); it was refused"
    return f"the request body is over {mib} ({size:,} bytes or more); it was refused"
