"""Request and response helpers shared by the API modules: one error type, JSON in and out."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from dataops.editor.settings import MAX_JSON_BODY

M = TypeVar("M", bound=BaseModel)
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")


class ApiError(Exception):
    """A request the API refuses: answered as `{"error": message}` with `status`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def reply(model: BaseModel, status: int = 200) -> JSONResponse:
    """A response model as JSON (by alias, so `from`/`to` keep their spec names)."""
    return JSONResponse(model.model_dump(mode="json", by_alias=True), status_code=status)


async def read_json(request: Request) -> Any:
    """The body as JSON; a missing, oversized or malformed body is a 4xx, never a 500."""
    body = await request.body()
    if len(body) > MAX_JSON_BODY:
        raise ApiError(413, f"request body is {len(body):,} bytes; the limit is {MAX_JSON_BODY:,}")
    if not body.strip():
        raise ApiError(400, "the request body is empty; send JSON")
    try:
        value = json.loads(body)
    except UnicodeDecodeError:
        raise ApiError(400, "the request body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise ApiError(400, "the JSON is nested too deeply") from None
    except ValueError as exc:  # a number past Python's 4,300-digit conversion limit
        raise ApiError(400, f"invalid JSON: {str(exc).partition(';')[0]}") from None
    if _SURROGATE.search(body):
        _refuse_lone_surrogates(value)
    return value


def _refuse_lone_surrogates(value: Any) -> None:
    """A `\\ud800` escape without its pair decodes to a string no file can hold; refuse it here, not on save."""
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        code = f"\\u{ord(exc.object[exc.start]):04x}"
        raise ApiError(400, f"the JSON holds {code} without its pair, which is not a character; send UTF-8 text") from None
    except RecursionError:
        raise ApiError(400, "the JSON is nested too deeply") from None


def parse_model(model: type[M], data: Any, what: str) -> M:
    """`data` as `model`; the first validation error becomes a 400 naming the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or what
        message = first["msg"].removeprefix("Value error, ")
        raise ApiError(400, f"{what} › {field}: {message}") from None


async def read_model(request: Request, model: type[M]) -> M:
    return parse_model(model, await read_json(request), "body")


def read_query(request: Request, model: type[M]) -> M:
    return parse_model(model, dict(request.query_params), "query")
