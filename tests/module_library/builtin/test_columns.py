"""Column modules: drop_columns, rename_columns, cast_types against pandas references."""

from __future__ import annotations

import datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

from dataops.errors import ModuleError
from module_library.registry import get_module
from tests.module_library.builtin.typed import TYPED, assert_types_kept, result
from tests.support.modules import param_error, run_module

SALES = pd.DataFrame(
    {
        "订单号": ["O1", "O2", "O3"],
        "城市": ["北京", None, "上海"],
        "价格": [10.5, np.nan, 3.0],
        "数量": [1, 2, 3],
    }
)


def test_drop_columns_keeps_the_rest_in_order() -> None:
    out = run_module("drop_columns", {"columns": ["城市", "数量"]}, data=SALES)
    assert_frame_equal(out, SALES[["订单号", "价格"]])


def test_drop_columns_on_empty_input() -> None:
    out = run_module("drop_columns", {"columns": ["城市"]}, data=SALES.iloc[:0])
    assert_frame_equal(out, SALES.iloc[:0].drop(columns=["城市"]))


def test_drop_columns_unknown_column_suggests_the_closest() -> None:
    with pytest.raises(ModuleError, match=r"^columns: unknown column '城' \(available: .*\); did you mean '城市'\?$"):
        run_module("drop_columns", {"columns": ["城"]}, data=SALES)


def test_drop_and_rename_need_what_their_consumers_need_under_the_input_names() -> None:
    drop = get_module("drop_columns")
    params = drop.params.model_validate({"columns": ["a"]})
    assert drop.input_needs(params, frozenset({"x"})) == {"data": frozenset({"x", "a"})}
    assert drop.input_needs(params, None) == {"data": None}
    rename = get_module("rename_columns")
    params = rename.params.model_validate({"mapping": {"a": "b", "c": "d"}})
    assert rename.input_needs(params, frozenset({"b", "x"})) == {"data": frozenset({"a", "c", "x"})}
    assert rename.input_needs(params, None) == {"data": None}


def test_rename_columns() -> None:
    out = run_module("rename_columns", {"mapping": {"城市": "city", "价格": "price"}}, data=SALES)
    assert_frame_equal(out, SALES.rename(columns={"城市": "city", "价格": "price"}))


def test_rename_columns_can_swap_names() -> None:
    out = run_module("rename_columns", {"mapping": {"城市": "订单号", "订单号": "城市"}}, data=SALES)
    assert list(out.columns) == ["城市", "订单号", "价格", "数量"]
    assert out["订单号"].tolist()[0] == "北京"


def test_rename_unknown_old_name_is_an_error() -> None:
    with pytest.raises(ModuleError, match=r"^mapping: unknown column '价钱' .*did you mean '价格'\?$"):
        run_module("rename_columns", {"mapping": {"价钱": "price"}}, data=SALES)


def test_rename_onto_a_kept_column_is_an_error() -> None:
    with pytest.raises(ModuleError, match="renaming '城市' to '价格' would give two columns named '价格'"):
        run_module("rename_columns", {"mapping": {"城市": "价格"}}, data=SALES)


def test_rename_params_checked_at_validation() -> None:
    assert "checks › node_1 › params: several columns would be renamed to x" in param_error(
        "rename_columns", {"mapping": {"a": "x", "b": "x"}}
    )
    assert "checks › node_1 › params.mapping: dictionary should have at least 1 item" in param_error(
        "rename_columns", {"mapping": {}}
    )


def test_cast_types_each_type() -> None:
    data = pd.DataFrame(
        {
            "i": ["1", " 2 ", None, "4.0"],
            "f": ["1.5", "2", None, "-3"],
            "s": [1.0, 2.5, np.nan, 4.0],
            "b": ["yes", "N", None, "1"],
            "dt": ["2026-01-02", "2026-01-03 10:30", None, "2026-12-31"],
            "d": ["2026-01-02", "2026-01-03", None, "2026-12-31"],
            "c": ["x", "y", None, "x"],
        }
    )
    types = {"i": "int", "f": "float", "s": "str", "b": "bool", "dt": "datetime", "d": "date", "c": "category"}
    out = run_module("cast_types", {"types": types}, data=data)
    expected = pd.DataFrame(
        {
            "i": pd.array([1, 2, None, 4], dtype="Int64"),
            "f": [1.5, 2.0, np.nan, -3.0],
            "s": pd.Series(["1.0", "2.5", np.nan, "4.0"], dtype="str"),
            "b": pd.array([True, False, None, True], dtype="boolean"),
            "dt": pd.to_datetime(["2026-01-02", "2026-01-03 10:30", None, "2026-12-31"], format="ISO8601"),
            # dates are Arrow-backed in pandas (no Python date objects)
            "d": pd.Series(
                [datetime.date(2026, 1, 2), datetime.date(2026, 1, 3), None, datetime.date(2026, 12, 31)],
                dtype=pd.ArrowDtype(pa.date32()),
            ),
            "c": pd.Categorical(["x", "y", None, "x"]),
        }
    )
    assert_frame_equal(out, expected)


def test_cast_types_non_ascii_column_and_untouched_columns() -> None:
    out = run_module("cast_types", {"types": {"数量": "float"}}, data=SALES)
    assert_frame_equal(out, SALES.assign(数量=SALES["数量"].astype("float64")))


def test_cast_types_bad_value_names_column_and_sample() -> None:
    data = pd.DataFrame({"价格": ["1", "二", "3", "x"]})
    with pytest.raises(
        ModuleError,
        match=r"^types: column '价格': 2 of 4 values cannot be converted to float, e\.g\. '二'; set errors: null",
    ):
        run_module("cast_types", {"types": {"价格": "float"}}, data=data)


def test_cast_types_fractional_value_does_not_fit_int() -> None:
    with pytest.raises(ModuleError, match=r"column 'n': 1 of 2 values cannot be converted to int, e\.g\. '1\.5'"):
        run_module("cast_types", {"types": {"n": "int"}}, data=pd.DataFrame({"n": ["1", "1.5"]}))


def test_cast_types_errors_null_turns_bad_values_into_nulls() -> None:
    data = pd.DataFrame({"价格": ["1", "二", None]})
    out = run_module("cast_types", {"types": {"价格": "int"}, "errors": "null"}, data=data)
    assert_frame_equal(out, pd.DataFrame({"价格": pd.array([1, None, None], dtype="Int64")}))


def test_cast_types_yaml_null_means_the_null_mode() -> None:
    params = get_module("cast_types").params.model_validate({"types": {"a": "int"}, "errors": None})
    assert params.errors == "null"


def test_cast_types_date_format_hint() -> None:
    with pytest.raises(ModuleError, match=r"e\.g\. '02.01.2026'; set a format such as %Y/%m/%d"):
        run_module("cast_types", {"types": {"d": "date"}}, data=pd.DataFrame({"d": ["02.01.2026"]}))


def test_cast_types_empty_input() -> None:
    data = pd.DataFrame({"a": pd.Series([], dtype="str")})
    out = run_module("cast_types", {"types": {"a": "int"}}, data=data)
    assert_frame_equal(out, pd.DataFrame({"a": pd.Series([], dtype="Int64")}))


def test_cast_types_unknown_column_and_type() -> None:
    with pytest.raises(ModuleError, match=r"^types: unknown column '价' .*did you mean '价格'\?$"):
        run_module("cast_types", {"types": {"价": "int"}}, data=SALES)
    assert "checks › node_1 › params.types.价格: input should be 'int', 'float'" in param_error(
        "cast_types", {"types": {"价格": "integer"}}
    )
    assert "checks › node_1 › params.errors: input should be 'fail' or 'null'" in param_error(
        "cast_types", {"types": {"价格": "int"}, "errors": "ignore"}
    )


# Typed data (tests/module_library/builtin/typed.py)


def test_select_drop_and_rename_keep_every_type() -> None:
    chosen = result("select_columns", {"columns": ["结构", "金额", "名称", "类别", "列表", "时间"]})
    assert chosen.schema == TYPED.select(["结构", "金额", "名称", "类别", "列表", "时间"]).schema
    assert result("drop_columns", {"columns": ["n"]}).schema == TYPED.drop_columns(["n"]).schema
    renamed = result("rename_columns", {"mapping": {"金额": "amount", "名称": "城市"}})
    assert renamed.column_names[:4] == ["amount", "日期", "时间", "城市"]
    assert renamed.schema.field("amount").type == pa.decimal128(15, 2)
    assert renamed.schema.field("城市").type == pa.string_view()


def test_derive_column_decimal_arithmetic_is_exact_and_never_overflows() -> None:
    out = result("derive_column", {"name": "净额", "expression": "金额 * (1 - 金额)"})
    assert out.schema.remove_metadata() == TYPED.schema.append(pa.field("净额", out.schema.field("净额").type))
    assert pa.types.is_decimal(out.schema.field("净额").type)
    assert out.column("净额").to_pylist()[:2] == [Decimal("100840.04") * (1 - Decimal("100840.04")), Decimal("0.0099")]
    replaced = result("derive_column", {"name": "日期", "expression": "日期 + INTERVAL 1 DAY"})
    assert replaced.column("日期").to_pylist()[0] == datetime.datetime(1994, 1, 2)


def test_cast_types_over_typed_columns() -> None:
    types = {"金额": "str", "日期": "str", "n": "bool", "价格": "int", "类别": "category", "名称": "category", "时间": "date"}
    out = result("cast_types", {"types": types, "errors": "null"})
    assert out.column("金额").to_pylist() == ["100840.04", "0.01", None, "5.50"]
    assert out.column("日期").to_pylist() == ["1994-01-01", None, "1995-06-30", "1994-01-01"]
    assert out.column("n").to_pylist() == [True, None, None, None]  # only 0 and 1 are flags
    assert out.column("价格").to_pylist() == [None, None, None, 4]  # 1.5 is not whole; NaN is missing
    assert out.column("名称").to_pylist() == ["甲", "乙", None, "甲"]
    assert out.column("时间").to_pylist() == [datetime.date(2026, 1, 1), None, datetime.date(2026, 1, 2), None]
    types_seen = {f.name: f.type for f in out.schema}
    assert types_seen["名称"] == pa.dictionary(pa.int32(), pa.string()) and types_seen["类别"] == TYPED.schema.field("类别").type
    assert (types_seen["n"], types_seen["价格"], types_seen["时间"]) == (pa.bool_(), pa.int64(), pa.date32())
    assert_types_kept(out, ["列表", "结构"])


def test_cast_types_timestamp_to_date_takes_the_local_date() -> None:
    late = pa.table({"t": pa.array([datetime.datetime(2026, 1, 1, 20)], pa.timestamp("us", "Asia/Shanghai"))})
    assert result("cast_types", {"types": {"t": "date"}}, data=late).column("t").to_pylist() == [datetime.date(2026, 1, 2)]
