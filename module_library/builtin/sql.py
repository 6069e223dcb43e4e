"""SQL module: a DuckDB query over one or two input tables, in the expression sandbox."""

from __future__ import annotations

import pyarrow as pa
from pydantic import Field

from dataops.errors import ModuleError, Where
from module_library import ModuleParams, module, optional
from module_library.expressions import restore_types, run_query
from module_library.fields import SqlQuery


class SqlQueryParams(ModuleParams):
    query: SqlQuery = Field(
        description="One DuckDB SELECT over the tables data and (if connected) other; no file or network access."
    )


@module(category="sql", params=SqlQueryParams, inputs=("data", optional("other")), engine="arrow")
def sql_query(data: pa.Table, params: SqlQueryParams, other: pa.Table | None = None) -> pa.Table:
    """Run a DuckDB SELECT over the input `data` and the optional input `other`."""
    tables = {"data": data} if other is None else {"data": data, "other": other}
    try:
        result = run_query(tables, params.query, field="query", columns=data.column_names)
    except ModuleError as exc:
        if other is None and "other" in exc.message and "does not exist" in exc.message:
            raise ModuleError(
                "the query reads the table 'other', but no edge feeds this node's input 'other'", Where(field="query")
            ) from exc
        raise
    # a column passed through by name gets its input type back (views, dictionaries, time zones)
    types = {f.name: f.type for t in (other, data) if t is not None for f in t.schema}
    return restore_types(result, types)
