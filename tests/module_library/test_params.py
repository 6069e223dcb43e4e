"""enum_descriptions: what each value of a Literal param means, in the params model's JSON Schema."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import Field

from dataops.errors import RegistryError
from module_library import ModuleParams
from module_library.builtin.aggregate import GroupAggregateParams
from module_library.builtin.reshape import PivotParams
from module_library.params import enum_descriptions

Speed = Annotated[Literal["slow", "fast"], enum_descriptions({"fast": "in memory", "slow": "on disk"})]


class Params(ModuleParams):
    speed: Speed = Field("slow", description="How to go.")
    fallback: Speed | None = None


def test_the_schema_names_what_each_value_means_beside_the_enum() -> None:
    schema = Params.model_json_schema()["properties"]
    assert schema["speed"]["enum"] == ["slow", "fast"]
    assert schema["speed"]["x-enum-descriptions"] == {"slow": "on disk", "fast": "in memory"}
    assert schema["speed"]["description"] == "How to go."
    optional = next(s for s in schema["fallback"]["anyOf"] if "enum" in s)
    assert optional["x-enum-descriptions"] == {"slow": "on disk", "fast": "in memory"}
    assert Params(speed="fast").speed == "fast"


def test_the_aggregate_functions_are_described_wherever_they_are_used() -> None:
    aggregation = GroupAggregateParams.model_json_schema()["$defs"]["Aggregation"]["properties"]["function"]
    assert aggregation["x-enum-descriptions"]["size"] == "number of rows (needs no column)"
    assert set(aggregation["x-enum-descriptions"]) == set(aggregation["enum"])
    pivot = PivotParams.model_json_schema()["properties"]["aggregation"]
    assert pivot["x-enum-descriptions"] == aggregation["x-enum-descriptions"]


def test_descriptions_that_do_not_match_the_values_are_refused() -> None:
    class Drifted(ModuleParams):
        speed: Annotated[Literal["slow", "fast", "warp"], enum_descriptions({"slow": "on disk", "fats": "typo"})]

    with pytest.raises(RegistryError, match=r"undescribed: fast, warp; not a value: fats"):
        Drifted.model_json_schema()
