"""/api/flowcharts: list, open (with layout), save (atomic JSON, reload), delete."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from starlette.testclient import TestClient

from dataops.spec.loader import MAX_BYTES
from tests.support.dagster_server import PROJECT

DOCUMENT = {
    "name": "small",
    "description": "销售 → out",
    "nodes": [
        {"id": "load", "module": "read_csv", "params": {"path": "sales.csv"}, "position": {"x": 10, "y": 20}},
        {"id": "save", "module": "write_csv", "params": {"path": "out/x.csv"}, "position": {"x": 300, "y": 20}},
    ],
    "edges": [{"from": "load", "to": "save"}],
}


def test_save_writes_json_and_reports_dagster_down(client: TestClient, workspace: Path) -> None:
    response = client.put("/api/flowcharts/small", json=DOCUMENT)
    assert response.status_code == 200
    body = response.json()
    assert body["file"] == "small.json"
    assert body["problems"] == []
    assert body["reload"]["ok"] is False
    assert body["reload"]["message"].startswith("cannot reach the Dagster UI")
    saved = workspace / "flowcharts" / "small.json"
    assert json.loads(saved.read_text(encoding="utf-8")) == DOCUMENT
    assert "销售" in saved.read_text(encoding="utf-8")  # not \u-escaped
    assert not [p for p in saved.parent.iterdir() if p.name.startswith(".") and p.name != ".history"]  # no temporary left


def test_saved_flowcharts_are_listed_and_open_again(client: TestClient) -> None:
    client.put("/api/flowcharts/small", json=DOCUMENT)
    listed = client.get("/api/flowcharts").json()["flowcharts"]
    assert {
        "name": "small",
        "file": "small.json",
        "format": "json",
        "description": "销售 → out",
        "error": None,
    } in listed
    opened = client.get("/api/flowcharts/small").json()
    assert opened["document"] == DOCUMENT
    assert opened["problems"] == []


def test_yaml_without_positions_is_laid_out_left_to_right(client: TestClient, workspace: Path) -> None:
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    opened = client.get("/api/flowcharts/sales_by_city").json()
    assert opened["file"] == "sales_by_city.yaml"
    xs = [n["position"]["x"] for n in opened["document"]["nodes"]]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)


def test_saving_a_yaml_flowchart_keeps_it_yaml_with_its_comments_and_key_order(
    client: TestClient, workspace: Path
) -> None:
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    original = (workspace / "flowcharts" / "sales_by_city.yaml").read_text(encoding="utf-8")
    document = client.get("/api/flowcharts/sales_by_city").json()["document"]
    document["nodes"][1]["params"]["condition"] = "价格 > 50"
    saved = client.put("/api/flowcharts/sales_by_city", json=document).json()
    assert (saved["file"], saved["replaced"], saved["problems"]) == ("sales_by_city.yaml", [], [])
    assert sorted(p.name for p in (workspace / "flowcharts").iterdir() if p.name != ".history") == ["sales_by_city.yaml"]
    text = (workspace / "flowcharts" / "sales_by_city.yaml").read_text(encoding="utf-8")
    assert '    params: {condition: "价格 > 50"}\n' in text
    assert "    params: {path: sales.csv}          # encoding and delimiter are detected\n" in text
    assert "    position: {x: 60, y: 60}\n" in text  # the layout the editor gave it, one line per node
    kept = [line for line in original.splitlines() if "condition" not in line]
    assert [line for line in text.splitlines() if "position" not in line and "condition" not in line] == kept
    assert client.get("/api/flowcharts/sales_by_city").json()["document"] == document


def test_saving_over_a_yaml_and_a_json_file_of_one_flowchart_needs_replace(client: TestClient, workspace: Path) -> None:
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    document = client.get("/api/flowcharts/sales_by_city").json()["document"]
    (workspace / "flowcharts" / "copy.json").write_text(json.dumps(document), encoding="utf-8")
    clash = client.put("/api/flowcharts/sales_by_city", json=document)
    assert clash.status_code == 409
    assert "sales_by_city.yaml" in clash.json()["error"]
    replaced = client.put("/api/flowcharts/sales_by_city?replace=true", json=document).json()
    assert sorted(replaced["replaced"]) == ["copy.json", "sales_by_city.yaml"]
    assert sorted(p.name for p in (workspace / "flowcharts").iterdir() if p.name != ".history") == ["sales_by_city.json"]


def test_an_invalid_name_is_refused(client: TestClient, workspace: Path) -> None:
    for name in ("1abc", "a-b", "销售"):
        response = client.put(f"/api/flowcharts/{name}", json={**DOCUMENT, "name": name})
        assert response.status_code == 400, name
        assert "not a valid flowchart name" in response.json()["error"]
    assert client.put("/api/flowcharts/..%2Fescape", json=DOCUMENT).status_code in (400, 404)
    assert not list((workspace / "flowcharts").iterdir())


def test_the_body_name_must_match_the_url(client: TestClient) -> None:
    response = client.put("/api/flowcharts/other", json=DOCUMENT)
    assert response.status_code == 400
    assert "differs" in response.json()["error"]


def test_a_body_that_is_not_an_object_is_refused(client: TestClient) -> None:
    assert client.put("/api/flowcharts/small", json=[1]).status_code == 400
    assert client.put("/api/flowcharts/small", content=b"{nope").status_code == 400


def test_an_invalid_flowchart_is_saved_with_its_problems(client: TestClient, workspace: Path) -> None:
    document = {"name": "draft", "nodes": [{"id": "a", "module": "nope"}]}
    body = client.put("/api/flowcharts/draft", json=document).json()
    assert body["problems"][0]["node"] == "a"
    assert (workspace / "flowcharts" / "draft.json").exists()


def test_delete_removes_the_file_and_a_missing_one_is_404(client: TestClient, workspace: Path) -> None:
    client.put("/api/flowcharts/small", json=DOCUMENT)
    deleted = client.delete("/api/flowcharts/small")
    assert deleted.status_code == 200
    assert deleted.json()["deleted"] == ["small.json"]
    assert not (workspace / "flowcharts" / "small.json").exists()
    missing = client.delete("/api/flowcharts/small")
    assert missing.status_code == 404
    assert missing.json() == {"error": "no flowchart named 'small' to delete"}
    assert client.get("/api/flowcharts/small").status_code == 404


def test_an_unreadable_file_is_listed_with_its_error_and_cannot_be_opened(client: TestClient, workspace: Path) -> None:
    (workspace / "flowcharts" / "broken.yaml").write_text("name: [oops\n", encoding="utf-8")
    listed = client.get("/api/flowcharts").json()["flowcharts"]
    assert listed[0]["name"] == "broken" and "not valid YAML" in listed[0]["error"]
    response = client.get("/api/flowcharts/broken")
    assert response.status_code == 422
    assert "cannot be opened" in response.json()["error"]


def test_a_save_over_the_size_limit_is_413_and_keeps_the_good_file(client: TestClient, workspace: Path) -> None:
    assert client.put("/api/flowcharts/small", json=DOCUMENT).status_code == 200
    saved = workspace / "flowcharts" / "small.json"
    good = saved.read_bytes()
    padded = {**DOCUMENT, "description": "销" * (MAX_BYTES // 3)}  # 1 MiB: well within the request limit
    response = client.put("/api/flowcharts/small", json=padded)
    assert response.status_code == 413
    error = response.json()["error"]
    assert error.startswith("'small' would be 1,049,062 bytes as small.json")
    assert "flowcharts are limited to 1,048,576 bytes" in error and "nothing was saved" in error
    assert saved.read_bytes() == good
    assert client.get("/api/flowcharts/small").status_code == 200
    assert [p.name for p in saved.parent.iterdir() if p.name != ".history"] == ["small.json"]
