"""/api/flowcharts/{name}/history and /revert: every save is a version; revert writes one back."""

from __future__ import annotations

import shutil
from pathlib import Path

from starlette.testclient import TestClient

from tests.support.dagster_server import PROJECT


def test_saves_are_listed_newest_first_with_their_changes_and_one_is_reverted(
    client: TestClient, workspace: Path
) -> None:
    folder = workspace / "flowcharts"
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", folder)
    original = (folder / "sales_by_city.yaml").read_text(encoding="utf-8")
    document = client.get("/api/flowcharts/sales_by_city").json()["document"]
    valid = next(n for n in document["nodes"] if n["id"] == "valid")
    old_condition = valid["params"]["condition"]
    valid["params"]["condition"] = "价格 > 99"
    assert client.put("/api/flowcharts/sales_by_city", json=document).status_code == 200

    body = client.get("/api/flowcharts/sales_by_city/history").json()
    assert body["name"] == "sales_by_city" and body["file"] == "sales_by_city.yaml"
    saved, before = body["versions"]
    assert (saved["source"], before["source"]) == ("editor", "disk")  # the file as it was before the first save
    assert f'~ node valid: param condition "{old_condition}" → "价格 > 99"' in saved["changes"]
    assert not any(line.startswith(("+ node", "- node", "+ edge", "- edge")) for line in saved["changes"])
    assert before["changes"][0] == "+ node load (read_csv)"

    response = client.post("/api/flowcharts/sales_by_city/revert", json={"version": before["id"]})
    assert response.status_code == 200, response.text
    assert response.json()["file"] == "sales_by_city.yaml" and response.json()["problems"] == []
    assert (folder / "sales_by_city.yaml").read_text(encoding="utf-8") == original  # comments and all
    versions = client.get("/api/flowcharts/sales_by_city/history").json()["versions"]
    assert [v["source"] for v in versions] == ["revert", "editor", "disk"]
    assert f'~ node valid: param condition "价格 > 99" → "{old_condition}"' in versions[0]["changes"]


def test_a_deleted_flowchart_keeps_its_history_and_comes_back(client: TestClient, workspace: Path) -> None:
    document = {"name": "small", "nodes": [{"id": "load", "module": "read_csv", "params": {"path": "sales.csv"}}]}
    client.put("/api/flowcharts/small", json={**document, "edges": []})
    assert client.delete("/api/flowcharts/small").status_code == 200
    body = client.get("/api/flowcharts/small/history").json()
    assert body["file"] is None and [v["source"] for v in body["versions"]] == ["editor"]
    assert client.post("/api/flowcharts/small/revert", json={"version": body["versions"][0]["id"]}).status_code == 200
    assert client.get("/api/flowcharts/small").status_code == 200


def test_unknown_flowcharts_and_versions_are_404_with_the_reason(client: TestClient) -> None:
    response = client.get("/api/flowcharts/nothing/history")
    assert response.status_code == 404
    assert response.json()["error"].startswith("no flowchart named 'nothing' and no history of one in ")
    client.put("/api/flowcharts/small", json={"name": "small", "nodes": [], "edges": []})
    response = client.post("/api/flowcharts/small/revert", json={"version": "20260101T000000.000000Z-cli"})
    assert response.status_code == 404
    assert response.json()["error"] == (
        "small.json has no version '20260101T000000.000000Z-cli' (see `dataops history small.json`)"
    )
    assert client.post("/api/flowcharts/small/revert", json={}).status_code == 400
