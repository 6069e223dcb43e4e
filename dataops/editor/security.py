"""Guards in front of the editor: allowed Host names, token, same-origin requests and body size limits.

The editor writes files, launches runs and reads data, so a page on another site must not be
able to make the browser do that. A cross-site request is refused by its Origin (every write
needs an Origin or Referer matching the Host); a DNS-rebinding page, whose own name points at
127.0.0.1, sends a matching Origin but its own name as Host, so every request's Host must be one
of the editor's addresses. Off loopback, every API request also needs the shared token.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dataops.editor.http import ApiError, error_response
from dataops.editor.settings import MAX_JSON_BODY, is_loopback
from dataops.errors import DataOpsError
from dataops.settings import Settings

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})
TOKEN_HEADER = "x-dataops-token"
HOSTS_SETTING = "DATAOPS_EDITOR_ALLOWED_HOSTS"
UPLOAD_PATH = "/api/upload"
# Readable without the token: the page needs them to know that it must ask for one.
OPEN_PATHS = frozenset({"/api/config", "/api/openapi.json"})
# Remote module services register with their own token (`dataops.editor.api_remote`).
REMOTE_PATHS = frozenset({"/api/remote/register", "/api/remote/unregister"})
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
_ANY_INTERFACE = frozenset({"0.0.0.0", "::", ""})
_HOST = re.compile(r"^(?:\[(?P<v6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9_.-]+))(?::(?P<port>\d{1,5}))?$", re.IGNORECASE)


@dataclass(frozen=True)
class AllowedHosts:
    """The Host header values the editor answers: its own names on its own port, plus configured names.

    `port` 0 (the editor was started on a free port) stands for the port the request arrived on.
    A configured name without a port matches any port (a reverse proxy on 443, say).
    """

    own: tuple[str, ...]
    port: int
    extra: tuple[tuple[str, int | None], ...] = ()

    def allows(self, host: str, arrived_on: int | None) -> bool:
        parsed = split_host(host)
        if parsed is None:
            return False
        name, port = parsed
        if name in self.own and port == (self.port or arrived_on):
            return True
        return any(name == allowed and allowed_port in (None, port) for allowed, allowed_port in self.extra)

    def shown(self) -> str:
        own = [f"{_bracketed(name)}:{self.port or '<port>'}" for name in self.own]
        extra = [_bracketed(name) + ("" if port is None else f":{port}") for name, port in self.extra]
        return ", ".join(own + extra) or "none"


def allowed_hosts(settings: Settings) -> AllowedHosts:
    """The editor's bind address, localhost aliases when it listens on loopback, and the configured names."""
    bound = settings.editor_host.strip("[]").lower()
    local = is_loopback(bound) or bound in _ANY_INTERFACE
    own = tuple(dict.fromkeys(name for name in (bound, *(LOOPBACK_NAMES if local else ())) if name not in _ANY_INTERFACE))
    extra = []
    for entry in settings.editor_allowed_hosts:
        parsed = split_host(entry, default_port=None)
        if parsed is None:
            raise DataOpsError(
                f"{HOSTS_SETTING}: {entry!r} is not a host name or host:port "
                "(e.g. editor.example.com or editor.example.com:8443, comma-separated)"
            )
        extra.append(parsed)
    return AllowedHosts(own, settings.editor_port, tuple(extra))


def split_host(value: str, default_port: int | None = 80) -> tuple[str, int | None] | None:
    """(lower-case name without brackets, port) of a Host header value; None when it is not one."""
    match = _HOST.match(value.strip())
    if match is None:
        return None
    port = int(match["port"]) if match["port"] else default_port
    if port is not None and not 0 < port < 65536:
        return None
    return (match["v6"] or match["name"]).lower(), port


def _bracketed(name: str) -> str:
    return f"[{name}]" if ":" in name else name


class GuardMiddleware:
    """ASGI middleware: the Host rule on every request; token, same-origin and size rules on `/api/`."""

    def __init__(self, app: ASGIApp, *, hosts: AllowedHosts, token: str | None, max_upload: int) -> None:
        self.app = app
        self.hosts = hosts
        self.token = token
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await error_response(*refusal)(scope, receive, send)
            return
        if not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        upload = scope["path"] == UPLOAD_PATH
        limit = self.max_upload if upload else MAX_JSON_BODY
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await error_response(413, _too_large(int(declared), limit, upload))(scope, receive, send)
            return
        await self.app(scope, _limited(receive, limit, upload), send)

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        host = headers.get("host", "")
        server = scope.get("server") or (None, None)
        if not self.hosts.allows(host, server[1]):
            return 403, (
                f"request refused: Host {host[:100]!r} is not an address of this editor ({self.hosts.shown()}); "
                f"to serve it under that name, add the name to {HOSTS_SETTING} (this check stops DNS-rebinding pages)"
            )
        if not scope["path"].startswith("/api/"):
            return None
        if scope["path"] in REMOTE_PATHS:
            return None  # services, not browsers: the handler checks their operator-issued token
        if self.token and scope["path"] not in OPEN_PATHS:
            given = headers.get(TOKEN_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return 401, "missing or wrong X-DataOps-Token (the editor's DATAOPS_EDITOR_TOKEN)"
        if scope["method"] in WRITE_METHODS and not same_origin(headers):
            return 403, "cross-origin write refused: the Origin or Referer header must match the Host"
        if "origin" in headers and not same_origin(headers):
            return 403, (
                f"cross-origin request refused: Origin {headers['origin'][:100]!r} does not match the Host "
                f"{host[:100]!r}; only the editor's own page may call its API"
            )
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
