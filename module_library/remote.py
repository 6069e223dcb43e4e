"""Remote modules, client side: a module served by another process, in any language, over HTTP.

A remote module is a `ModuleSpec` like any other (same palette entry, forms, validation); its
function sends the params and the input tables to the service and returns the tables it answers.
Tables travel as Arrow IPC streams in one framed body (docs/remote-modules.md has the protocol):

    uint32 big-endian N | N bytes of JSON header | table bytes, one after the other

The header says the params (in a call) and, per table, its port and byte length. Errors come
back as JSON `{"error": {"message": ..., "field": ...}}` with an HTTP error status. Only the
standard library and pyarrow here: no Dagster, no web framework.
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from dataops.errors import ModuleError, Where
from module_library.calling import ModuleResult
from module_library.module_spec import ModuleSpec
from module_library.ports import Port

PROTOCOL = 1
CONTENT_TYPE = "application/vnd.dataops.frames"
CONNECT_TIMEOUT = 5.0
DEFAULT_TIMEOUT = 600.0  # seconds a call may take unless the service declares `timeout_seconds`
_LENGTH = struct.Struct(">I")


@dataclass(frozen=True)
class Target:
    """Where and how to call a registered, available remote module at this moment."""

    url: str
    token: str
    version: str
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class Description:
    """What a service says about itself (`GET {url}/describe`), checked once here."""

    name: str
    category: str
    description: str
    inputs: tuple[Port, ...]
    outputs: tuple[str, ...]
    params_schema: dict[str, Any]
    version: str
    reads: dict[str, list[str]] | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def parse(cls, data: Any) -> Description:
        """A description from its JSON; a `ValueError` says what is missing or wrong."""
        if not isinstance(data, Mapping):
            raise ValueError("the description must be a JSON object")
        missing = [k for k in ("name", "version", "outputs") if not data.get(k)]
        if missing:
            raise ValueError(f"the description lacks {', '.join(missing)}")
        inputs = []
        for item in data.get("inputs", [{"name": "data"}]):
            item = {"name": item} if isinstance(item, str) else item
            inputs.append(Port(str(item["name"]), bool(item.get("many", False)), bool(item.get("optional", False))))
        schema = data.get("params_schema") or {"type": "object", "properties": {}}
        if not isinstance(schema, Mapping) or not isinstance(schema.get("properties", {}), Mapping):
            raise ValueError("params_schema must be a JSON Schema object with 'properties'")
        reads = data.get("reads")
        return cls(
            name=str(data["name"]),
            category=str(data.get("category") or "remote"),
            description=str(data.get("description") or ""),
            inputs=tuple(inputs),
            outputs=tuple(str(o) for o in data["outputs"]),
            params_schema=dict(schema),
            version=str(data["version"]),
            reads={str(k): [str(c) for c in v] for k, v in reads.items()} if isinstance(reads, Mapping) else None,
            timeout_seconds=float(data.get("timeout_seconds") or DEFAULT_TIMEOUT),
            raw=dict(data),
        )


def encode_frames(header: Mapping[str, Any], tables: Iterable[tuple[str, pa.Table]]) -> list[bytes | pa.Buffer]:
    """The framed body: the header (with each table's port and length added) and the IPC streams."""
    streams = [(port, _ipc_stream(table)) for port, table in tables]
    head = json.dumps({**header, "tables": [{"port": p, "length": s.size} for p, s in streams]}).encode()
    return [_LENGTH.pack(len(head)), head, *(s for _, s in streams)]


def decode_frames(body: bytes | pa.Buffer) -> tuple[dict[str, Any], list[tuple[str, pa.Table]]]:
    """Header and (port, table) pairs of a framed body; `ValueError` names what is malformed."""
    buffer = body if isinstance(body, pa.Buffer) else pa.py_buffer(body)
    if buffer.size < _LENGTH.size:
        raise ValueError("the body is shorter than its 4-byte header length")
    (length,) = _LENGTH.unpack(buffer[: _LENGTH.size].to_pybytes())
    start = _LENGTH.size + length
    try:
        header = json.loads(buffer[_LENGTH.size : start].to_pybytes())
        entries = [(str(t["port"]), int(t["length"])) for t in header.get("tables", [])]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"the JSON header is malformed: {exc}") from None
    tables = []
    for port, size in entries:
        if start + size > buffer.size:
            raise ValueError(f"the stream for '{port}' is cut short ({buffer.size - start} of {size} bytes)")
        try:
            tables.append((port, pa.ipc.open_stream(buffer.slice(start, size)).read_all()))
        except (pa.ArrowInvalid, OSError) as exc:
            raise ValueError(f"the Arrow IPC stream for '{port}' is malformed: {exc}") from None
        start += size
    return header, tables


def error_body(message: str, field: str | None = None) -> bytes:
    """A structured error as services send it."""
    return json.dumps({"error": {"message": message, "field": field}}).encode()


def fetch_description(url: str, timeout: float = CONNECT_TIMEOUT) -> Description:
    """`GET {url}/describe`; a `ModuleError` says why it failed."""
    status, _, body = _request("GET", url, "/describe", None, {}, timeout)
    if status != 200:
        raise ModuleError(f"remote service at {url} answered HTTP {status} to /describe: {_error_text(body)}")
    try:
        return Description.parse(json.loads(body))
    except ValueError as exc:
        raise ModuleError(f"remote service at {url} described itself wrongly: {exc}") from None


def call(
    name: str,
    target: Target,
    params: Mapping[str, Any],
    inputs: Mapping[str, Any],
    outputs: tuple[str, ...],
) -> dict[str, pa.Table]:
    """Send params and input tables to the service; its output tables, one per port of `outputs`."""
    tables: list[tuple[str, pa.Table]] = []
    for port, value in inputs.items():
        for table in value if isinstance(value, list) else [value]:
            if table is not None:
                tables.append((port, table))
    body = encode_frames({"protocol": PROTOCOL, "module": name, "params": dict(params)}, tables)
    headers = {"Authorization": f"Bearer {target.token}", "Content-Type": CONTENT_TYPE}
    where = f"remote module '{name}' (version {target.version} at {target.url})"
    try:
        status, _, answer = _request("POST", target.url, "/call", body, headers, target.timeout)
    except TimeoutError:
        raise ModuleError(f"{where} did not answer within {target.timeout:g} s; the call was abandoned") from None
    except (http.client.HTTPException, ConnectionError) as exc:
        raise ModuleError(
            f"{where} stopped answering mid-call ({type(exc).__name__}: {exc}); its service may have crashed, see its log"
        ) from None
    if status != 200:
        message, field_name = _error(answer)
        raise ModuleError(f"{where} failed: {message}", Where(field=field_name))
    try:
        _, returned = decode_frames(answer)
    except ValueError as exc:
        raise ModuleError(f"{where} answered with a malformed stream: {exc}") from None
    got = dict(returned)
    missing = [o for o in outputs if o not in got]
    if missing:
        raise ModuleError(f"{where} answered without the output(s) {missing}; it sent {sorted(got)}")
    return {o: got[o] for o in outputs}


def params_model(name: str, schema: Mapping[str, Any], unavailable: str | None = None) -> type[BaseModel]:
    """A params model from a service's JSON Schema: one typed field per top-level property.

    Its `model_json_schema` is the service's own schema (the editor's form is the service's). With
    `unavailable`, validating any params fails with that message, so validation names the node.
    """
    required = set(schema.get("required", []))
    fields: dict[str, Any] = {}
    for key, prop in schema.get("properties", {}).items():
        annotation = _annotation(prop if isinstance(prop, Mapping) else {})
        info = Field(description=prop.get("description")) if isinstance(prop, Mapping) else Field()
        if key in required:
            fields[key] = (annotation, info)
        else:
            default = prop.get("default") if isinstance(prop, Mapping) else None
            fields[key] = (annotation | None, Field(default, description=info.description))
    own_schema = dict(schema)

    class RemoteParams(BaseModel):
        model_config = ConfigDict(extra="forbid")

        @model_validator(mode="before")
        @classmethod
        def _available(cls, data: Any) -> Any:
            if unavailable:
                raise ValueError(unavailable)
            return data

        @classmethod
        def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
            return own_schema

    safe = "".join(c if c.isalnum() else "_" for c in name)
    return create_model(f"{safe}_params", __base__=RemoteParams, **fields)


def remote_spec(
    description: Description,
    url: str,
    resolve: Callable[[str], Target],
    unavailable: str | None = None,
    origin: str = "",
) -> ModuleSpec:
    """The `ModuleSpec` of a registered service; `resolve(name)` gives the target at call time
    (or raises the `ModuleError` saying why the module cannot be called now)."""
    name, outputs = description.name, description.outputs
    model = params_model(name, description.params_schema, unavailable)

    def run(params: BaseModel, **inputs: Any) -> ModuleResult:
        target = resolve(name)
        tables = call(name, target, params.model_dump(mode="json", exclude_none=True), inputs, outputs)
        returned = tables[outputs[0]] if len(outputs) == 1 else tables  # one output: the table itself
        return ModuleResult(returned, {"remote module": f"`{name}` version `{target.version}` at {target.url}"})

    reads = description.reads
    status = "unavailable" if unavailable else "available"
    shown = f"[unavailable] {description.description}" if unavailable else description.description
    return ModuleSpec(
        name=name,
        category=description.category,
        description=shown,
        params=model,
        inputs=description.inputs,
        outputs=outputs,
        fn=run,
        reads=(lambda _p: reads) if reads is not None else None,
        origin=origin or f"remote service {url}",
        tags={"remote": url, "version": description.version, "status": status},
        engine="arrow",
    )


def _annotation(prop: Mapping[str, Any]) -> Any:
    if "enum" in prop and all(isinstance(v, str) for v in prop["enum"]):
        return Literal[tuple(prop["enum"])]
    kind = prop.get("type")
    simple = {"string": str, "integer": int, "number": float, "boolean": bool, "object": dict[str, Any]}
    if kind == "array":
        return list[_annotation(prop.get("items", {}))] if prop.get("items") else list[Any]  # type: ignore[misc]
    return simple.get(kind, Any) if isinstance(kind, str) else Any


def _ipc_stream(table: pa.Table) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _request(
    method: str, url: str, path: str, body: list[bytes | pa.Buffer] | None, headers: Mapping[str, str], timeout: float
) -> tuple[int, str, bytes]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ModuleError(f"remote module URL {url!r} must be http:// or https:// with a host")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname, parts.port, timeout=CONNECT_TIMEOUT)
    try:
        try:
            connection.connect()
        except OSError as exc:
            raise ModuleError(f"cannot reach the remote service at {url}: {exc}") from None
        assert connection.sock is not None
        connection.sock.settimeout(timeout)
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        size = sum(len(b) if isinstance(b, bytes) else b.size for b in body) if body is not None else None
        connection.putrequest(method, parts.path.rstrip("/") + path)
        for key, value in {**headers, **({"Content-Length": str(size)} if size is not None else {})}.items():
            connection.putheader(key, value)
        connection.endheaders()
        for piece in body or []:
            connection.sock.sendall(piece if isinstance(piece, bytes) else memoryview(piece))
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def _error(body: bytes) -> tuple[str, str | None]:
    try:
        error = json.loads(body)["error"]
        return str(error["message"]), (str(error["field"]) if error.get("field") else None)
    except (ValueError, KeyError, TypeError):
        return _error_text(body), None


def _error_text(body: bytes) -> str:
    return body[:300].decode("utf-8", "replace").strip() or "(empty answer)"
