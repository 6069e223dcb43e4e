"""SQL conditions to pyarrow filters: which conjuncts translate, with DuckDB's folded constants,
and a pushed filter never drops a row the condition keeps."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from adapters.predicates import to_arrow_filter
from module_library.expressions import condition_mask

SCHEMA = pa.schema(
    [
        ("d", pa.date32()),
        ("price", pa.decimal128(15, 2)),
        ("n", pa.int64()),
        ("x", pa.float64()),
        ("城市", pa.string_view()),
        ("ts", pa.timestamp("us", tz="Asia/Shanghai")),
    ]
)


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        (
            "d >= DATE '1994-01-01' AND d < DATE '1994-01-01' + INTERVAL 1 YEAR AND price BETWEEN 0.06 - 0.01 AND 0.06 + 0.01",
            "d >= DATE '1994-01-01' AND d < DATE '1995-01-01' AND price BETWEEN 0.05 AND 0.07",
        ),
        ("5 > n AND 城市 IN ('北京', NULL, '上海')", "n < 5 AND \"城市\" IN ('北京', '上海')"),
        ("N = 3 AND x IS NULL AND 城市 IS NOT NULL", "n = 3 AND x IS NULL AND \"城市\" IS NOT NULL"),
        ("n + 1 > 3 AND price < 24", "price < 24.00"),  # the first is left to the filter node
        ("price < 24.001 AND n < random() * 10", None),  # not exact in decimal(15, 2); not a constant
        ("n > 1 OR price > 2", None),
        ("d < '1994-02-01'", "d < DATE '1994-02-01'"),
        ("ts > TIMESTAMP '2026-01-01 00:00:00'", None),  # a naive time against a zoned column
        ("nope > 1 AND n <> 2", "n <> 2"),
        ("n < CAST('abc' AS INTEGER) AND d >= DATE '1994-01-01'", "d >= DATE '1994-01-01'"),  # a refused constant
    ],
)
def test_what_translates(condition: str, text: str | None) -> None:
    pushed = to_arrow_filter(condition, SCHEMA)
    assert (pushed.text if pushed else None) == text


def _table() -> pa.Table:
    return pa.table(
        {
            "d": pa.array([datetime.date(1994, 1, 1), datetime.date(1995, 6, 1), None, datetime.date(1994, 12, 31)]),
            "price": pa.array([Decimal("0.05"), Decimal("0.07"), Decimal("0.08"), None], pa.decimal128(15, 2)),
            "n": pa.array([1, 2, None, 4]),
            "x": pa.array([float("nan"), 1.0, 5.0, None]),
            "城市": pa.array(["北京", "上海", None, "一个很长很长的城市名字超过十二字节"]).cast(pa.string_view()),
            "ts": pa.array([0, 1, 2, 3], pa.timestamp("us", tz="Asia/Shanghai")),
        }
    )


@pytest.mark.parametrize(
    "condition",
    [
        "x > 2",  # DuckDB keeps NaN (above every number)
        "x <> 1",
        "d BETWEEN DATE '1994-01-01' AND DATE '1994-12-31' AND price <= 0.07",
        "城市 = '一个很长很长的城市名字超过十二字节' OR n = 1",
        "城市 >= '上' AND n IN (1, 4)",
        "price IS NULL OR d IS NULL",
    ],
)
def test_a_pushed_filter_keeps_every_row_the_condition_keeps(condition: str) -> None:
    table = _table()
    wanted = condition_mask(table, condition).to_pylist()
    pushed = to_arrow_filter(condition, table.schema)
    if pushed is None:
        return
    kept = ds.dataset(table).to_table(columns={"k": pushed.expression})["k"].fill_null(False).to_pylist()
    assert all(k for k, w in zip(kept, wanted, strict=True) if w), (kept, wanted)
