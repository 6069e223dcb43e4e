"""Call a registered module as a flowchart would, and collect the validation errors of its params."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from dataops.errors import FlowchartError
from dataops.spec import parse_flowchart
from module_library.arrow_convert import arrow_to_pandas
from module_library.discovery import discover
from module_library.registry import get_module

discover()


def run_module(name: str, params: dict[str, Any], **inputs: Any) -> Any:
    """The module's output as a DataFrame (converted from the Arrow table every module returns as
    the pandas modules receive theirs), or a dict of them for a module with several outputs."""
    spec = get_module(name)
    outputs = {port: arrow_to_pandas(table) for port, table in spec.run(inputs, spec.params.model_validate(params)).items()}
    return outputs["result"] if list(outputs) == ["result"] else outputs


def param_error(module: str, params: dict[str, Any]) -> str:
    """The FlowchartError text for a node `node_1` using `module` with `params`, fed by a CSV source."""
    document = {
        "name": "checks",
        "nodes": [
            {"id": "load", "module": "read_csv", "params": {"path": "sales.csv"}},
            {"id": "node_1", "module": module, "params": params},
        ],
        "edges": [{"from": "load", "to": "node_1.data"}],
    }
    with pytest.raises(FlowchartError) as info:
        parse_flowchart(json.dumps(document, ensure_ascii=False), file="f.json", json_format=True)
    return str(info.value)


def frame(**columns: Any) -> pd.DataFrame:
    """A DataFrame from keyword columns (non-ASCII names welcome: frame(**{"城市": [...]}))."""
    return pd.DataFrame(columns)
