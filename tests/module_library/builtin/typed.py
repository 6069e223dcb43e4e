"""The typed table every built-in module is tested over: decimals, dates, zoned timestamps, string
views, dictionaries, lists, structs, floats with NaN, Chinese column names and nulls."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pyarrow as pa

from module_library.registry import get_module
from tests.support.modules import discover  # noqa: F401  (registers the built-ins)

ZONE = "Asia/Shanghai"
TYPED = pa.table(
    {
        "金额": pa.array([Decimal("100840.04"), Decimal("0.01"), None, Decimal("5.50")], pa.decimal128(15, 2)),
        "日期": pa.array([datetime.date(1994, 1, 1), None, datetime.date(1995, 6, 30), datetime.date(1994, 1, 1)]),
        "时间": pa.array([datetime.datetime(2026, 1, 1, 8), None, datetime.datetime(2026, 1, 2), None], pa.timestamp("us", ZONE)),
        "名称": pa.array(["甲", "乙", None, "甲"], pa.string_view()),
        "类别": pa.array(["a", "b", "a", None]).dictionary_encode(),
        "列表": pa.array([[1, 2], None, [], [3]]),
        "结构": pa.array([{"x": 1}, {"x": None}, None, {"x": 4}]),
        "n": pa.array([1, 2, 3, 4], pa.int64()),
        "价格": pa.array([1.5, float("nan"), None, 4.0], pa.float64()),
    }
)


def run(name: str, params: dict, **inputs: pa.Table | list[pa.Table]) -> dict[str, pa.Table]:
    """Every output table of module `name` over Arrow inputs."""
    spec = get_module(name)
    return spec.run(inputs, spec.params.model_validate(params))


def result(name: str, params: dict, **inputs: pa.Table | list[pa.Table]) -> pa.Table:
    """The `result` output of module `name` over Arrow inputs (TYPED as `data` unless given)."""
    return run(name, params, **({"data": TYPED} | inputs))["result"]


def assert_types_kept(table: pa.Table, columns: list[str] | None = None) -> None:
    """The listed (default: all) columns of `table` that TYPED has keep TYPED's exact type."""
    for name in columns or table.column_names:
        if name in TYPED.column_names:
            assert table.schema.field(name).type == TYPED.schema.field(name).type, name


def moment(day: int, hour: int = 0) -> datetime.datetime:
    """A TYPED 时间 value: January `day`, 2026, `hour` o'clock UTC, as pyarrow gives it back."""
    return datetime.datetime(2026, 1, day, hour, tzinfo=datetime.UTC).astimezone(ZoneInfo(ZONE))
