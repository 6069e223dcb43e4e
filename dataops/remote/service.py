"""A Python module served as a remote one: the HTTP side of `dataops serve-module`.

Each module of the loaded file is served under `/<name>` (`GET /<name>/describe`,
`POST /<name>/call`) and registered, then renewed every `interval` seconds, with the DataOps
editor at `register`. The service sees only the tables it is sent, never the data root.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pyarrow as pa
from pydantic import ValidationError

from dataops.errors import DataOpsError
from module_library.module_spec import ModuleSpec
from module_library.remote import CONTENT_TYPE, PROTOCOL, decode_frames, encode_frames, error_body

log = logging.getLogger("dataops.remote.service")


def describe(spec: ModuleSpec, version: str) -> dict[str, Any]:
    """The protocol's description of a local module."""
    described = spec.describe()
    return {
        "protocol": PROTOCOL,
        "name": spec.name,
        "category": spec.category,
        "description": spec.description,
        "inputs": described["inputs"],
        "outputs": described["outputs"],
        "params_schema": described["params_schema"],
        "version": version,
    }


def call_module(spec: ModuleSpec, body: bytes) -> tuple[int, bytes | list[Any]]:
    """Run `spec` on a framed call; (status, framed answer or structured error body)."""
    try:
        header, tables = decode_frames(body)
    except ValueError as exc:
        return 400, error_body(f"malformed call: {exc}")
    grouped: dict[str, list[pa.Table]] = defaultdict(list)
    for name, table in tables:
        grouped[name].append(table)
    inputs: dict[str, Any] = {}
    for port in spec.inputs:
        given = grouped.get(port.name, [])
        if port.many:
            inputs[port.name] = given
        elif given:
            inputs[port.name] = given[0]
        elif port.optional:
            inputs[port.name] = None
        else:
            return 400, error_body(f"input '{port.name}' was not sent", port.name)
    try:
        params = spec.params.model_validate(header.get("params") or {})
        outputs, metadata = spec.run_with_metadata(inputs, params)
    except ValidationError as exc:
        first = exc.errors()[0]
        return 422, error_body(first["msg"], ".".join(str(p) for p in first["loc"]) or None)
    except DataOpsError as exc:
        return 422, error_body(exc.message, exc.where.field)
    except Exception as exc:  # the module's own bug: its message, not a traceback, crosses the wire
        log.exception("module %s failed", spec.name)
        return 500, error_body(f"{type(exc).__name__}: {exc}")
    return 200, encode_frames({"protocol": PROTOCOL, "metadata": dict(metadata)}, outputs.items())


def make_server(
    specs: Mapping[str, ModuleSpec], version: str, token: str, host: str = "127.0.0.1", port: int = 0
) -> ThreadingHTTPServer:
    """An HTTP server for `specs` (not started); calls must carry `token`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _spec(self, action: str) -> ModuleSpec | None:
            name, _, rest = self.path.strip("/").partition("/")
            spec = specs.get(name) if rest == action else None
            if spec is None:
                self._send(404, error_body(f"no {action} at {self.path}; modules here: {sorted(specs)}"))
            return spec

        def do_GET(self) -> None:
            spec = self._spec("describe")
            if spec is not None:
                self._send(200, json.dumps(describe(spec, version)).encode(), "application/json")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            spec = self._spec("call")
            if spec is None:
                return
            if self.headers.get("Authorization", "") != f"Bearer {token}":
                self._send(
                    401,
                    error_body(
                        "missing or wrong token: only the DataOps instance this service registered with may call it"
                    ),
                )
                return
            status, answer = call_module(spec, body)
            self._send(status, answer, CONTENT_TYPE if status == 200 else "application/json")

        def _send(self, status: int, body: bytes | list[Any], content_type: str = "application/json") -> None:
            pieces = [body] if isinstance(body, bytes) else body
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(sum(len(p) if isinstance(p, bytes) else p.size for p in pieces)))
            self.end_headers()
            for piece in pieces:
                self.wfile.write(piece if isinstance(piece, bytes) else memoryview(piece))

        def log_message(self, format: str, *args: Any) -> None:
            log.debug(format, *args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def post_json(url: str, token: str, body: Mapping[str, Any], timeout: float = 5.0) -> dict[str, Any]:
    """POST `body` to the editor with the service's token; the JSON answer. Raises `OSError` on failure."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return dict(json.loads(response.read()))
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")
        raise OSError(f"{url} answered HTTP {exc.code}: {detail}") from None


def heartbeat(
    register: str, token: str, registrations: list[dict[str, Any]], interval: float, stop: threading.Event
) -> None:
    """Register every module, then renew every `interval` s until `stop`; then unregister them."""
    base = register.rstrip("/")
    while not stop.is_set():
        started = time.monotonic()
        for registration in registrations:
            try:
                post_json(f"{base}/api/remote/register", token, registration)
            except OSError as exc:
                print(f"dataops serve-module: registering {registration['module']['name']}: {exc}", file=sys.stderr)
        stop.wait(max(0.0, interval - (time.monotonic() - started)))  # a fixed rate, however slow the editor
    for registration in registrations:
        try:
            post_json(f"{base}/api/remote/unregister", token, {"name": registration["module"]["name"]}, timeout=2)
        except OSError:
            pass  # the heartbeat lapses on its own
