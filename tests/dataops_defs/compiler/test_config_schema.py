"""Every library module's params become a Dagster config schema that accepts the flowchart's params."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from dataops.spec import parse_flowchart
from dataops_defs.compiler import make_flowchart_job
from module_library.discovery import discover

discover()

EXAMPLES = {
    "drop_columns": {"columns": ["城市"]},
    "rename_columns": {"mapping": {"城市": "city"}},
    "cast_types": {"types": {"数量": "int", "日期": "date"}, "errors": None},
    "deduplicate": {"subset": ["订单号"], "keep": "last"},
    "drop_nulls": {"how": "all"},
    "fill_nulls": {
        "values": {"城市": "?", "数量": 0, "价格": 1.5, "有货": True},
        "strategy": "mean",
        "columns": ["价格"],
    },
    "limit_rows": {"n": 3},
    "sample_rows": {"fraction": 1},
    "split_rows": {"condition": "价格 > 1"},
    "union": {},
    "pivot": {"index": ["城市"], "columns": "产品", "values": "价格"},
    "unpivot": {"id_columns": ["城市"], "value_columns": ["价格"]},
    "string_transform": {"columns": ["城市"], "operation": "replace", "pattern": "a", "regex": True},
    "parse_dates": {"columns": ["日期"], "format": "%Y-%m-%d"},
    "normalize": {"columns": ["价格"]},
    "one_hot_encode": {"columns": ["城市"], "drop_original": False},
    "bin_column": {"column": "价格", "bins": [0, 100, 200], "labels": ["a", "b"], "as": "档"},
    "drop_outliers": {"columns": ["价格"], "method": "zscore", "threshold": 2},
    "validate_rows": {"rules": [{"name": "a", "condition": "价格 > 0"}], "fail_if_invalid": False},
    "describe": {},
    "sql_query": {"query": "SELECT * FROM data"},
}


@pytest.mark.parametrize(("module", "params"), EXAMPLES.items(), ids=list(EXAMPLES))
def test_params_are_config_defaults_that_fit_the_schema(module: str, params: dict) -> None:
    document = {
        "name": f"c_{module}",
        "nodes": [
            {"id": "load", "module": "read_csv", "params": {"path": "sales.csv"}},
            {"id": "node", "module": module, "params": params},
        ],
        "edges": [{"from": "load", "to": "node.data"}],
    }
    flowchart = parse_flowchart(json.dumps(document, ensure_ascii=False), json_format=True)
    config = dg.validate_run_config(make_flowchart_job(flowchart), {})["ops"]
    assert (
        flowchart.params["node"].model_validate(config[f"c_{module}__flowchart.c_{module}__node"]["config"])
        == (flowchart.params["node"])
    )


def test_a_described_enum_inside_a_map_stays_a_string() -> None:
    from dataops_defs.compiler.config_schema import config_schema
    from module_library.builtin.columns import CastTypesParams

    types = config_schema(CastTypesParams)["types"].config_type
    assert isinstance(types, dg.Map) and types.inner_type.given_name == "String"
