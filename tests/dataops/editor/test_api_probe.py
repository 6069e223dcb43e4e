"""GET /api/probe: a file's columns and first rows through the adapter registry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.dataops.editor.bad_files import corner_to_corner_workbook

SEMICOLON_SOURCE = '''
from pydantic import BaseModel, ConfigDict

from module_library import source


class SemicolonParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str
    encoding: str = "utf-8"
    delimiter: str = ";"
    header: bool = True


read_semicolon = source("read_semicolon", params=SemicolonParams, format="csv", description="Semicolon CSV.")
'''


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


def test_a_workbook_that_aborts_the_reader_is_422_and_the_editor_serves_on(client: TestClient, workspace: Path) -> None:
    """Read in this process, the workbook would abort it (and pytest with it)."""
    workbook = corner_to_corner_workbook(workspace / "corners.xlsx").read_bytes()
    path = client.post("/api/upload?name=corners.xlsx", content=workbook).json()["path"]
    response = client.get("/api/probe", params={"path": path})
    assert response.status_code == 422
    assert "corners.xlsx" in response.json()["error"]
    assert client.get("/api/probe", params={"path": "sales.csv"}).status_code == 200


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("a\x00b.csv", 422, r"NUL"),
        ("a" * 300 + ".csv", 422, r"too long|longer than|limited to 255 bytes"),
        ("/".join(["a" * 250] * 3) + ".csv", 422, r"does not exist"),
        ("a" * 5000 + ".csv", 400, r"at most 1000 characters"),
    ],
)
def test_unusable_paths_are_4xx_with_a_message(client: TestClient, path: str, status: int, message: str) -> None:
    response = client.get("/api/probe", params={"path": path})
    assert response.status_code == status, response.text
    assert re.search(message, response.json()["error"]), response.text


def test_a_plugin_source_module_is_probed_with_its_own_params(client: TestClient, workspace: Path) -> None:
    (workspace / "plugins" / "semicolon.py").write_text(SEMICOLON_SOURCE, encoding="utf-8")
    (workspace / "data" / "semi.csv").write_text("城市;销售额\n上海;120\n", encoding="utf-8")
    client.get("/api/modules")  # discovery, as the page does on load
    response = client.get("/api/probe", params={"path": "semi.csv", "module": "read_semicolon"})
    assert response.status_code == 200, response.text
    assert [c["name"] for c in response.json()["columns"]] == ["城市", "销售额"]
