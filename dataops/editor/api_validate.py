"""POST /api/validate: the same validator as `dataops validate`, on the document the editor holds."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dataops.editor.context import EditorContext, context
from dataops.editor.http import read_json, reply
from dataops.editor.models import Problem, ValidationResult
from dataops.editor.openapi import Endpoint
from dataops.errors import FlowchartError, Where
from dataops.errors import Problem as SpecProblem
from dataops.spec import parse_flowchart
from dataops.spec.models import IDENTIFIER

ANY_JSON_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"description": "A flowchart document (spec v1) as JSON."}}},
}


def validate_document(ctx: EditorContext, document: Any) -> list[Problem]:
    """Every problem of `document`, each located on its node where it has one."""
    name = document.get("name") if isinstance(document, dict) else None
    file = f"{name}.json" if isinstance(name, str) and re.match(IDENTIFIER, name) else "<editor>"
    with ctx.registry_lock:
        try:
            parse_flowchart(json.dumps(document, ensure_ascii=False), file=file, json_format=True)
        except FlowchartError as exc:
            return [problem_out(p) for p in exc.problems]
    return []


def problem_out(problem: SpecProblem) -> Problem:
    where = problem.where
    return Problem(
        node=where.node,
        field=where.field,
        message=problem.message,
        location=str(Where(where.flowchart, where.node, where.field)),
    )


async def validate(request: Request) -> Response:
    document = await read_json(request)
    problems = await run_in_threadpool(validate_document, context(request), document)
    return reply(ValidationResult(valid=not problems, problems=problems))


ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/validate",
        validate,
        "Validate a flowchart document; problems name their node and field",
        ValidationResult,
        body=ANY_JSON_BODY,
        errors=(413,),
        tag="flowcharts",
    ),
]
