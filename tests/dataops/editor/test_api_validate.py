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


def test_a_valid_flowchart_has_no_problems(client: TestClient) -> None:
    assert client.post("/api/validate", json=VALID).json() == {"valid": True, "problems": []}


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
