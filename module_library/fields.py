"""Param types checked when the flowchart is validated: SQL conditions and queries."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from dataops.errors import ModuleError
from module_library.expressions import check_expression, check_statement


def _expression(text: str) -> str:
    try:
        check_expression(text, field="")
    except ModuleError as exc:
        raise ValueError(exc.message) from None
    return text


def _query(text: str) -> str:
    text = text.strip().removesuffix(";")  # a habit from SQL consoles, harmless here
    try:
        check_statement(text, field="")
    except ModuleError as exc:
        raise ValueError(exc.message) from None
    return text


SqlCondition = Annotated[str, AfterValidator(_expression)]
SqlQuery = Annotated[str, AfterValidator(_query)]
