"""Schema propagation: every built-in module's propagated schema is the one a real run gives, and
what is certain to fail is reported before anything runs, located and with a did-you-mean."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
import yaml

from dataops.spec import parse_flowchart
from dataops.spec.schema import COLUMNS_FROM_VALUES, check_schemas, syntax_problem
from module_library.discovery import discover
from module_library.registry import MODULES

discover()

BUILTIN = sorted(name for name, spec in MODULES.items() if spec.origin.startswith(("module_library", "adapters")))
TABLE = pa.table(
    {
        "城市": ["北京", "上海", None],
        "价格": pa.array([3, 5, 8], pa.int64()),
        "数量": [1.5, None, 2.0],
        "日期": pa.array([19000, 19001, None], pa.date32()),
        "flag": [True, False, None],
    }
)
OTHER = pa.table({"城市": ["北京", "广州"], "人口": pa.array([21, 18], pa.int64())})

# Params per transform, over TABLE (and OTHER on a second input). A new module without a case
# fails `test_every_builtin_module_has_a_case`.
TRANSFORMS: dict[str, dict[str, Any]] = {
    "bin_column": {"column": "价格", "bins": 2},
    "cast_types": {"types": {"价格": "str", "数量": "int"}, "errors": "null"},
    "deduplicate": {"subset": ["城市"]},
    "derive_column": {"name": "总价", "expression": "价格 * 数量"},
    "describe": {},
    "drop_columns": {"columns": ["flag"]},
    "drop_nulls": {"subset": ["城市"]},
    "drop_outliers": {"columns": ["价格"]},
    "fill_nulls": {"values": {"数量": 0}},
    "filter_rows": {"condition": "价格 > 4"},
    "group_aggregate": {"by": ["城市"], "aggregations": [{"column": "价格", "function": "sum", "as": "合计"}]},
    "join": {"on": ["城市"], "how": "left"},
    "limit_rows": {"n": 2},
    "normalize": {"columns": ["价格"]},
    "one_hot_encode": {"columns": ["城市"]},
    "parse_dates": {"columns": ["城市"], "errors": "null"},
    "pivot": {"index": ["日期"], "columns": "城市", "values": "价格"},
    "rename_columns": {"mapping": {"价格": "price"}},
    "sample_rows": {"n": 2},
    "select_columns": {"columns": ["城市", "价格"]},
    "sort_rows": {"by": ["价格"], "descending": True},
    "split_rows": {"condition": "flag"},
    "sql_query": {"query": "SELECT 城市, 价格 * 2 AS 双价 FROM data"},
    "string_transform": {"columns": ["城市"], "operation": "upper"},
    "union": {},
    "unpivot": {"id_columns": ["城市"], "value_columns": ["价格", "数量"]},
    "validate_rows": {"rules": [{"name": "正价", "condition": "价格 > 0"}]},
    "window": {
        "partition_by": ["城市"],
        "order_by": ["日期"],
        "functions": [{"function": "cumsum", "column": "价格", "as": "累计"}],
    },
}
SOURCES: dict[str, dict[str, Any]] = {
    "read_csv": {"path": "t.csv"},
    "read_text": {"path": "t.txt"},
    "read_excel": {"path": "t.xlsx"},
    "read_json": {"path": "t.json"},
    "read_parquet": {"path": "t.parquet"},
    "read_arrow": {"path": "t.feather"},
    "read_sql": {"url": "sqlite:///t.sqlite", "table": "sales"},
    "read_file": {"path": "t.csv"},
}
SINKS: dict[str, dict[str, Any]] = {
    "write_csv": {"path": "out/x.csv"},
    "write_excel": {"path": "out/x.xlsx"},
    "write_json": {"path": "out/x.json"},
    "write_parquet": {"path": "out/x.parquet"},
    "write_sql": {"url": "sqlite:///out.sqlite", "table": "x"},
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    pq.write_table(TABLE, tmp_path / "t.parquet")
    pq.write_table(OTHER, tmp_path / "other.parquet")
    feather.write_feather(TABLE, tmp_path / "t.feather")
    frame = pd.DataFrame({"城市": ["北京", "上海"], "价格": [3, 5]})
    frame.to_csv(tmp_path / "t.csv", index=False, encoding="gbk")
    frame.to_csv(tmp_path / "t.txt", index=False, sep="|")
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    frame.to_json(tmp_path / "t.json", orient="records", force_ascii=False)
    with sqlite3.connect(tmp_path / "t.sqlite") as db:
        frame.to_sql("sales", db, index=False)
    return tmp_path


def flowchart(nodes: list[dict[str, Any]], edges: list[tuple[str, str]]):
    document = {"name": "f", "nodes": nodes, "edges": [{"from": a, "to": b} for a, b in edges]}
    return parse_flowchart(yaml.safe_dump(document, allow_unicode=True), file="f.yaml")


def names(schema) -> list[str]:
    return [column["name"] for column in schema["columns"]]


def test_every_builtin_module_has_a_case() -> None:
    assert sorted([*TRANSFORMS, *SOURCES, *SINKS]) == BUILTIN


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_a_transform_propagates_the_schema_a_run_gives(name: str, root: Path) -> None:
    spec = MODULES[name]
    nodes = [
        {"id": "src", "module": "read_parquet", "params": {"path": "t.parquet"}},
        {"id": "side", "module": "read_parquet", "params": {"path": "other.parquet"}},
        {"id": "node", "module": name, "params": TRANSFORMS[name]},
    ]
    ports = [p.name for p in spec.inputs]
    edges = [("src", f"node.{ports[0]}")] + [("side", f"node.{port}") for port in ports[1:]]
    report = check_schemas(flowchart(nodes, edges), root=root)
    assert report.problems == []
    described = report.describe()["node"]
    assert names(described["inputs"][ports[0]]) == TABLE.column_names

    inputs = {ports[0]: [TABLE] if spec.inputs[0].many else TABLE, **dict.fromkeys(ports[1:], OTHER)}
    real = spec.run(inputs, spec.params.model_validate(TRANSFORMS[name]))
    for port, table in real.items():
        found = described["outputs"][port]
        if name in COLUMNS_FROM_VALUES:
            assert found is None  # named by the values: unknown before a run
            continue
        assert names(found) == table.column_names
        if found["exact"]:
            assert [c["type"] for c in found["columns"]] == [str(t) for t in table.schema.types]


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_a_source_gives_its_file_header(name: str, root: Path) -> None:
    report = check_schemas(flowchart([{"id": "src", "module": name, "params": SOURCES[name]}], []), root=root)
    assert report.problems == []
    expected = TABLE.column_names if name in ("read_parquet", "read_arrow") else ["城市", "价格"]
    assert names(report.describe()["src"]["outputs"]["result"]) == expected


def test_a_query_gives_its_columns_and_a_missing_table_a_did_you_mean(root: Path) -> None:
    nodes = [
        {
            "id": "q",
            "module": "read_sql",
            "params": {"url": "sqlite:///t.sqlite", "query": "SELECT 城市 AS c FROM sales"},
        },
        {"id": "t", "module": "read_sql", "params": {"url": "sqlite:///t.sqlite", "table": "sale"}},
    ]
    report = check_schemas(flowchart(nodes, []), root=root)
    assert names(report.describe()["q"]["outputs"]["result"]) == ["c"]
    assert [str(p) for p in report.problems] == [
        f"f.yaml: f › t › params.table: sql table 'sale' on sqlite:///{root}/t.sqlite does not exist; did you mean 'sales'?"
    ]


@pytest.mark.parametrize("name", sorted(SINKS))
def test_a_sink_shows_what_it_receives(name: str, root: Path) -> None:
    nodes = [
        {"id": "src", "module": "read_parquet", "params": {"path": "t.parquet"}},
        {"id": "out", "module": name, "params": SINKS[name]},
    ]
    report = check_schemas(flowchart(nodes, [("src", "out")]), root=root)
    assert report.problems == []
    assert names(report.describe()["out"]["inputs"]["data"]) == TABLE.column_names
    assert report.describe()["out"]["outputs"] == {}


def chain(root: Path, *steps: tuple[str, dict[str, Any]]) -> list[str]:
    nodes = [{"id": "src", "module": "read_csv", "params": {"path": "t.csv"}}]
    nodes += [{"id": f"n{i}", "module": module, "params": params} for i, (module, params) in enumerate(steps)]
    ids = [n["id"] for n in nodes]
    report = check_schemas(flowchart(nodes, list(itertools.pairwise(ids))), root=root)
    return [str(p) for p in report.problems]


def test_an_unknown_column_in_a_condition_is_named_with_a_did_you_mean(root: Path) -> None:
    assert chain(root, ("filter_rows", {"condition": "价钱 > 3"})) == [
        "f.yaml: f › n0 › params.condition: unknown column '价钱' (available: 城市, 价格); did you mean '价格'?"
    ]


def test_columns_downstream_of_renamed_and_derived_ones_are_known(root: Path) -> None:
    problems = chain(
        root,
        ("rename_columns", {"mapping": {"价格": "单价"}}),
        ("derive_column", {"name": "总价", "expression": "单价 * 2"}),
        ("sort_rows", {"by": ["总价", "价格"]}),
    )
    assert problems == [
        "f.yaml: f › n2 › params.by: unknown column '价格' (available: 城市, 单价, 总价); did you mean '总价'?"
    ]


def test_a_syntax_error_names_what_the_user_typed_not_our_parenthesis(root: Path) -> None:
    (problem,) = chain(root, ("filter_rows", {"condition": "价格 >"}))
    assert (
        problem
        == "f.yaml: f › n0 › params.condition: syntax error: `价格 >` ends with '>', and something is missing after it"
    )
    assert "')'" not in problem
    assert syntax_problem("价格 > > 1") == "syntax error at '>' (character 6 of `价格 > > 1`)"
    assert syntax_problem("价格 > 1") is None


def test_a_missing_file_is_reported_on_its_path(root: Path) -> None:
    nodes = [
        {"id": "src", "module": "read_csv", "params": {"path": "missing.csv"}},
        {"id": "keep", "module": "filter_rows", "params": {"condition": "anything > 1"}},
    ]
    report = check_schemas(flowchart(nodes, [("src", "keep")]), root=root)
    assert [str(p) for p in report.problems] == [
        f"f.yaml: f › src › params.path: csv file '{root / 'missing.csv'}' does not exist"
    ]  # and nothing downstream of an unknown schema


def test_a_certain_type_mismatch_is_reported_a_sampled_one_is_not(root: Path) -> None:
    nodes = [
        {"id": "src", "module": "read_parquet", "params": {"path": "t.parquet"}},
        {"id": "keep", "module": "filter_rows", "params": {"condition": "城市 > 5"}},
    ]
    (problem,) = [str(p) for p in check_schemas(flowchart(nodes, [("src", "keep")]), root=root).problems]
    assert problem.startswith("f.yaml: f › keep › params.condition: ")
    assert "VARCHAR" in problem and "INTEGER" in problem
    # an Excel header gives names only (types left to the run): the same condition is not judged
    nodes[0] = {"id": "src", "module": "read_excel", "params": {"path": "t.xlsx"}}
    from adapters import schema as source_schemas

    old = source_schemas.WHOLE_BYTES
    source_schemas.WHOLE_BYTES = 0
    try:
        report = check_schemas(flowchart(nodes, [("src", "keep")]), root=root)
    finally:
        source_schemas.WHOLE_BYTES = old
    assert report.problems == []
    assert names(report.describe()["src"]["outputs"]["result"]) == ["城市", "价格"]


def test_an_unknown_function_is_reported(root: Path) -> None:
    (problem,) = chain(root, ("derive_column", {"name": "x", "expression": "upperr(城市)"}))
    assert problem.startswith("f.yaml: f › n0 › params.expression: ") and "upperr" in problem


def test_a_node_being_filled_in_still_shows_the_columns_reaching_it(root: Path) -> None:
    from dataops.spec.schema import check_document

    document = {
        "name": "f",
        "nodes": [
            {"id": "src", "module": "read_csv", "params": {"path": "t.csv"}},
            {"id": "new", "module": "filter_rows", "params": {}},
            {"id": "after", "module": "sort_rows", "params": {"by": ["价格"]}},
            {"id": "typo", "module": "filter_rows", "params": {"condition": "城 = '北京'"}},
        ],
        "edges": [{"from": "src", "to": "new"}, {"from": "new", "to": "after"}, {"from": "src", "to": "typo"}],
    }
    problems, report = check_document(document, file="f.json", root=root)
    assert [str(p) for p in problems] == [
        "f.json: f › new › params.condition: missing required param 'condition' (filter_rows expects: condition)",
        "f.json: f › typo › params.condition: unknown column '城' (available: 城市, 价格); did you mean '城市'?",
    ]
    described = report.describe()
    assert names(described["new"]["inputs"]["data"]) == ["城市", "价格"]
    assert "after" not in described  # downstream of a node without a schema: unknown, not guessed


def test_duckdb_errors_read_as_sentences_about_the_users_text(root: Path) -> None:
    def problem(expression: str) -> str:
        nodes = [
            {"id": "src", "module": "read_parquet", "params": {"path": "t.parquet"}},
            {"id": "d", "module": "derive_column", "params": {"name": "x", "expression": expression}},
        ]
        (found,) = check_schemas(flowchart(nodes, [("src", "d")]), root=root).problems
        return found.message

    assert problem("upperr(城市)") == "unknown function 'upperr'; did you mean 'upper'?"
    assert problem("year(城市)") == "type mismatch: no function year(VARCHAR); CAST the column to the type it needs"
    assert "Candidate functions" not in problem("城市 + 1")
