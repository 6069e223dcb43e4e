"""POST /api/validate: the spec validator's problems, located on their nodes."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.support.dagster_server import PROJECT

VALID = {
    "name": "small",
    "nodes": [
        {"id": "load", "module": "read_csv", "params": {"path": "sales.csv"}},
        {"id": "save", "module": "write_csv", "params": {"path": "out/x.csv"}},
    ],
    "edges": [{"from": "load", "to": "save"}],
}


SALES_COLUMNS = ["订单号", "城市", "产品", "价格", "数量", "日期", "客户"]


def names(port) -> list[str]:
    return [column["name"] for column in port["columns"]]


def test_a_valid_flowchart_has_no_problems_and_the_columns_of_every_port(client: TestClient) -> None:
    body = client.post("/api/validate", json=VALID).json()
    assert (body["valid"], body["problems"]) == (True, [])
    assert names(body["schemas"]["load"]["outputs"]["result"]) == SALES_COLUMNS
    assert body["schemas"]["load"]["outputs"]["result"]["columns"][3] == {"name": "价格", "type": "double"}
    assert names(body["schemas"]["save"]["inputs"]["data"]) == SALES_COLUMNS
    assert body["schemas"]["save"]["outputs"] == {}


def test_a_wrong_column_in_a_condition_is_flagged_with_a_did_you_mean(client: TestClient) -> None:
    document = {
        "name": "small",
        "nodes": [
            {"id": "load", "module": "read_csv", "params": {"path": "sales.csv"}},
            {"id": "big", "module": "filter_rows", "params": {"condition": "价钱 > 100"}},
            {"id": "renamed", "module": "rename_columns", "params": {"mapping": {"价格": "单价"}}},
            {"id": "total", "module": "derive_column", "params": {"name": "总价", "expression": "单价 * 数量"}},
        ],
        "edges": [{"from": "load", "to": "big"}, {"from": "load", "to": "renamed"}, {"from": "renamed", "to": "total"}],
    }
    body = client.post("/api/validate", json=document).json()
    assert body["problems"] == [
        {
            "node": "big",
            "field": "params.condition",
            "message": "unknown column '价钱' (available: 订单号, 城市, 产品, 价格, 数量, 日期, 客户); did you mean '价格'?",
            "location": "small › big › params.condition",
        }
    ]
    assert names(body["schemas"]["total"]["outputs"]["result"]) == [
        "订单号",
        "城市",
        "产品",
        "单价",
        "数量",
        "日期",
        "客户",
        "总价",
    ]


def test_a_node_being_filled_in_gets_its_input_columns(client: TestClient) -> None:
    document = {
        "name": "",
        "nodes": [
            {"id": "load", "module": "read_csv", "params": {"path": "sales.csv"}},
            {"id": "sorted", "module": "sort_rows", "params": {}},
        ],
        "edges": [{"from": "load", "to": "sorted"}],
    }
    body = client.post("/api/validate", json=document).json()
    assert {p["field"] for p in body["problems"]} == {"name", "params.by"}
    assert names(body["schemas"]["sorted"]["inputs"]["data"]) == SALES_COLUMNS


def test_a_missing_file_is_flagged_and_found_once_uploaded(client: TestClient, workspace) -> None:
    document = {
        "name": "small",
        "nodes": [{"id": "load", "module": "read_csv", "params": {"path": "later.csv"}}],
        "edges": [],
    }
    (problem,) = client.post("/api/validate", json=document).json()["problems"]
    assert (problem["node"], problem["field"]) == ("load", "params.path")
    assert problem["message"] == f"csv file '{workspace / 'data' / 'later.csv'}' does not exist"
    (workspace / "data" / "later.csv").write_text("城市,人口\n北京,21\n", encoding="utf-8")
    body = client.post("/api/validate", json=document).json()
    assert body["problems"] == []
    assert names(body["schemas"]["load"]["outputs"]["result"]) == ["城市", "人口"]
    (workspace / "data" / "later.csv").write_text("城市,人口,面积\n北京,21,16410\n", encoding="utf-8")
    body = client.post("/api/validate", json=document).json()
    assert names(body["schemas"]["load"]["outputs"]["result"]) == ["城市", "人口", "面积"]


def test_sql_function_names_for_autocompletion(client: TestClient) -> None:
    functions = client.get("/api/sql/functions").json()["functions"]
    assert {"upper", "year", "sum", "regexp_matches"} <= set(functions)
    assert all(not name.startswith("_") for name in functions)


def test_an_unknown_module_is_a_problem_on_its_node(client: TestClient) -> None:
    document = {**VALID, "nodes": [*VALID["nodes"], {"id": "odd", "module": "fliter_rows"}]}
    body = client.post("/api/validate", json=document).json()
    assert body["valid"] is False
    problem = next(p for p in body["problems"] if p["node"] == "odd")
    assert problem["field"] == "module"
    assert problem["message"] == "unknown module 'fliter_rows'; did you mean 'filter_rows'?"
    assert problem["location"] == "small › odd › module"


def test_bad_params_and_edges_name_node_and_field(client: TestClient) -> None:
    document = {
        "name": "small",
        "nodes": [
            {"id": "load", "module": "read_csv", "params": {"pth": "a.csv"}},
            {"id": "more", "module": "read_csv", "params": {"path": "b.csv"}},
            {"id": "save", "module": "write_csv"},
        ],
        "edges": [{"from": "load", "to": "save"}, {"from": "more", "to": "save"}, {"from": "more", "to": "save"}],
    }
    problems = client.post("/api/validate", json=document).json()["problems"]
    located = {(p["node"], p["field"]) for p in problems}
    assert ("load", "params.pth") in located
    assert ("save", "params.path") in located
    assert ("save", "data") in located  # two edges into a single input
    assert ("save", "edges[2]") in located  # the same edge twice


def test_problems_without_a_node_have_node_null(client: TestClient) -> None:
    problems = client.post("/api/validate", json={"name": "empty", "nodes": []}).json()["problems"]
    assert problems and all(p["node"] is None for p in problems)
    assert problems[0]["field"] == "nodes"


def test_any_json_is_validated_not_crashed_on(client: TestClient) -> None:
    body = client.post("/api/validate", json=[1, 2]).json()
    assert body["valid"] is False
    assert "a flowchart is a mapping" in body["problems"][0]["message"]


def test_invalid_json_is_a_400_with_a_message(client: TestClient) -> None:
    response = client.post("/api/validate", content=b'{"name": ', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("invalid JSON at line 1")


def test_an_empty_body_is_a_400(client: TestClient) -> None:
    response = client.post("/api/validate", content=b"")
    assert response.status_code == 400
    assert "empty" in response.json()["error"]


def test_the_examples_validate_as_the_cli_does(client: TestClient) -> None:
    import json

    document = json.loads((PROJECT / "flowcharts" / "orders_with_customers.json").read_text(encoding="utf-8"))
    assert client.post("/api/validate", json=document).json()["valid"] is True


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"name": "x", "nodes": [], "n": ' + b"9" * 5000 + b"}", "invalid JSON: Exceeds the limit (4300 digits)"),
        (b'{"name": "x", "description": "\\ud800", "nodes": []}', "the JSON holds \\ud800 without its pair"),
        (b'{"name": "x", "\\udc00": 1, "nodes": []}', "the JSON holds \\udc00 without its pair"),
    ],
)
def test_json_no_file_can_hold_is_a_400_on_every_json_route(client: TestClient, body: bytes, message: str) -> None:
    for method, path in [("POST", "/api/validate"), ("PUT", "/api/flowcharts/x"), ("POST", "/api/runs")]:
        response = client.request(method, path, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, (path, response.text)
        assert response.json()["error"].startswith(message), (path, response.text)


def test_an_escaped_surrogate_pair_is_a_character(client: TestClient, workspace) -> None:
    body = b'{"name": "x", "description": "\\ud83d\\ude00", "nodes": []}'
    response = client.put("/api/flowcharts/x", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert "\U0001f600" in (workspace / "flowcharts" / "x.json").read_text(encoding="utf-8")
