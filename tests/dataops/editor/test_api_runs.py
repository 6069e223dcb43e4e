"""/api/runs against a stand-in for Dagster's GraphQL answers (the real one is in test_browser.py)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.editor.dagster_client import DagsterClient, JobHandle
from dataops.editor.http import ApiError
from dataops.editor.run_view import parse_markdown_table
from dataops.errors import DataOpsError

PREVIEW = "| 城市 | 销售额 |\n|---|---|\n| 上海 | 120 |\n| a\\|b | ∅ |\n\n_3 more rows_"


def _entries(rows: int) -> list[dict[str, Any]]:
    return [
        {"label": "dagster/row_count", "intValue": rows},
        {
            "label": "dagster/column_schema",
            "schema": {"columns": [{"name": "城市", "type": "str"}, {"name": "销售额", "type": "int64"}]},
        },
        {"label": "preview", "mdStr": PREVIEW},
    ]


RUN = {
    "__typename": "Run",
    "runId": "abc-123",
    "jobName": "demo",
    "status": "FAILURE",
    "executionPlan": {"steps": [{"key": "demo__load"}, {"key": "demo__keep"}, {"key": "demo__save"}]},
    "stepStats": [{"stepKey": "demo__load", "status": "SUCCESS"}, {"stepKey": "demo__keep", "status": "FAILURE"}],
    "eventConnection": {
        "events": [
            {
                "__typename": "HandledOutputEvent",
                "stepKey": "demo__load",
                "outputName": "result",
                "metadataEntries": _entries(5),
            },
            {
                "__typename": "ExecutionStepFailureEvent",
                "stepKey": "demo__keep",
                "error": {"message": "dagster.Failure: boom"},
                "failureMetadata": {"description": "demo › keep › condition: unknown column '价钱'"},
            },
            {"__typename": "RunFailureEvent", "message": "Execution failed", "error": None},
        ]
    },
}


class FakeDagster(DagsterClient):
    def __init__(self) -> None:
        super().__init__("http://dagster.test")
        self.launched: list[JobHandle] = []

    def find_job(self, job: str) -> JobHandle | None:
        return JobHandle("loc", "__repository__", job) if job == "demo" else None

    def launch(self, handle: JobHandle, tags: dict[str, str] | None = None) -> str:
        self.launched.append(handle)
        return "abc-123"

    def run(self, run_id: str) -> dict[str, Any] | None:
        return RUN if run_id == "abc-123" else None


@pytest.fixture
def fake(client: TestClient) -> FakeDagster:
    fake = FakeDagster()
    context = client.app.state.editor
    client.app.state.editor = type(context)(context.settings, fake, context.registry_lock)
    return fake


def test_launch_finds_the_job_and_links_the_run(client: TestClient, fake: FakeDagster) -> None:
    body = client.post("/api/runs", json={"flowchart": "demo"}).json()
    assert body == {"run_id": "abc-123", "flowchart": "demo", "url": "http://dagster.test/runs/abc-123"}
    assert fake.launched == [JobHandle("loc", "__repository__", "demo")]


def test_launching_an_unsaved_flowchart_is_404(client: TestClient, fake: FakeDagster) -> None:
    response = client.post("/api/runs", json={"flowchart": "other"})
    assert response.status_code == 404
    assert "save the flowchart first" in response.json()["error"]


def test_launch_bodies_are_checked(client: TestClient, fake: FakeDagster) -> None:
    assert client.post("/api/runs", json={"flowchart": "1bad"}).status_code == 400
    assert client.post("/api/runs", json={"job": "demo"}).status_code == 400
    assert client.post("/api/runs", content=b"[").status_code == 400


def test_status_maps_steps_to_node_states(client: TestClient, fake: FakeDagster) -> None:
    body = client.get("/api/runs/abc-123").json()
    assert body["finished"] is True
    assert body["error"] == "Execution failed"
    assert body["nodes"]["load"] == {
        "state": "succeeded",
        "error": None,
        "row_count": 5,
        "columns": {"result": ["城市", "销售额"]},
    }
    assert body["nodes"]["keep"]["state"] == "failed"
    assert body["nodes"]["keep"]["error"] == "demo › keep › condition: unknown column '价钱'"
    assert body["nodes"]["save"]["state"] == "not_run"


def test_a_node_preview_has_rows_and_columns(client: TestClient, fake: FakeDagster) -> None:
    preview = client.get("/api/runs/abc-123/nodes/load").json()
    output = preview["outputs"][0]
    assert output["row_count"] == 5
    assert output["header"] == ["城市", "销售额"]
    assert output["rows"] == [["上海", "120"], ["a|b", "∅"]]
    assert output["note"] == "3 more rows"
    failed = client.get("/api/runs/abc-123/nodes/keep").json()
    assert failed["state"] == "failed" and "unknown column" in failed["error"] and failed["outputs"] == []


def test_unknown_runs_and_nodes_are_404_and_bad_ids_400(client: TestClient, fake: FakeDagster) -> None:
    assert client.get("/api/runs/zzz").status_code == 404
    assert client.get("/api/runs/abc-123/nodes/nope").status_code == 404
    assert client.get("/api/runs/a%20b").status_code == 400
    assert client.get("/api/runs/abc-123/nodes/1x").status_code == 400


def test_dagster_down_is_a_502_with_a_message(client: TestClient) -> None:
    response = client.post("/api/runs", json={"flowchart": "demo"})
    assert response.status_code == 502
    assert response.json()["error"].startswith("cannot reach the Dagster UI at http://127.0.0.1:")


def test_a_graphql_error_becomes_an_api_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> dict[str, Any]:
        raise DataOpsError("Dagster GraphQL error: Cannot query field")

    monkeypatch.setattr("dataops.editor.dagster_client.graphql", refuse)
    with pytest.raises(ApiError, match="Dagster GraphQL error: Cannot query field"):
        DagsterClient("http://x").find_job("demo")


def test_markdown_preview_without_rows() -> None:
    assert parse_markdown_table("_no columns_") == ([], [], "no columns")
