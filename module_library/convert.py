"""Convert a column to a type, naming the values that do not fit (shared by cast_types and parse_dates).

The conversions run in the DuckDB sandbox as `TRY_CAST`/`try_strptime` expressions over the Arrow
column (a value that does not convert becomes null, and is then counted and named), except to
`category`, which is a dictionary encoding in Arrow.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BeforeValidator

from dataops.errors import ModuleError, Where
from module_library.checks import is_number_type, is_text_type
from module_library.expressions import quote, run_query
from module_library.params import enum_descriptions
from module_library.tables import sortable

TargetType = Annotated[
    Literal["int", "float", "str", "bool", "datetime", "date", "category"],
    enum_descriptions(
        {
            "int": "whole numbers (int64)",
            "float": "numbers with decimals (float64)",
            "str": "text",
            "bool": "true/false (true, t, yes, y, 1 / false, f, no, n, 0)",
            "datetime": "date and time (UTC when the text has offsets)",
            "date": "calendar date",
            "category": "text stored once per distinct value",
        }
    ),
]

_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
# `format: mixed` tries ISO 8601 first, then these, value by value
MIXED_FORMATS = (
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%Y%m%d",
    "%Y年%m月%d日",
    "%d %B %Y",
    "%B %d, %Y",
    "%d %b %Y",
    "%b %d, %Y",
)
# the dtype a pandas module downstream gets for the result, whether or not it has nulls
PANDAS_DTYPE = {"int": "Int64", "bool": "boolean"}


def _null_is_null(value: Any) -> Any:
    """YAML reads `errors: null` as None; it means the "null" mode."""
    return "null" if value is None else value


ErrorsMode = Annotated[
    Literal["fail", "null"],
    BeforeValidator(_null_is_null),
    enum_descriptions(
        {"fail": "stop the run, naming the values that do not convert", "null": "make those values null"}
    ),
]


def convert(
    table: pa.Table, column: str, to: TargetType, *, field: str, errors: str = "fail", format: str | None = None
) -> pa.ChunkedArray:
    """`table[column]` as type `to`; values that cannot convert raise, or become null with errors="null".

    Integers become int64, booleans bool, date-times timestamp[us] (UTC when the text has offsets),
    dates date32, categories a dictionary of the sorted values. Text is parsed as ISO 8601 dates
    unless `format` (a strftime pattern, or "mixed") is given. Columns already of the type pass.
    """
    values = table.column(column)
    if to == "category":
        return _to_category(values)
    if (to == "datetime" and pa.types.is_timestamp(values.type)) or (to == "date" and pa.types.is_date32(values.type)):
        return values
    if to == "date" and pa.types.is_timestamp(values.type):  # the date where the moment was recorded
        return (pc.local_timestamp(values) if values.type.tz else values).cast(pa.date32())
    data = table.select([column])
    expression = _expression(data, quote(column), values.type, to, format, field=field)
    try:
        converted = run_query({"data": data}, f"SELECT {expression} AS v FROM data", field=field).column(0)
    except ModuleError as exc:
        raise ModuleError(f"column '{column}': cannot convert to {to}: {exc.message}", Where(field=field)) from exc
    if pa.types.is_timestamp(converted.type) and converted.type.tz == "Etc/UTC":  # DuckDB's name for UTC
        converted = converted.cast(pa.timestamp(converted.type.unit, "UTC"))
    if errors == "fail":
        _refuse_bad_values(values, converted, column, to, field=field, format=format)
    return converted


def _refuse_bad_values(
    values: pa.ChunkedArray, converted: pa.ChunkedArray, column: str, to: str, *, field: str, format: str | None
) -> None:
    present = pc.is_valid(values)
    if pa.types.is_floating(values.type):
        present = pc.and_(present, pc.invert(pc.is_nan(values)))
    bad = pc.and_(present, pc.is_null(converted))
    count = int(pc.sum(bad.cast(pa.int64())).as_py() or 0)
    if not count:
        return
    sample = values.filter(bad)[0].as_py()
    hint = "set errors: null to turn them into nulls"
    if to in ("datetime", "date") and format is None:
        hint = "set a format such as %Y/%m/%d, or " + hint
    raise ModuleError(
        f"column '{column}': {count} of {len(values)} values cannot be converted to {to}, e.g. {sample!r}; {hint}",
        Where(field=field),
    )


def _expression(data: pa.Table, c: str, kind: pa.DataType, to: str, format: str | None, *, field: str) -> str:
    """The DuckDB expression converting column `c` of type `kind`; null where a value does not fit."""
    text = is_text_type(kind)
    if to == "int":
        if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
            return f"TRY_CAST({c} AS BIGINT)"
        if text:  # integer literals exactly; others through DOUBLE, when whole ('4.0')
            whole = _whole(f"TRY_CAST(trim({c}) AS DOUBLE)")
            return f"CASE WHEN regexp_full_match(trim({c}), '[+-]?[0-9]+') THEN TRY_CAST(trim({c}) AS BIGINT) ELSE {whole} END"
        return _whole(f"TRY_CAST({c} AS DOUBLE)")
    if to == "float":
        return f"TRY_CAST(trim({c}) AS DOUBLE)" if text else f"TRY_CAST({c} AS DOUBLE)"
    if to == "str":
        if pa.types.is_floating(kind):
            return f"CASE WHEN isnan({c}) THEN NULL ELSE CAST({c} AS VARCHAR) END"
        if pa.types.is_boolean(kind):
            return f"CASE WHEN {c} THEN 'True' WHEN NOT {c} THEN 'False' END"
        return f"CAST({c} AS VARCHAR)"
    if to == "bool":
        if pa.types.is_boolean(kind):
            return c
        words = f"lower(trim(CAST({c} AS VARCHAR)))"
        if pa.types.is_floating(kind):
            words = f"regexp_replace({words}, '\\.0$', '')"
        return f"CASE WHEN {words} IN {_sql_list(_TRUE)} THEN true WHEN {words} IN {_sql_list(_FALSE)} THEN false END"
    moment = _moment(data, c, kind, format)
    return f"CAST({moment} AS DATE)" if to == "date" else moment


def _moment(data: pa.Table, c: str, kind: pa.DataType, format: str | None) -> str:
    """A date-time from text (or numbers such as 20260102, read as their digits)."""
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return f"CAST({c} AS TIMESTAMP)"
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        text = f"CAST({_whole(f'CAST({c} AS DOUBLE)')} AS VARCHAR)"
    elif is_number_type(kind):
        text = f"CAST({c} AS VARCHAR)"
    else:
        text = f"trim(CAST({c} AS VARCHAR))"
    if format is not None and format != "mixed":
        return f"try_strptime({text}, {_literal(format)})"
    offsets = (
        run_query(
            {"data": data},
            f"SELECT bool_or(regexp_matches({text}, '(Z|[+-][0-9]{{2}}:?[0-9]{{2}})$')) FROM data",
            field="-",
        )
        .column(0)[0]
        .as_py()
    )
    iso = f"TRY_CAST({text} AS {'TIMESTAMPTZ' if offsets else 'TIMESTAMP'})"
    iso = f"CASE WHEN regexp_full_match({text}, '[0-9]{{8}}') THEN try_strptime({text}, '%Y%m%d') ELSE {iso} END"  # basic form
    if format is None:
        return iso
    formats = f"[{', '.join(_literal(f) for f in MIXED_FORMATS)}]"
    return f"COALESCE({iso}, try_strptime({text}, {formats}))"


def _whole(number: str) -> str:
    """`number` as BIGINT when it is whole and within int64, else null (1.5 fits no integer)."""
    return f"CASE WHEN {number} = round({number}) AND abs({number}) < 9.2e18 THEN CAST({number} AS BIGINT) END"


def _to_category(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """A dictionary column whose dictionary is the sorted distinct values (as pandas' categories)."""
    if pa.types.is_dictionary(values.type):
        return values
    plain = sortable(pa.table({"v": values})).column(0)
    distinct = pc.unique(plain).drop_null()
    distinct = distinct.take(pc.sort_indices(distinct))
    if pa.types.is_large_string(distinct.type):  # views and large strings: categories are plain text
        distinct = distinct.cast(pa.string())
    indices = pc.index_in(plain, value_set=distinct).cast(pa.int32())
    return pa.chunked_array(
        [pa.DictionaryArray.from_arrays(chunk, distinct) for chunk in indices.chunks],
        pa.dictionary(pa.int32(), distinct.type),
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_list(words: tuple[str, ...]) -> str:
    return "(" + ", ".join(_literal(w) for w in words) + ")"
