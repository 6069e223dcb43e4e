"""The validation boundary: every user mistake becomes one located line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dataops.errors import FlowchartError
from dataops.flowcharts import load_flowchart
from dataops.spec import parse_flowchart, parse_mapping, validate_params
from module_library.discovery import discover
from module_library.registry import get_module

discover()

GOOD = """
name: sales_by_city
description: 按城市汇总销售额
nodes:
  - id: load
    module: read_csv
    params: {path: sales.csv}
    label: 读取销售数据
    position: {x: 40, y: 80}
  - {id: big, module: filter_rows, params: {condition: "price > 90"}}
  - {id: save, module: write_csv, params: {path: out/big.csv}}
edges:
  - {from: load, to: big}
  - {from: big.result, to: save.data}
"""


def problems(text: str, **kwargs) -> list[str]:
    with pytest.raises(FlowchartError) as info:
        parse_flowchart(text, file="f.yaml", **kwargs)
    return [str(p) for p in info.value.problems]


def test_the_issue_example_is_valid_and_resolves_ports() -> None:
    flowchart = parse_flowchart(GOOD)
    assert flowchart.name == "sales_by_city"
    assert flowchart.order == ("load", "big", "save")
    assert [(w.source, w.source_port, w.target, w.target_port) for w in flowchart.wires] == [
        ("load", "result", "big", "data"),
        ("big", "result", "save", "data"),
    ]
    assert flowchart.params["load"].encoding == "auto"
    assert flowchart.nodes["load"].label == "读取销售数据"


def test_json_is_equivalent_to_yaml(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "f.json"
    path.write_text(json.dumps(yaml.safe_load(GOOD), ensure_ascii=False), encoding="utf-8")
    from_json = load_flowchart(path)
    assert from_json.spec == parse_flowchart(GOOD).spec


def test_a_parsed_mapping_validates_as_its_text_does() -> None:
    import yaml

    document = yaml.safe_load(GOOD)
    assert parse_mapping(document, file="f.yaml").spec == parse_flowchart(GOOD).spec
    document["edgs"] = []
    with pytest.raises(FlowchartError) as info:
        parse_mapping(document, file="f.yaml")
    assert [str(p) for p in info.value.problems] == [
        "f.yaml: sales_by_city › edgs: unknown key 'edgs'; did you mean 'edges'?"
    ]
    with pytest.raises(FlowchartError, match="a flowchart is a mapping with name, nodes and edges; got list"):
        parse_mapping([], file="f.yaml")


def test_params_are_checked_again_through_the_public_entry_point() -> None:
    spec = get_module("filter_rows")
    model, found = validate_params("flow", "big", spec.name, spec.params, {"conditon": "x > 1"}, "f.yaml")
    assert model is None
    assert [str(p) for p in found] == [
        "f.yaml: flow › big › params.condition: missing required param 'condition' (filter_rows expects: condition)",
        "f.yaml: flow › big › params.conditon: unknown param 'conditon'; did you mean 'condition'? "
        "(filter_rows expects: condition)",
    ]


def test_params_may_be_omitted_when_nothing_is_required() -> None:
    text = GOOD.replace("params: {path: out/big.csv}", "params: {path: out/big.csv}").replace(
        '  - {id: big, module: filter_rows, params: {condition: "price > 90"}}',
        '  - {id: big, module: filter_rows, params: {condition: "price > 90"}}',
    )
    assert parse_flowchart(text)


def test_unknown_top_level_key_is_an_error_with_suggestion() -> None:
    assert problems(GOOD + "edgs: []\n") == ["f.yaml: sales_by_city › edgs: unknown key 'edgs'; did you mean 'edges'?"]


def test_unknown_module_suggests_the_closest() -> None:
    assert problems(GOOD.replace("module: read_csv", "module: read_cvs")) == [
        "f.yaml: sales_by_city › load › module: unknown module 'read_cvs'; did you mean 'read_csv'?"
    ]


def test_missing_and_misspelt_param_name_what_was_expected() -> None:
    found = problems(GOOD.replace("{condition:", "{conditon:"))
    assert found == [
        "f.yaml: sales_by_city › big › params.condition: missing required param 'condition' (filter_rows expects: condition)",
        "f.yaml: sales_by_city › big › params.conditon: unknown param 'conditon'; did you mean 'condition'? (filter_rows expects: condition)",
    ]


def test_wrong_param_type() -> None:
    assert problems(GOOD.replace('{condition: "price > 90"}', "{condition: 3}")) == [
        "f.yaml: sales_by_city › big › params.condition: input should be a valid string (got 3)"
    ]


def test_param_validator_message_is_kept() -> None:
    found = problems(GOOD.replace("{path: out/big.csv}", "{path: out/big.csv, encoding: utf-9}"))
    assert found == [
        "f.yaml: sales_by_city › save › params.encoding: unknown encoding 'utf-9' (e.g. utf-8, gbk, gb18030)"
    ]


def test_duplicate_node_id() -> None:
    text = GOOD.replace("  - {id: save,", "  - {id: big, module: filter_rows, params: {condition: x}}\n  - {id: save,")
    assert "f.yaml: sales_by_city › big › id: duplicate node id 'big' (2 nodes use it)" in problems(text)


def test_edge_to_missing_node_and_port() -> None:
    found = problems(GOOD.replace("{from: load, to: big}", "{from: lod, to: big}"))
    assert found[0] == "f.yaml: sales_by_city › edges[0].from: no node 'lod'; did you mean 'load'?"
    found = problems(GOOD.replace("to: save.data", "to: save.dta"))
    assert (
        found[0]
        == "f.yaml: sales_by_city › save › edges[1].to: write_csv has no input 'dta' (inputs: data); did you mean 'data'?"
    )


def test_edge_from_an_input_port_names_the_direction() -> None:
    found = problems(GOOD.replace("from: big.result", "from: big.data"))
    assert (
        found[0]
        == "f.yaml: sales_by_city › big › edges[1].from: 'big.data' is an input, not an output (filter_rows outputs: result)"
    )


def test_input_without_edge() -> None:
    found = problems(GOOD.replace("  - {from: load, to: big}\n", ""))
    assert found == ["f.yaml: sales_by_city › big › data: input 'data' has no incoming edge"]


def test_two_edges_into_one_single_valued_input() -> None:
    found = problems(GOOD + "  - {from: load, to: save}\n")
    assert found == [
        "f.yaml: sales_by_city › save › data: input 'data' takes one edge but has 2 (from big, load); "
        "combine tables with 'union' or 'join' first"
    ]


def test_cycle_lists_its_nodes() -> None:
    text = """
name: loop
nodes:
  - {id: a, module: filter_rows, params: {condition: x}}
  - {id: b, module: filter_rows, params: {condition: x}}
  - {id: c, module: filter_rows, params: {condition: x}}
edges:
  - {from: a, to: b}
  - {from: b, to: c}
  - {from: c, to: a}
"""
    assert problems(text) == ["f.yaml: loop › a › edges: the edges form a cycle: a → b → c → a"]


def test_self_loop_is_a_cycle() -> None:
    text = "name: s\nnodes:\n  - {id: a, module: filter_rows, params: {condition: x}}\nedges:\n  - {from: a, to: a}\n"
    assert problems(text) == ["f.yaml: s › a › edges: the edges form a cycle: a → a"]


def test_invalid_names() -> None:
    found = problems(GOOD.replace("name: sales_by_city", "name: 1sales").replace("id: load", "id: lo-ad"))
    assert (
        "f.yaml: 1sales › name: '1sales' is not a valid name: use letters, digits and _, not starting with a digit"
        in found
    )
    assert (
        "f.yaml: 1sales › lo-ad › id: 'lo-ad' is not a valid name: use letters, digits and _, not starting with a digit"
        in found
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n", "f.yaml: a flowchart is a mapping with name, nodes and edges; got list"),
        ("", "f.yaml: a flowchart is a mapping with name, nodes and edges; got nothing"),
        (
            "a: [\n",
            "f.yaml: line 2, column 1: invalid YAML: while parsing a flow node, expected the node content, but found '<stream end>'",
        ),
        ("a: 1\na: 2\n", "f.yaml: line 2, column 1: invalid YAML: duplicate key 'a'"),
        (
            "!!python/object/apply:os.system ['echo pwned']\n",
            "f.yaml: line 1, column 1: invalid YAML: could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'",
        ),
    ],
)
def test_unreadable_documents(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_invalid_json_names_line_and_column() -> None:
    assert problems('{"name": "x",\n "nodes": [}', json_format=True) == [
        "f.yaml: line 2, column 12: invalid JSON: Expecting value"
    ]


def test_json_refuses_duplicate_keys_as_yaml_does() -> None:
    """JSON kept the last of repeated keys: `path` twice read /etc/passwd where a reviewer saw sales.csv."""
    text = '{"name": "dup",\n "nodes": [{"id": "load", "module": "read_csv",\n   "params": {"path": "sales.csv", "path": "/etc/passwd"}}]}'
    assert problems(text, json_format=True) == ["f.yaml: line 3, column 36: invalid JSON: duplicate key 'path'"]
    yaml_text = "name: dup\nnodes:\n  - {id: load, module: read_csv,\n     params: {path: sales.csv, path: /etc/passwd}}\n"
    assert problems(yaml_text) == ["f.yaml: line 4, column 32: invalid YAML: duplicate key 'path'"]


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 12)]
    found = problems("\n".join(lines) + "\n")
    assert len(found) == 1 and "the aliases expand to more than 10,000 values" in found[0]
    flat = problems("a: &a x\nb: [" + ", ".join(["*a"] * 101) + "]\n")
    assert len(flat) == 1 and "more than 100 aliases" in flat[0]


def test_reserved_word_node_ids_are_fine() -> None:
    text = GOOD.replace("id: load", "id: input").replace("{from: load", "{from: input").replace("id: big", "id: config")
    text = text.replace("to: big}", "to: config}").replace("from: big.result", "from: config.result")
    assert parse_flowchart(text).order == ("input", "config", "save")
