"""POST /api/upload: a data file into `<data root>/uploads/` (or a folder the file browser shows),
streamed, size-limited, name sanitised."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from adapters.paths import resolve_data_path
from adapters.registry import adapter_for
from dataops.editor.context import EditorContext, context
from dataops.editor.http import ApiError, read_query, reply
from dataops.editor.models import UploadQuery, UploadResult
from dataops.editor.openapi import Endpoint
from dataops.errors import DataOpsError
from dataops.files import atomic_target
from module_library.registry import MODULES

UPLOAD_FOLDER = "uploads"
MAX_NAME_BYTES = 200
_UNSAFE = set('<>:"/\\|?*')
BINARY_BODY = {
    "required": True,
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}


def safe_file_name(name: str) -> str:
    """The base name without folders, control characters or leading dots; letters of any script stay."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join("_" if ch in _UNSAFE else ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = base.strip().lstrip(".").strip()
    stem, suffix = os.path.splitext(base)
    while len(base.encode()) > MAX_NAME_BYTES and stem:
        stem = stem[:-1]
        base = stem + suffix
    if not stem:
        raise ApiError(400, f"{name[:80]!r} is not a usable file name; name the file e.g. 'sales.csv'")
    return base


def resolve_folder(relative: str, root: Path, field: str) -> Path:
    """The folder `relative` names inside the data root (confined as every path is); outside it,
    missing, or a file: a 4xx naming the query `field`."""
    shown = relative or "."
    try:
        folder = resolve_data_path(relative, root)
        exists, is_dir = folder.exists(), folder.is_dir()
    except DataOpsError as exc:
        raise ApiError(400, f"{field}: {exc.message}") from None
    except ValueError:
        raise ApiError(
            400, f"{field}: {relative[:80]!r} contains a NUL character; use the folder's real name"
        ) from None
    except OSError as exc:
        raise ApiError(400, f"{field}: {relative[:80]!r} cannot be used: {exc.strerror}") from None
    if not exists:
        raise ApiError(404, f"{field}: no folder '{shown}' under the data root; pick one the listing offers")
    if not is_dir:
        raise ApiError(400, f"{field}: '{shown}' is a file, not a folder; list the folder it is in")
    return folder


def source_module_for(path: Path) -> str | None:
    """A source module whose adapter reads this file type, when one is registered."""
    try:
        adapter = adapter_for(None, path)
    except DataOpsError:
        return None
    sources = sorted((s for s in MODULES.values() if s.kind == "source"), key=lambda s: s.name)
    chosen = next((s for s in sources if s.format == adapter.format), None)
    chosen = chosen or next((s for s in sources if s.format is None), None)
    return chosen.name if chosen else None


async def upload(request: Request) -> Response:
    ctx: EditorContext = context(request)
    query = read_query(request, UploadQuery)
    name = safe_file_name(query.name)
    relative = f"{UPLOAD_FOLDER}/{name}"
    if query.folder is not None:  # the file browser's folder: one that exists, inside the data root
        root = ctx.settings.data_root_resolved
        folder = resolve_folder(query.folder, root, "folder")
        relative = name if folder == root else f"{folder.relative_to(root).as_posix()}/{name}"
    try:
        target = resolve_data_path(relative, ctx.settings.data_root_resolved)
    except DataOpsError as exc:
        raise ApiError(400, exc.message) from None
    folder_taken = ApiError(409, f"'{relative}' is a folder under the data root; rename the file and upload it again")
    if target.is_dir():
        raise folder_taken
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ApiError(
            409, f"'{UPLOAD_FOLDER}' under the data root is a file, not a folder; move it away so uploads can be stored"
        ) from None
    size = 0
    try:
        with atomic_target(target) as temporary:
            with temporary.open("wb") as out:
                async for chunk in request.stream():
                    size += len(chunk)
                    await run_in_threadpool(out.write, chunk)
            if size == 0:
                raise ApiError(400, "the uploaded file is empty")
    except IsADirectoryError:  # the folder appeared while the file was arriving
        raise folder_taken from None
    return reply(UploadResult(path=relative, size=size, source_module=source_module_for(target)))


ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/upload",
        upload,
        "Upload a data file (raw body) to uploads/<name> under the data root",
        UploadResult,
        body=BINARY_BODY,
        query=UploadQuery,
        errors=(404, 409, 413),
        tag="data",
    ),
]
