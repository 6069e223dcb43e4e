"""/api/flowcharts: list, open, save (atomic, then reload Dagster; a YAML file stays YAML with its comments)
and delete flowchart files. A save that names the version it started from (`base`) is refused with the
disk's version when the file was edited on disk meanwhile, so neither edit is lost silently."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from ruamel.yaml.error import YAMLError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dataops import history
from dataops.editor import store
from dataops.editor.api_reload import reload_code_location
from dataops.editor.api_validate import ANY_JSON_BODY, validate_document
from dataops.editor.context import EditorContext, context
from dataops.editor.http import ApiError, read_json, read_query, reply
from dataops.editor.layout import with_positions
from dataops.editor.models import (
    DeleteResult,
    FlowchartDocument,
    FlowchartList,
    FlowchartSummary,
    FlowchartVersion,
    SaveConflict,
    SaveQuery,
    SaveResult,
)
from dataops.editor.openapi import Endpoint
from dataops.editor.yaml_roundtrip import merged_yaml
from dataops.spec.loader import MAX_BYTES
from dataops.spec.models import IDENTIFIER

NAME_PARAM = {"name": {"type": "string", "pattern": IDENTIFIER, "maxLength": 200}}


def flowchart_name(request: Request) -> str:
    name = request.path_params["name"]
    if len(name) > 200 or not re.match(IDENTIFIER, name):
        raise ApiError(
            400, f"{name[:80]!r} is not a valid flowchart name: use letters, digits and _, not starting with a digit"
        )
    return name


def list_flowcharts(ctx: EditorContext) -> FlowchartList:
    folder = ctx.settings.flowcharts
    summaries = [
        FlowchartSummary(name=f.name, file=f.path.name, format=f.format, description=f.description, error=f.error)
        for f in store.scan(folder)
    ]
    return FlowchartList(folder=str(folder), flowcharts=summaries)


def open_flowchart(ctx: EditorContext, name: str) -> FlowchartDocument:
    found = store.find(ctx.settings.flowcharts, name)
    if not found:
        raise ApiError(404, f"no flowchart named '{name}' in {ctx.settings.flowcharts}")
    stored = found[0]
    if stored.document is None:
        raise ApiError(422, f"{stored.path.name} cannot be opened: {stored.error}")
    problems = validate_document(ctx, stored.document)
    return FlowchartDocument(
        name=name,
        file=stored.path.name,
        document=with_positions(stored.document),
        problems=problems,
        version=store.version_of(stored.text),
    )


def flowchart_version(ctx: EditorContext, name: str) -> FlowchartVersion:
    """The version token alone, cheap enough for a page to ask every few seconds."""
    current = store.current_version(ctx.settings.flowcharts, name)
    if current is None:
        return FlowchartVersion(name=name, file=None, version=None)
    path, version = current
    return FlowchartVersion(name=name, file=path.name, version=version)


# Checking `base` and the write it allows happen together: two pages saving one flowchart at once
# cannot both pass the check.
_writing = threading.Lock()


def save_flowchart(ctx: EditorContext, name: str, document: Any, query: SaveQuery) -> SaveResult | SaveConflict:
    if not isinstance(document, dict):
        raise ApiError(400, "the body must be a flowchart document (a JSON object with name, nodes and edges)")
    if document.get("name") != name:
        raise ApiError(400, f"the document's name {document.get('name')!r} differs from '{name}' in the URL")
    folder = ctx.settings.flowcharts
    with _writing:
        found = store.find(folder, name)
        if query.base is not None and not query.force:
            conflict = _conflict(name, found, query.base, document)
            if conflict is not None:
                return conflict
        if len(found) == 1 and found[0].format == "yaml" and found[0].document is not None:
            path, text = _write_yaml(found[0], document)
            replaced: list[str] = []
        else:
            path, text, replaced = _write_json(folder, name, document, query.replace)
    return SaveResult(
        name=name,
        file=path.name,
        version=store.version_of(text),
        replaced=replaced,
        problems=validate_document(ctx, document),
        reload=reload_code_location(ctx),
    )


def _conflict(name: str, found: list[store.StoredFlowchart], base: str, mine: dict[str, Any]) -> SaveConflict | None:
    """None when the file on disk is still version `base` (`new`: there is none); else what is there now,
    with what each side changed from the opened version (found in the history by its token)."""
    disk = found[0] if found else None
    if base == "new":
        if disk is None:
            return None
        why = f"'{name}' already exists on disk as {disk.path.name}"
    elif disk is None:
        why = f"'{name}' was deleted on disk since it was opened"
    elif disk.version == base:
        return None
    else:
        why = f"'{name}' ({disk.path.name}) was changed on disk since it was opened"
    if disk is None:
        theirs, opened, disk_changes = None, None, ["- the flowchart's file (deleted on disk)"]
    else:
        theirs = with_positions(disk.document) if disk.document is not None else None
        opened = _opened(disk.path, base) if base != "new" else None
        disk_changes = history.changes(opened if opened is not None else mine, theirs)
    return SaveConflict(
        error=f"{why}; nothing was saved: keep yours (save again with force=true; the file's text on disk stays "
        "in its history) or take the disk's (open it again)",
        name=name,
        file=disk.path.name if disk is not None else None,
        version=disk.version if disk is not None else None,
        document=theirs,
        disk_changes=disk_changes,
        your_changes=history.changes(opened, mine) if opened is not None else [],
        base_known=opened is not None,
    )


def _opened(path: Path, base: str) -> dict[str, Any] | None:
    """The document of `path`'s history version whose token is `base`, laid out as the page got it."""
    for version in history.versions(path):
        try:
            text = version.text().removeprefix("\ufeff")
        except (OSError, UnicodeDecodeError):
            continue
        if store.version_of(text) == base:
            document = version.document()
            return with_positions(document) if document is not None else None
    return None


def _write_json(folder: Path, name: str, document: dict[str, Any], replace: bool) -> tuple[Path, str, list[str]]:
    """As `<name>.json`, replacing the flowchart's other files only when asked."""
    target = f"{name}.json"
    text = store.to_json(document)
    size = len(text.encode())
    if size > MAX_BYTES:
        raise ApiError(
            413,
            f"'{name}' would be {size:,} bytes as {target}; flowcharts are limited to {MAX_BYTES:,} bytes (the limit "
            "for opening, validating and running them), so nothing was saved; split it into smaller flowcharts",
        )
    others = [f for f in store.scan(folder) if (f.name == name) != (f.path.name == target)]
    if others and not replace:
        files = ", ".join(f.path.name for f in others)
        raise ApiError(
            409,
            f"saving '{name}' as {target} clashes with {files} (same flowchart name or file); save under another "
            "name, or replace (a YAML file's comments are lost)",
        )
    path = store.write_json(folder, name, text)
    for other in others:
        if other.path != path:
            store.remove(other.path)
    return path, text, [o.path.name for o in others if o.path != path]


def _write_yaml(stored: store.StoredFlowchart, document: dict[str, Any]) -> tuple[Path, str]:
    """Into the YAML file it came from (its text as checked), keeping its comments, key order and layout."""
    try:
        text = merged_yaml(stored.text, document)
    except YAMLError as exc:
        raise ApiError(409, f"{stored.path.name} cannot be updated ({exc}); nothing was saved") from None
    size = len(text.encode())
    if size > MAX_BYTES:
        raise ApiError(
            413,
            f"'{stored.name}' would be {size:,} bytes as {stored.path.name}; flowcharts are limited to "
            f"{MAX_BYTES:,} bytes, so nothing was saved; split it into smaller flowcharts",
        )
    return store.write_file(stored.path, text), text


def delete_flowchart(ctx: EditorContext, name: str) -> DeleteResult:
    found = store.find(ctx.settings.flowcharts, name)
    if not found:
        raise ApiError(404, f"no flowchart named '{name}' to delete")
    for stored in found:
        store.remove(stored.path)
    return DeleteResult(name=name, deleted=[f.path.name for f in found], reload=reload_code_location(ctx))


async def get_list(request: Request) -> Response:
    return reply(await run_in_threadpool(list_flowcharts, context(request)))


async def get_one(request: Request) -> Response:
    return reply(await run_in_threadpool(open_flowchart, context(request), flowchart_name(request)))


async def get_version(request: Request) -> Response:
    return reply(await run_in_threadpool(flowchart_version, context(request), flowchart_name(request)))


async def put_one(request: Request) -> Response:
    name = flowchart_name(request)
    query = read_query(request, SaveQuery)
    document = await read_json(request)
    result = await run_in_threadpool(save_flowchart, context(request), name, document, query)
    return reply(result, 409 if isinstance(result, SaveConflict) else 200)


async def delete_one(request: Request) -> Response:
    return reply(await run_in_threadpool(delete_flowchart, context(request), flowchart_name(request)))


ENDPOINTS = [
    Endpoint("GET", "/api/flowcharts", get_list, "The flowchart files", FlowchartList, tag="flowcharts"),
    Endpoint(
        "GET",
        "/api/flowcharts/{name}",
        get_one,
        "Open a flowchart (YAML or JSON); nodes without positions are laid out; `version` is the file's token",
        FlowchartDocument,
        path_params=NAME_PARAM,
        errors=(404, 422),
        tag="flowcharts",
    ),
    Endpoint(
        "GET",
        "/api/flowcharts/{name}/version",
        get_version,
        "The version token of the flowchart's file alone (cheap: for noticing an edit on disk while it is open)",
        FlowchartVersion,
        path_params=NAME_PARAM,
        tag="flowcharts",
    ),
    Endpoint(
        "PUT",
        "/api/flowcharts/{name}",
        put_one,
        "Save into its YAML file or as <name>.json (atomic), then reload the Dagster code location; with `base`, "
        "409 (a SaveConflict body) when the file changed on disk since that version",
        SaveResult,
        body=ANY_JSON_BODY,
        query=SaveQuery,
        path_params=NAME_PARAM,
        errors=(409, 413),
        tag="flowcharts",
    ),
    Endpoint(
        "DELETE",
        "/api/flowcharts/{name}",
        delete_one,
        "Delete a flowchart's file(s), then reload the Dagster code location",
        DeleteResult,
        path_params=NAME_PARAM,
        errors=(404,),
        tag="flowcharts",
    ),
]
