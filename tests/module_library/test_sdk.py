"""The module SDK: declaration, return-value normalisation, column declarations."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest
from pydantic import Field

from dataops.errors import ModuleError, RegistryError
from module_library import ModuleParams, get_module, module, registry
from module_library.module_spec import normalise_outputs


class ColumnParams(ModuleParams):
    column: str = Field(description="A column.")


@pytest.fixture
def cleanup():
    names: list[str] = []
    yield names
    for name in names:
        registry.unregister(name)


def test_decorator_registers_a_described_module(cleanup) -> None:
    @module(category="text", params=ColumnParams, reads=lambda p: [p.column])
    def shout(data: pd.DataFrame, params: ColumnParams) -> pd.DataFrame:
        """Upper-case one column.

        More text that the palette does not show.
        """
        return data.assign(**{params.column: data[params.column].str.upper()})

    cleanup.append("shout")
    spec = get_module("shout")
    assert spec.describe()["description"] == "Upper-case one column."
    assert spec.describe()["inputs"] == [{"name": "data", "many": False, "optional": False}]
    assert spec.describe()["params_schema"]["properties"]["column"]["description"] == "A column."
    assert spec.columns_read(ColumnParams(column="城市")) == {"data": ["城市"]}
    out = spec.run({"data": pd.DataFrame({"城市": ["bj"]})}, ColumnParams(column="城市"))
    pd.testing.assert_frame_equal(out["result"].to_pandas(), pd.DataFrame({"城市": ["BJ"]}))
    assert "test_sdk.py" in spec.origin


@pytest.mark.parametrize(
    "value",
    [
        pd.DataFrame({"a": [1, 2]}),
        pd.Series([1, 2], name="a"),
        {"a": [1, 2]},
        [{"a": 1}, {"a": 2}],
        pa.table({"a": [1, 2]}),
    ],
)
def test_return_values_are_normalised_to_arrow_tables(cleanup, value) -> None:
    @module(category="test", name="give")
    def give(data: pd.DataFrame, params) -> object:
        return value

    cleanup.append("give")
    out = normalise_outputs(get_module("give"), value)
    assert isinstance(out["result"], pa.Table)
    pd.testing.assert_frame_equal(out["result"].to_pandas(), pd.DataFrame({"a": [1, 2]}))


def test_a_named_index_becomes_columns(cleanup) -> None:
    @module(category="test", name="grouped")
    def grouped(data: pd.DataFrame, params) -> pd.DataFrame:
        return data.groupby("k").sum()

    cleanup.append("grouped")
    out = get_module("grouped").run({"data": pd.DataFrame({"k": ["a", "a", "b"], "v": [1, 2, 3]})}, None)
    pd.testing.assert_frame_equal(out["result"].to_pandas(), pd.DataFrame({"k": ["a", "b"], "v": [3, 3]}))


def test_anything_else_is_an_error_naming_the_module(cleanup) -> None:
    @module(category="test", name="bad_return")
    def bad_return(data: pd.DataFrame, params) -> object:
        return 42

    cleanup.append("bad_return")
    with pytest.raises(ModuleError, match="module 'bad_return' returned int for output 'result'; expected a DataFrame"):
        get_module("bad_return").run({"data": pd.DataFrame()}, None)


def test_duplicate_names_are_refused_naming_both(cleanup) -> None:
    @module(category="test", name="twice")
    def first(data: pd.DataFrame, params) -> pd.DataFrame:
        return data

    cleanup.append("twice")
    with pytest.raises(RegistryError, match=r"duplicate module name 'twice': defined by .*first.* and by .*second"):

        @module(category="test", name="twice")
        def second(data: pd.DataFrame, params) -> pd.DataFrame:
            return data


def test_registry_view_is_read_only() -> None:
    with pytest.raises(TypeError):
        registry.MODULES["x"] = None  # type: ignore[index]


def test_optional_ports_are_described_and_default_to_none(cleanup) -> None:
    from module_library import ModuleResult, optional

    @module(category="test", name="maybe_two", inputs=("data", optional("extra")))
    def maybe_two(data: pd.DataFrame, params, extra: pd.DataFrame | None = None) -> ModuleResult:
        """Count rows of one or two tables."""
        rows = len(data) + (0 if extra is None else len(extra))
        return ModuleResult(pd.DataFrame({"rows": [rows]}), metadata={"note": "**counted**"})

    cleanup.append("maybe_two")
    spec = get_module("maybe_two")
    assert spec.describe()["inputs"] == [
        {"name": "data", "many": False, "optional": False},
        {"name": "extra", "many": False, "optional": True},
    ]
    frames, metadata = spec.run_with_metadata({"data": pd.DataFrame({"a": [1, 2]}), "extra": None}, None)
    assert frames["result"].to_pydict() == {"rows": [2]}
    assert metadata == {"note": "**counted**"}
    out = spec.run({"data": pd.DataFrame({"a": [1]}), "extra": pd.DataFrame({"a": [1]})}, None)
    assert out["result"].to_pydict() == {"rows": [2]}


def test_module_result_with_several_outputs(cleanup) -> None:
    from module_library import ModuleResult

    @module(category="test", name="halves", outputs=("head", "tail"))
    def halves(data: pd.DataFrame, params) -> ModuleResult:
        return ModuleResult({"head": data.iloc[:1], "tail": data.iloc[1:]}, metadata={"split": "1 / rest"})

    cleanup.append("halves")
    frames, metadata = get_module("halves").run_with_metadata({"data": pd.DataFrame({"a": [1, 2, 3]})}, None)
    assert [frames["head"].num_rows, frames["tail"].num_rows] == [1, 2] and metadata == {"split": "1 / rest"}
