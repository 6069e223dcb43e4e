"""SQL module: DuckDB over data and the optional other input, in the sandbox."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

from dataops.errors import ModuleError
from module_library.registry import get_module
from tests.module_library.builtin.typed import TYPED, result, run
from tests.support.modules import param_error, run_module

ORDERS = pd.DataFrame(
    {"城市": ["北京", "上海", "北京", None], "金额": [10.0, 20.0, np.nan, 5.0], "客户": ["C1", "C2", "C1", "C9"]}
)
CUSTOMERS = pd.DataFrame({"客户": ["C1", "C2"], "level": ["gold", "silver"]})


def test_other_is_an_optional_input() -> None:
    spec = get_module("sql_query")
    assert [(p.name, p.optional) for p in spec.inputs] == [("data", False), ("other", True)]
    assert spec.describe()["inputs"][1] == {"name": "other", "many": False, "optional": True}


def test_query_over_data() -> None:
    query = "SELECT 城市, sum(金额) AS 金额 FROM data WHERE 城市 IS NOT NULL GROUP BY 城市 ORDER BY 城市"
    out = run_module("sql_query", {"query": query}, data=ORDERS)
    expected = (
        ORDERS.dropna(subset=["城市"])
        .groupby("城市", as_index=False)["金额"]
        .sum()
        .sort_values("城市", ignore_index=True)
    )
    assert_frame_equal(out, expected)


def test_query_over_data_and_other_keeps_integers_nullable() -> None:
    query = """
        SELECT d.客户, o.level, count(*) AS orders
        FROM data d LEFT JOIN other o USING (客户)
        GROUP BY ALL ORDER BY d.客户
    """
    out = run_module("sql_query", {"query": query}, data=ORDERS, other=CUSTOMERS)
    expected = pd.DataFrame({"客户": ["C1", "C2", "C9"], "level": ["gold", "silver", np.nan], "orders": [2, 1, 1]})
    assert_frame_equal(out, expected)


def test_trailing_semicolon_and_empty_input() -> None:
    out = run_module("sql_query", {"query": "SELECT * FROM data;"}, data=ORDERS.iloc[:0])
    assert list(out.columns) == list(ORDERS.columns) and out.empty


def test_unconnected_other_is_named() -> None:
    with pytest.raises(ModuleError, match=r"^query: the query reads the table 'other', but no edge feeds"):
        run_module("sql_query", {"query": "SELECT * FROM other"}, data=ORDERS)


def test_unknown_column_is_named() -> None:
    with pytest.raises(ModuleError, match=r"^query: unknown column '金' .*did you mean '金额'\?$"):
        run_module("sql_query", {"query": "SELECT 金 FROM data"}, data=ORDERS)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM glob('/*')",
        "SELECT * FROM read_text('https://example.com')",
    ],
)
def test_files_and_network_are_out_of_reach(query: str) -> None:
    with pytest.raises(ModuleError, match=r"^query: .*(disabled|Permission)"):
        run_module("sql_query", {"query": query}, data=ORDERS)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("COPY data TO 'x.csv'", "only one SELECT query is allowed"),
        ("SELECT 1; DROP TABLE data", "only one expression is allowed (found ';')"),
        ("SET enable_external_access = true", "only one SELECT query is allowed"),
        ("SELECT 1 -- sneaky", "comments are not allowed"),
    ],
)
def test_statements_other_than_one_select_are_refused_at_validation(query: str, message: str) -> None:
    assert f"checks › node_1 › params.query: {message}" in param_error("sql_query", {"query": query})


# Typed data (tests/module_library/builtin/typed.py)


def test_sql_query_keeps_typed_columns_and_sql_result_types() -> None:
    out = result("sql_query", {"query": "SELECT * FROM data WHERE n > 1"})
    assert out.schema == TYPED.schema and out.column("n").to_pylist() == [2, 3, 4]
    computed = result(
        "sql_query",
        {"query": "SELECT 名称, sum(金额) AS 合计, max(时间) AS 最晚 FROM data GROUP BY 名称 ORDER BY 名称 NULLS LAST"},
    )
    assert computed.schema.field("名称").type == pa.string_view()  # passed through by name
    assert computed.schema.field("合计").type == pa.decimal128(38, 2)  # SQL's sum of decimal(15, 2)
    assert computed.column("合计").to_pylist() == [Decimal("0.01"), Decimal("100845.54"), None]
    joined = run(
        "sql_query",
        {"query": "SELECT d.n, o.区 FROM data d JOIN other o ON d.类别 = o.类别 ORDER BY d.n"},
        data=TYPED,
        other=pa.table({"类别": ["a"], "区": pa.array(["东"], pa.string_view())}),
    )["result"]
    assert joined.to_pylist() == [{"n": 1, "区": "东"}, {"n": 3, "区": "东"}]
    assert joined.schema.field("区").type == pa.string_view()
