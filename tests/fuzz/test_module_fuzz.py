"""Fuzz every transform module: random tables and valid params give a table or a `DataOpsError`.

Tables mix what reaches modules in practice: empty and all-null columns, nullable integers,
text with Chinese and SQL-keyword column names, dates, categories, and object columns holding
several types. Params are drawn per module from `PARAMS` (valid for the params model, naming
existing or missing columns); a module without a builder fails the coverage test.
A result must be a DataFrame per output that the IO manager can hand over (Arrow), whenever
the inputs could be handed over themselves.
"""

from __future__ import annotations

import datetime as dt
import os
import typing
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from dataops.deadline import StepTimeout, time_limit
from dataops.errors import DataOpsError
from module_library.builtin.aggregate import Function
from module_library.convert import TargetType
from module_library.discovery import discover
from module_library.registry import MODULES

discover()

NAMES = ["城市", "amount", "price", "select", "a b", "日期", "flag", "x", "Order", "销售额"]
MISSING = "no_such_column"
TRANSFORMS = sorted(
    name for name, spec in MODULES.items() if spec.kind == "transform" and spec.origin.startswith("module_library")
)
FUZZ = settings(
    max_examples=int(os.environ.get("DATAOPS_FUZZ_EXAMPLES", 40)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
LIMIT_SECONDS = 20
SLOW = {"describe": 5}  # draws a PNG histogram per numeric column

# -- tables -------------------------------------------------------------------------------------


def literal_values(choice: Any) -> list[str]:
    """The values of a params Literal, described (`Annotated[Literal[...], enum_descriptions(...)]`) or not."""
    literal = typing.get_args(choice)[0] if typing.get_origin(choice) is typing.Annotated else choice
    return list(typing.get_args(literal))


def column(kind: str, values: list[Any]) -> pd.Series:
    if kind == "int":
        return pd.Series([v if isinstance(v, int) else 0 for v in values], dtype="int64")
    if kind == "Int64":
        return pd.Series([v if isinstance(v, int) else None for v in values], dtype="Int64")
    if kind == "float":
        return pd.Series([float(v) if isinstance(v, int | float) else np.nan for v in values], dtype="float64")
    if kind == "bool":
        return pd.Series([bool(v) for v in values], dtype="bool")
    if kind == "str":
        return pd.Series([None if v is None else str(v) for v in values], dtype="str")
    if kind == "datetime":
        base = pd.Timestamp("2026-01-01")
        return pd.Series([base + pd.Timedelta(days=v % 36_500) if isinstance(v, int) else pd.NaT for v in values])
    if kind == "date":
        return pd.Series([dt.date(2026, 1, 1 + v % 28) if isinstance(v, int) else None for v in values], dtype=object)
    if kind == "category":
        return pd.Series([None if v is None else str(v) for v in values], dtype="category")
    if kind == "null":
        return pd.Series([None] * len(values), dtype=object)
    return pd.Series(values, dtype=object)  # "mixed": whatever was drawn


cells = st.one_of(
    st.none(),
    st.integers(min_value=-1000, max_value=1000),
    st.integers(min_value=-(2**62), max_value=2**62),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["北京", "上海", "", " ", "a,b", "'", '"', "NULL", "1,234", "2026-01-05", "05/01/2026", "=1+1"]),
    st.text(max_size=6),
)
KINDS = ["int", "Int64", "float", "bool", "str", "datetime", "date", "category", "null", "mixed"]


@st.composite
def tables(draw: st.DrawFn, min_columns: int = 1) -> pd.DataFrame:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=min_columns, max_size=5, unique=True))
    rows = draw(st.integers(min_value=0, max_value=8))
    return pd.DataFrame(
        {
            name: column(draw(st.sampled_from(KINDS)), draw(st.lists(cells, min_size=rows, max_size=rows)))
            for name in names
        }
    )


def handed_over(frame: pd.DataFrame) -> bool:
    """Whether the IO manager could store the frame (Arrow IPC between nodes)."""
    try:
        pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, ValueError, TypeError, OverflowError):
        return False
    return True


# -- params -------------------------------------------------------------------------------------

Builder = Callable[[st.DrawFn, list[str]], dict[str, Any]]


def some(draw: st.DrawFn, columns: list[str], *, min_size: int = 1) -> list[str]:
    pool = [*columns, MISSING]
    return draw(st.lists(st.sampled_from(pool), min_size=min_size, max_size=3, unique=True))


def one(draw: st.DrawFn, columns: list[str]) -> str:
    return draw(st.sampled_from([*columns, MISSING]))


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@st.composite
def expressions(draw: st.DrawFn, columns: list[str], depth: int = 2) -> str:
    leaves = [
        *(quoted(c) for c in columns),
        quoted(MISSING),
        "1",
        "2.5",
        "NULL",
        "'北京'",
        "true",
        "DATE '2026-01-01'",
    ]
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(leaves))
    left, right = draw(expressions(columns, depth - 1)), draw(expressions(columns, depth - 1))
    template = draw(
        st.sampled_from(
            [
                "({} + {})",
                "({} * {})",
                "({} / {})",
                "({} || {})",
                "coalesce({}, {})",
                "({} = {})",
                "({} < {})",
                "({} IS NULL AND {} IS NOT NULL)",
                "length(CAST({} AS VARCHAR)) > length(CAST({} AS VARCHAR))",
                "CASE WHEN {} IS NULL THEN 1 ELSE 2 END + {}",
            ]
        )
    )
    return template.format(left, right)


def conditions(draw: st.DrawFn, columns: list[str]) -> str:
    expression = draw(expressions(columns))
    return draw(st.sampled_from([expression, f"({expression}) IS NOT NULL", f"CAST({expression} AS BOOLEAN)"]))


def names(draw: st.DrawFn) -> str:
    return draw(st.sampled_from([*NAMES, "new", "新列", "result"]))


def aggregations(draw: st.DrawFn, columns: list[str]) -> list[dict[str, Any]]:
    functions = literal_values(Function)
    picked = draw(st.lists(st.sampled_from(functions), min_size=1, max_size=3))
    return [{"column": one(draw, columns), "function": f, "as": f"out_{i}"} for i, f in enumerate(picked)]


PARAMS: dict[str, Builder] = {
    "bin_column": lambda d, c: {
        "column": one(d, c),
        "bins": d(st.one_of(st.integers(1, 5), st.just([0.0, 1.0, 10.0, 1000.0]))),
        "as": d(st.sampled_from([None, "bin"])),
    },
    "cast_types": lambda d, c: {
        "types": {col: d(st.sampled_from(literal_values(TargetType))) for col in some(d, c)},
        "errors": d(st.sampled_from(["fail", "null"])),
    },
    "deduplicate": lambda d, c: {
        "subset": d(st.sampled_from([None, some(d, c)])),
        "keep": d(st.sampled_from(["first", "last"])),
    },
    "derive_column": lambda d, c: {"name": names(d), "expression": d(expressions(c))},
    "describe": lambda d, c: {},
    "drop_columns": lambda d, c: {"columns": some(d, c)},
    "drop_nulls": lambda d, c: {
        "subset": d(st.sampled_from([None, some(d, c)])),
        "how": d(st.sampled_from(["any", "all"])),
    },
    "drop_outliers": lambda d, c: {
        "columns": some(d, c),
        "method": d(st.sampled_from(["iqr", "zscore"])),
        "factor": d(st.floats(0.1, 5)),
        "threshold": d(st.floats(0.1, 5)),
    },
    "fill_nulls": lambda d, c: d(
        st.sampled_from(
            [
                {"values": {one(d, c): d(st.sampled_from([0, 1.5, "无", True]))}},
                {
                    "strategy": d(st.sampled_from(["forward", "backward", "mean", "median", "mode"])),
                    "columns": some(d, c),
                },
            ]
        )
    ),
    "filter_rows": lambda d, c: {"condition": conditions(d, c)},
    "group_aggregate": lambda d, c: {"by": some(d, c), "aggregations": aggregations(d, c)},
    "join": lambda d, c: d(
        st.sampled_from(
            [
                {"how": d(st.sampled_from(["inner", "left", "right", "outer"])), "on": some(d, c)},
                {"how": "left", "left_on": [one(d, c)], "right_on": [one(d, c)]},
            ]
        )
    ),
    "limit_rows": lambda d, c: {"n": d(st.integers(0, 10))},
    "normalize": lambda d, c: {"columns": some(d, c), "method": d(st.sampled_from(["minmax", "zscore"]))},
    "one_hot_encode": lambda d, c: {"columns": some(d, c), "drop_original": d(st.booleans())},
    "parse_dates": lambda d, c: {
        "columns": some(d, c),
        "format": d(st.sampled_from([None, "%Y-%m-%d", "%d/%m/%Y", "mixed"])),
        "errors": d(st.sampled_from(["fail", "null"])),
    },
    "pivot": lambda d, c: {
        "index": [one(d, c)],
        "columns": one(d, c),
        "values": one(d, c),
        "aggregation": d(st.sampled_from(literal_values(Function))),
    },
    "rename_columns": lambda d, c: {"mapping": {col: f"{col}_new" for col in some(d, c)}},
    "sample_rows": lambda d, c: d(st.sampled_from([{"n": d(st.integers(0, 10))}, {"fraction": d(st.floats(0, 1))}])),
    "select_columns": lambda d, c: {"columns": some(d, c)},
    "sort_rows": lambda d, c: {"by": some(d, c), "descending": d(st.booleans())},
    "window": lambda d, c: {
        "partition_by": some(d, c, min_size=0),
        "order_by": some(d, c, min_size=0),
        "functions": [
            d(
                st.sampled_from(
                    [
                        {"function": "row_number", "as": "rn"},
                        {"function": "rank", "as": "rk"},
                        {"function": "lag", "column": one(d, c), "as": "prev", "offset": 2},
                        {"function": "cumsum", "column": one(d, c), "as": "cs"},
                        {"function": "cummean", "column": one(d, c), "as": "cm"},
                    ]
                )
            )
        ],
    },
    "split_rows": lambda d, c: {"condition": conditions(d, c)},
    "sql_query": lambda d, c: {
        "query": f"SELECT {d(expressions(c))} AS v, count(*) OVER () AS n FROM data"
        + d(st.sampled_from(["", " ORDER BY 1", " LIMIT 3", f" WHERE {conditions(d, c)}"]))
    },
    "string_transform": lambda d, c: d(
        st.sampled_from(
            [
                {"columns": some(d, c), "operation": d(st.sampled_from(["strip", "lower", "upper"]))},
                {"columns": some(d, c), "operation": "replace", "pattern": "北", "replacement": "南"},
                {
                    "columns": some(d, c),
                    "operation": "replace",
                    "pattern": "(a+)+$",
                    "replacement": r"\1",
                    "regex": True,
                },
            ]
        )
    ),
    "union": lambda d, c: {},
    "unpivot": lambda d, c: {
        "id_columns": [one(d, c)],
        "value_columns": d(st.sampled_from([None, some(d, c)])),
        "variable_name": "variable",
        "value_name": "value",
    },
    "validate_rows": lambda d, c: {
        "rules": [{"name": f"rule_{i}", "condition": conditions(d, c)} for i in range(d(st.integers(1, 3)))],
        "fail_if_invalid": d(st.booleans()),
    },
}


def inputs_for(name: str, draw: st.DrawFn, first: pd.DataFrame) -> dict[str, Any]:
    ports = [p.name for p in MODULES[name].inputs]
    if name == "union":
        return {"data": [first, *draw(st.lists(tables(), max_size=2))]}
    if name == "join":
        return {"left": first, "right": draw(tables())}
    if name == "sql_query":
        return {"data": first, "other": draw(st.sampled_from([None, first]))}
    assert ports == ["data"], f"{name}: add its inputs to inputs_for"
    return {"data": first}


@st.composite
def calls(draw: st.DrawFn, name: str) -> tuple[dict[str, Any], Any]:
    first = draw(tables())
    inputs = inputs_for(name, draw, first)
    raw = PARAMS[name](draw, [str(c) for c in first.columns])
    try:
        params = MODULES[name].params.model_validate(raw)
    except ValidationError:
        assume(False)  # the builder drew params the model refuses: not this test's subject
    return inputs, params


def test_every_transform_has_a_param_builder() -> None:
    assert sorted(PARAMS) == TRANSFORMS


@pytest.mark.parametrize("name", [n for n in TRANSFORMS if n not in os.environ.get("DATAOPS_FUZZ_SKIP", "").split(",")])
def test_module_gives_a_table_or_its_own_error(name: str) -> None:
    spec = MODULES[name]

    @settings(FUZZ, max_examples=min(FUZZ.max_examples, SLOW.get(name, FUZZ.max_examples)))
    @given(calls(name))
    def check(call: tuple[dict[str, Any], Any]) -> None:
        inputs, params = call
        note(
            f"params: {params!r}\ninputs: {inputs!r}\ndtypes: {[f.dtypes.to_dict() for f in inputs.values() if isinstance(f, pd.DataFrame)]}"
        )
        try:
            with time_limit(LIMIT_SECONDS):
                outputs = spec.run(inputs, params)
        except StepTimeout:
            raise AssertionError(f"{name} ran over {LIMIT_SECONDS} s on {params!r}") from None
        except DataOpsError as exc:
            assert str(exc), "a module error says what is wrong"
            return
        assert set(outputs) == set(spec.outputs)
        for port, table in outputs.items():
            assert isinstance(table, pa.Table), (port, type(table))  # every module returns Arrow, storable as is

    check()
