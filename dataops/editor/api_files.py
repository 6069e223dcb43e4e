"""GET /api/files: a folder of the data root, for the file browser of a source or sink node's `path`.

The folder is confined to the data root by the adapters' own check (`resolve_data_path`), as the
probe and the upload are; entries that lead outside it (symlinks) are left out, never shown.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from adapters.registry import adapter_for
from dataops.editor.api_upload import resolve_folder, source_module_for
from dataops.editor.context import EditorContext, context
from dataops.editor.http import ApiError, read_query, reply
from dataops.editor.models import FileEntry, FileListing, FilesQuery, FolderEntry
from dataops.editor.openapi import Endpoint
from dataops.errors import DataOpsError, RegistryError
from module_library.module_spec import ModuleSpec
from module_library.registry import get_module

MAX_ENTRIES = 1000
ANY_FORMAT = "*"


def list_folder(ctx: EditorContext, query: FilesQuery) -> FileListing:
    """Folders, and the files `query.module`'s format adapter handles (any format without a module)."""
    root = ctx.settings.data_root_resolved
    wanted = _format_of(ctx, query.module)
    folder = resolve_folder(query.dir, root, "dir")
    folders: list[FolderEntry] = []
    files: list[FileEntry] = []
    left_out = 0
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: (e.name.casefold(), e.name)):
            listed = None if entry.name.startswith(".") else _entry(Path(entry.path), root, wanted)
            if listed is None or len(folders) + len(files) >= MAX_ENTRIES:
                left_out += 1
            elif isinstance(listed, FolderEntry):
                folders.append(listed)
            else:
                files.append(listed)
    relative = _relative(folder, root)
    parent = None if folder == root else _relative(folder.parent, root)
    return FileListing(dir=relative, parent=parent, folders=folders, files=files, left_out=left_out)


def _format_of(ctx: EditorContext, module: str | None) -> str:
    """The format whose files a module's `path` takes; ANY_FORMAT for no module or one that reads any."""
    if not module:
        return ANY_FORMAT
    with ctx.registry_lock:
        try:
            spec: ModuleSpec = get_module(module)
        except RegistryError as exc:
            raise ApiError(400, f"module: {exc.message}") from None
    if spec.kind == "transform" or "path" not in spec.params.model_fields:
        raise ApiError(
            400, f"module: '{spec.name}' takes no file path; name a source or sink that reads or writes files"
        )
    return spec.format or ANY_FORMAT


def _entry(path: Path, root: Path, wanted: str) -> FolderEntry | FileEntry | None:
    """The entry as listed, or None when it leads outside the root, cannot be read, or is of another format."""
    try:
        real = path.resolve()
        if not real.is_relative_to(root):
            return None
        stat = real.stat()
        is_dir = real.is_dir()
    except (OSError, RuntimeError):  # a dangling or looping link, a vanished file
        return None
    modified = datetime.fromtimestamp(stat.st_mtime, UTC)
    relative = _relative(path.parent, root)
    shown = f"{relative}/{path.name}" if relative else path.name
    if is_dir:
        return FolderEntry(name=path.name, path=shown, modified=modified)
    try:
        adapter = adapter_for(None, path)
    except DataOpsError:
        return None
    if wanted not in (ANY_FORMAT, adapter.format):
        return None
    return FileEntry(
        name=path.name, path=shown, size=stat.st_size, modified=modified, source_module=source_module_for(path)
    )


def _relative(folder: Path, root: Path) -> str:
    return "" if folder == root else folder.relative_to(root).as_posix()


async def files(request: Request) -> Response:
    query = read_query(request, FilesQuery)
    return reply(await run_in_threadpool(list_folder, context(request), query))


ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/files",
        files,
        "Folders and data files in a folder of the data root (for a source or sink node's path)",
        FileListing,
        query=FilesQuery,
        errors=(404,),
        tag="data",
    ),
]
