"""GET /api/probe: a file's columns and first rows through the adapter registry."""

from __future__ import annotations

import json
from pathlib import Path

from starlette.testclient import TestClient


def test_probe_reads_the_gbk_sample_with_the_source_params(client: TestClient) -> None:
    body = client.get("/api/probe", params={"path": "sales.csv", "rows": 3}).json()
    assert body["module"] == "read_csv"
    assert [c["name"] for c in body["columns"]][:3] == ["订单号", "城市", "产品"]
    assert len(body["rows"]) == 3


def test_probe_applies_the_nodes_params(client: TestClient, workspace: Path) -> None:
    (workspace / "data" / "plain.csv").write_text("1;2\n3;4\n", encoding="utf-8")
    params = json.dumps({"header": False, "delimiter": ";"})
    body = client.get("/api/probe", params={"path": "plain.csv", "module": "read_csv", "params": params}).json()
    assert [c["name"] for c in body["columns"]] == ["column_1", "column_2"]
    assert body["rows"] == [[1, 2], [3, 4]]


def test_probe_outside_the_data_root_is_refused(client: TestClient) -> None:
    response = client.get("/api/probe", params={"path": "../../etc/passwd.csv"})
    assert response.status_code == 422
    assert "outside the data root" in response.json()["error"]


def test_probe_errors_are_4xx_with_messages(client: TestClient) -> None:
    cases = {
        ("missing.csv", None, None): (422, "does not exist"),
        ("sales.csv", "filter_rows", None): (400, "not a source"),
        ("sales.csv", "nope", None): (400, "unknown module 'nope'"),
        ("sales.csv", None, "[1]"): (400, "JSON object"),
        ("sales.csv", None, "{bad"): (400, "JSON object"),
        ("sales.csv", None, '{"encoding": "klingon"}'): (400, "unknown encoding"),
        ("notes.xyz", None, None): (400, "no source module reads '.xyz'"),
    }
    for (path, module, params), (status, text) in cases.items():
        query = {k: v for k, v in {"path": path, "module": module, "params": params}.items() if v is not None}
        response = client.get("/api/probe", params=query)
        assert response.status_code == status, (query, response.text)
        assert text in response.json()["error"], (query, response.json())
    assert client.get("/api/probe").status_code == 400
    assert client.get("/api/probe", params={"path": "sales.csv", "rows": "lots"}).status_code == 400
