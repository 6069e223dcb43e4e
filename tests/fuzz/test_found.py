"""What the fuzzers found, kept as plain examples: each failed with an unexpected exception before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dataops.errors import FlowchartError, ModuleError
from dataops.spec import parse_flowchart
from module_library.discovery import discover
from module_library.registry import get_module

discover()


def run(name: str, params: dict, **inputs) -> dict[str, pd.DataFrame]:
    spec = get_module(name)
    return {port: table.to_pandas() for port, table in spec.run(inputs, spec.params.model_validate(params)).items()}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!timestamp 2024-01-01x", "'2024-01-01x' is not a valid !!timestamp value"),
        ("a: !!int many", "'many' is not a valid !!int value"),
        ("a: !!bool maybe", "'maybe' is not a valid !!bool value"),
        ("a: !!set [1]", "expected a mapping, but found a sequence"),
        ("a: !!map x", "expected a mapping, but found a scalar"),
        ("? [a, b]\n: 1", "found unhashable key"),
        ("name: \ud800", "character 7 is not valid Unicode text"),
    ],
)
def test_odd_yaml_is_a_flowchart_error(text: str, message: str) -> None:
    with pytest.raises(FlowchartError, match=message):
        parse_flowchart(text, file="f.yaml")


def test_join_keys_of_different_kinds() -> None:
    left, right = pd.DataFrame({"id": [1, 2]}), pd.DataFrame({"id": pd.Series(["1"], dtype="str")})
    with pytest.raises(ModuleError, match=r"cannot match the keys 'id' \(int64\) with 'id' \(large_string\)"):
        run("join", {"on": ["id"]}, left=left, right=right)


def test_union_of_numbers_and_text_is_text() -> None:
    numbers, text = pd.DataFrame({"code": [1, 2]}), pd.DataFrame({"code": pd.Series(["A3"], dtype="str")})
    stacked = run("union", {}, data=[numbers, text])["result"]
    assert stacked["code"].tolist() == ["1", "2", "A3"] and pd.api.types.is_string_dtype(stacked["code"])


def test_fill_text_with_a_number_is_refused() -> None:
    data = pd.DataFrame({"city": pd.Series([None, "北京"], dtype="str")})
    with pytest.raises(ModuleError, match=r"column 'city' \(str\) cannot hold 0; give a value of the column's type"):
        run("fill_nulls", {"values": {"city": 0}}, data=data)


def test_a_null_condition_keeps_no_row() -> None:
    data = pd.DataFrame({"x": pd.Series([], dtype=object)})
    assert run("filter_rows", {"condition": "x"}, data=data)["result"].empty
    assert run("filter_rows", {"condition": "NULL"}, data=pd.DataFrame({"x": [1]}))["result"].empty


def test_sorting_a_column_of_numbers_and_text() -> None:
    data = pd.DataFrame({"k": pd.Series([2, "b", 1], dtype=object)})
    assert run("sort_rows", {"by": ["k"]}, data=data)["result"]["k"].tolist() == ["1", "2", "b"]


def test_describe_values_that_cannot_be_binned() -> None:
    spec = get_module("describe")
    _, metadata = spec.run_with_metadata({"data": pd.DataFrame({"p": [1e300, 1.7e308, np.inf]})}, spec.params())
    assert "no histogram" in metadata["histograms"]


def test_normalize_integers_beyond_float_precision() -> None:
    data = pd.DataFrame({"城市": [9007199254740993, 0]})
    (out,) = run("normalize", {"columns": ["城市"], "method": "minmax"}, data=data).values()
    assert out["城市"].tolist() == [1.0, 0.0]


def test_group_by_a_numeric_dictionary_key_keeps_its_type() -> None:
    """Found by the module fuzz test: a key of dictionary<double> (a pandas category of floats)
    came back from DuckDB as double, and Arrow cannot cast double to a dictionary."""
    from module_library.builtin.aggregate import GroupAggregateParams, group_aggregate

    key = pa.array([None, 1.5, 1.5], pa.float64()).dictionary_encode()
    table = pa.table({"城市": [1, 2, 3], "amount": key})
    params = GroupAggregateParams.model_validate(
        {"by": ["amount"], "aggregations": [{"column": "城市", "function": "sum"}]}
    )
    out = group_aggregate(table, params)
    assert out.schema.field("amount").type == key.type
    assert sorted(zip(out.column("amount").to_pylist(), out.column(1).to_pylist(), strict=True), key=str) == [
        (1.5, 5),
        (None, 1),
    ]
