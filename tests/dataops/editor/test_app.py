"""The app around the endpoints: modules, reload, config, the page, unknown routes, our own bugs."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dataops.editor import api_config

PLUGIN = '''
from module_library import module


@module(category="custom")
def shout(data, params):
    """Upper-case everything."""
    return data
'''


def test_modules_are_grouped_with_ports_and_schemas(client: TestClient) -> None:
    body = client.get("/api/modules").json()
    modules = {m["name"]: m for m in body["modules"]}
    assert modules["read_csv"]["kind"] == "source"
    assert modules["join"]["inputs"] == [
        {"name": "left", "many": False, "optional": False},
        {"name": "right", "many": False, "optional": False},
    ]
    assert modules["union"]["inputs"][0]["many"] is True
    assert modules["filter_rows"]["params_schema"]["required"] == ["condition"]


def test_a_hot_plugged_module_appears_on_the_next_request(client: TestClient, workspace: Path) -> None:
    assert "shout" not in {m["name"] for m in client.get("/api/modules").json()["modules"]}
    (workspace / "plugins" / "shouting.py").write_text(PLUGIN, encoding="utf-8")
    assert "shout" in {m["name"] for m in client.get("/api/modules").json()["modules"]}
    (workspace / "plugins" / "broken.py").write_text("def (:\n", encoding="utf-8")
    reloaded = client.post("/api/reload").json()
    assert reloaded["modules"] >= 1
    assert "syntax error" in reloaded["plugin_problems"][0]
    assert reloaded["dagster"]["ok"] is False


def test_config_names_dagster_and_limits(client: TestClient, settings) -> None:
    assert client.get("/api/config").json() == {
        "dagster_url": settings.dagster_base,
        "max_upload_mb": 1.0,
        "token_required": False,
    }


def test_the_page_and_vendored_drawflow_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "vendor/drawflow/drawflow.min.js" in page.text
    assert client.get("/vendor/drawflow/drawflow.min.js").status_code == 200
    assert client.get("/js/main.js").headers["content-type"].startswith(("text/javascript", "application/javascript"))


def test_unknown_endpoints_and_methods_answer_json(client: TestClient) -> None:
    assert client.get("/api/nothing").json() == {"error": "no API endpoint GET /api/nothing"}
    wrong = client.patch("/api/modules")
    assert wrong.status_code == 405
    assert wrong.json() == {"error": "PATCH is not allowed on /api/modules (allowed: GET)"}


def test_a_bug_is_a_500_without_a_traceback(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_settings):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api_config, "EditorConfig", broken)
    response = client.get("/api/config")
    assert response.status_code == 500
    assert response.json() == {"error": "internal error in the editor; the server log has the details"}
