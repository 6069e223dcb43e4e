"""Date modules: turn text into dates and times."""

from __future__ import annotations

import pyarrow as pa
from pydantic import Field

from module_library import ModuleParams, module
from module_library.checks import require_columns
from module_library.convert import ErrorsMode, convert
from module_library.tables import with_column


class ParseDatesParams(ModuleParams):
    columns: list[str] = Field(min_length=1, description="Columns to parse into date-times, in place.")
    format: str | None = Field(
        None,
        min_length=1,
        description="strftime pattern such as %Y/%m/%d, or mixed (ISO 8601, then common patterns, value by value); ISO 8601 if omitted.",
    )
    errors: ErrorsMode = Field("fail", description="Values that do not parse: fail the run, or null them.")


@module(category="dates", params=ParseDatesParams, passthrough=True, reads=lambda p: p.columns, engine="arrow")
def parse_dates(data: pa.Table, params: ParseDatesParams) -> pa.Table:
    """Parse text (or numbers such as 20260102) into date-time columns."""
    require_columns(data, params.columns, field="columns")
    parsed = {
        column: convert(data, column, "datetime", field="columns", errors=params.errors, format=params.format)
        for column in params.columns
    }
    for column, values in parsed.items():
        data = with_column(data, column, values)
    return data
