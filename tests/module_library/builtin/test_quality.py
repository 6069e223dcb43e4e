"""Quality modules: drop_outliers and validate_rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

from dataops.errors import ModuleError
from tests.module_library.builtin.typed import TYPED, result, run
from tests.support.modules import param_error, run_module

PRICES = pd.DataFrame({"城市": list("abcdefgh"), "价格": [10.0, 11, 12, 11, 10, 500, np.nan, -300]})


def test_drop_outliers_iqr() -> None:
    out = run_module("drop_outliers", {"columns": ["价格"]}, data=PRICES)
    values = PRICES["价格"]
    q1, q3 = values.quantile(0.25), values.quantile(0.75)
    keep = ~((values < q1 - 1.5 * (q3 - q1)) | (values > q3 + 1.5 * (q3 - q1)))
    assert_frame_equal(out, PRICES[keep].reset_index(drop=True))
    assert out["城市"].tolist() == ["a", "b", "c", "d", "e", "g"]


def test_drop_outliers_zscore() -> None:
    out = run_module("drop_outliers", {"columns": ["价格"], "method": "zscore", "threshold": 1.5}, data=PRICES)
    values = PRICES["价格"]
    keep = ~((values - values.mean()).abs() / values.std(ddof=0) > 1.5)
    assert_frame_equal(out, PRICES[keep].reset_index(drop=True))


def test_drop_outliers_constant_and_empty_input() -> None:
    constant = PRICES.assign(价格=1.0)
    assert_frame_equal(run_module("drop_outliers", {"columns": ["价格"], "method": "zscore"}, data=constant), constant)
    assert_frame_equal(run_module("drop_outliers", {"columns": ["价格"]}, data=PRICES.iloc[:0]), PRICES.iloc[:0])


def test_drop_outliers_errors() -> None:
    with pytest.raises(ModuleError, match=r"^columns: column '城市' holds str values, not numbers"):
        run_module("drop_outliers", {"columns": ["城市"]}, data=PRICES)
    assert "checks › node_1 › params.factor: input should be greater than 0" in param_error(
        "drop_outliers", {"columns": ["价格"], "factor": 0}
    )


ORDERS = pd.DataFrame({"订单号": ["O1", "O2", "O3", "O4"], "价格": [10.0, np.nan, -1.0, 5.0], "数量": [1, 0, 2, 3]})
RULES = [
    {"name": "price_present", "condition": "价格 IS NOT NULL"},
    {"name": "price_positive", "condition": "价格 > 0"},
    {"name": "quantity_positive", "condition": "数量 > 0"},
]


def test_validate_rows_routes_and_names_broken_rules() -> None:
    out = run_module("validate_rows", {"rules": RULES}, data=ORDERS)
    assert_frame_equal(out["valid"], ORDERS.iloc[[0, 3]].reset_index(drop=True))
    expected = ORDERS.iloc[[1, 2]].reset_index(drop=True)
    expected["broken_rules"] = pd.Series(
        ["price_present, price_positive, quantity_positive", "price_positive"], dtype="str"
    )
    assert_frame_equal(out["invalid"], expected)


def test_validate_rows_empty_input_and_all_valid() -> None:
    out = run_module("validate_rows", {"rules": RULES}, data=ORDERS.iloc[:0])
    assert_frame_equal(out["valid"], ORDERS.iloc[:0])
    assert list(out["invalid"].columns) == ["订单号", "价格", "数量", "broken_rules"] and out["invalid"].empty
    out = run_module("validate_rows", {"rules": RULES[:1]}, data=ORDERS.iloc[[0]])
    assert len(out["valid"]) == 1 and out["invalid"].empty


def test_validate_rows_fail_if_invalid_names_rules_and_counts() -> None:
    with pytest.raises(
        ModuleError,
        match=r"^rules: 2 rows of 4 break rules: price_present \(1 row\), price_positive \(2 rows\), "
        r"quantity_positive \(1 row\); fix the data",
    ):
        run_module("validate_rows", {"rules": RULES, "fail_if_invalid": True}, data=ORDERS)
    out = run_module("validate_rows", {"rules": RULES, "fail_if_invalid": True}, data=ORDERS.iloc[[0]])
    assert len(out["valid"]) == 1


def test_validate_rows_rule_errors() -> None:
    with pytest.raises(ModuleError, match=r"^rules\[1\]\.condition: unknown column '价钱' .*did you mean '价格'\?$"):
        run_module("validate_rows", {"rules": [RULES[0], {"name": "x", "condition": "价钱 > 0"}]}, data=ORDERS)
    assert "checks › node_1 › params: rule names repeat: a" in param_error(
        "validate_rows", {"rules": [{"name": "a", "condition": "true"}, {"name": "a", "condition": "false"}]}
    )
    assert "checks › node_1 › params.rules[0].condition: unbalanced ')' in the expression" in param_error(
        "validate_rows", {"rules": [{"name": "a", "condition": "1) OR (1"}]}
    )
    assert "checks › node_1 › params.rules[0].name: missing required param 'name'" in param_error(
        "validate_rows", {"rules": [{"condition": "true"}]}
    )


# Typed data (tests/module_library/builtin/typed.py)


def test_drop_outliers_over_decimals_keeps_every_type() -> None:
    out = result("drop_outliers", {"columns": ["金额"], "factor": 0.1})  # 100840.04 lies above q3 + 0.1 IQR
    assert out.schema == TYPED.schema
    assert out.column("n").to_pylist() == [2, 3, 4]  # the null amount stays
    zscore = result("drop_outliers", {"columns": ["n", "价格"], "method": "zscore", "threshold": 1.2})
    assert zscore.schema == TYPED.schema and zscore.column("n").to_pylist() == [2, 3]


def test_validate_rows_over_typed_columns() -> None:
    rules = [
        {"name": "有金额", "condition": "金额 IS NOT NULL"},
        {"name": "早", "condition": "日期 < DATE '1995-01-01'"},
        {"name": "有列表", "condition": "len(列表) > 0"},
    ]
    out = run("validate_rows", {"rules": rules}, data=TYPED)
    assert out["valid"].schema == TYPED.schema and out["valid"].column("n").to_pylist() == [1, 4]
    invalid = out["invalid"]
    assert invalid.schema == TYPED.schema.append(pa.field("broken_rules", pa.string()))
    assert invalid.column("broken_rules").to_pylist() == ["早, 有列表", "有金额, 早, 有列表"]
