"""POST /api/validate: the same checks as `dataops validate` on the document the editor holds,
with the columns on every port (schema propagation) for the column pickers, edges and SQL fields.

Sources' files are read in a child process (`isolation.run_isolated`), as probes are; their
schemas are cached here by path, size and modification time, so typing in a form re-reads none.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from adapters.paths import resolve_data_path
from adapters.schema import SourceSchema
from dataops.editor.context import EditorContext, context
from dataops.editor.http import read_json, reply
from dataops.editor.isolation import WorkerFailed, run_isolated
from dataops.editor.models import NodeSchema, Problem, SqlFunctions, ValidationResult
from dataops.editor.openapi import Endpoint
from dataops.editor.probe_child import read_schema
from dataops.editor.settings import PROBE_MEMORY, PROBE_SECONDS
from dataops.errors import AdapterError, DataOpsError, Where
from dataops.errors import Problem as SpecProblem
from dataops.spec.models import IDENTIFIER
from dataops.spec.schema import check_document
from module_library import ModuleSpec
from module_library.expressions import sandbox

ANY_JSON_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"description": "A flowchart document (spec v1) as JSON."}}},
}
CACHED = 256
DATABASE_SECONDS = 60


def check(ctx: EditorContext, document: Any) -> ValidationResult:
    """Every problem of `document`, each located on its node where it has one, and its schemas."""
    name = document.get("name") if isinstance(document, dict) else None
    file = f"{name}.json" if isinstance(name, str) and re.match(IDENTIFIER, name) else "<editor>"
    reader = _SourceReader(ctx)
    with ctx.registry_lock:
        found, report = check_document(
            document, file=file, root=ctx.settings.data_root_resolved, source_schema=reader.schema
        )
    problems = [problem_out(p) for p in found]
    schemas = {node: NodeSchema.model_validate(ports) for node, ports in report.describe().items()}
    return ValidationResult(valid=not problems, problems=problems, schemas=schemas)


def validate_document(ctx: EditorContext, document: Any) -> list[Problem]:
    """Every problem of `document` (for open and save)."""
    return check(ctx, document).problems


def problem_out(problem: SpecProblem) -> Problem:
    where = problem.where
    return Problem(
        node=where.node,
        field=where.field,
        message=problem.message,
        location=str(Where(where.flowchart, where.node, where.field)),
    )


_cache: OrderedDict[Hashable, tuple[Any, ...]] = OrderedDict()
_cache_lock = threading.Lock()


class _SourceReader:
    """`check_document`'s source_schema: read in a child process, answers cached by file state."""

    def __init__(self, ctx: EditorContext) -> None:
        self.ctx = ctx

    def schema(self, spec: ModuleSpec, params: Any, *, root: Path, where: Where) -> SourceSchema | None:
        raw = params.model_dump(mode="json", by_alias=True)
        key = (spec.name, json.dumps(raw, sort_keys=True, ensure_ascii=False), str(root), *_state(params, root))
        with _cache_lock:
            answer = _cache.get(key)
        if answer is None:
            try:
                answer = run_isolated(
                    read_schema,
                    spec.name,
                    raw,
                    root,
                    self.ctx.settings.plugins,
                    seconds=PROBE_SECONDS,
                    memory=PROBE_MEMORY,
                )
            except WorkerFailed as exc:
                answer = ("error", f"cannot read the file's columns: the reader {exc.reason}", None)
            with _cache_lock:
                _cache[key] = answer
                while len(_cache) > CACHED:
                    _cache.popitem(last=False)
        if answer[0] == "error":
            raise AdapterError(answer[1], where.inside(Where(field=answer[2])))
        return SourceSchema(answer[1], answer[2]) if answer[0] == "ok" else None


def _state(params: Any, root: Path) -> tuple[Any, ...]:
    """What a cached answer depends on besides the params: the file's size and time, or the minute."""
    path = getattr(params, "path", None)
    if not isinstance(path, str):
        return (int(time.monotonic() // DATABASE_SECONDS),)
    try:
        stat = resolve_data_path(path, root).stat()
    except (DataOpsError, OSError, ValueError):
        return ("absent", int(time.monotonic()))  # asked again each second: it may be uploaded next
    return (stat.st_size, stat.st_mtime_ns)


@functools.cache
def sql_functions() -> SqlFunctions:
    """DuckDB's scalar, aggregate and window function names, without internal ones."""
    with sandbox({}) as con:
        rows = con.execute(
            "SELECT DISTINCT function_name FROM duckdb_functions() "
            "WHERE function_type IN ('scalar', 'aggregate', 'window') AND function_name NOT LIKE '\\_%' ESCAPE '\\' "
            "AND regexp_matches(function_name, '^[a-z][a-z0-9_]*$') ORDER BY 1"
        ).fetchall()
    return SqlFunctions(functions=[row[0] for row in rows])


async def validate(request: Request) -> Response:
    document = await read_json(request)
    return reply(await run_in_threadpool(check, context(request), document))


async def functions(request: Request) -> Response:
    return reply(await run_in_threadpool(sql_functions))


ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/validate",
        validate,
        "Validate a flowchart document; problems name their node and field; the columns on every port",
        ValidationResult,
        body=ANY_JSON_BODY,
        errors=(413,),
        tag="flowcharts",
    ),
    Endpoint(
        "GET",
        "/api/sql/functions",
        functions,
        "DuckDB function names, for autocompletion in SQL conditions and expressions",
        SqlFunctions,
        tag="modules",
    ),
]
