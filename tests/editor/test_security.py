"""Writes need the same origin; a token, when configured, is needed for every API request."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from dataops.editor.app import make_app
from dataops.editor.settings import is_loopback
from dataops.settings import Settings

DOCUMENT = {"name": "small", "nodes": [{"id": "a", "module": "read_csv", "params": {"path": "sales.csv"}}]}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Referer": "http://evil.example/page"},
        {"Origin": "http://testserver.evil.example"},
    ],
)
def test_cross_origin_writes_are_refused(settings: Settings, headers: dict[str, str]) -> None:
    with TestClient(make_app(settings), headers=headers) as bare:
        for method, path in [
            ("PUT", "/api/flowcharts/small"),
            ("POST", "/api/validate"),
            ("DELETE", "/api/flowcharts/small"),
        ]:
            response = bare.request(method, path, json=DOCUMENT)
            assert response.status_code == 403, (method, path, headers)
            assert response.json() == {
                "error": "cross-origin write refused: the Origin or Referer header must match the Host"
            }
        upload = bare.post("/api/upload?name=a.csv", content=b"a\n1\n")
        assert upload.status_code == 403


def test_a_same_origin_referer_is_enough(settings: Settings) -> None:
    with TestClient(make_app(settings), headers={"Referer": "http://testserver/?flowchart=x"}) as client:
        assert client.post("/api/validate", json=DOCUMENT).status_code == 200


def test_reads_need_no_origin(settings: Settings) -> None:
    with TestClient(make_app(settings)) as bare:
        assert bare.get("/api/modules").status_code == 200
        assert bare.get("/api/flowcharts").status_code == 200


def test_with_a_token_every_api_request_needs_it(workspace) -> None:
    settings = Settings(editor_token="s3cret", editor_host="0.0.0.0", dagster_url="http://127.0.0.1:9")
    with TestClient(make_app(settings), headers={"Origin": "http://testserver"}) as client:
        assert client.get("/api/modules").status_code == 401
        assert client.get("/api/modules", headers={"X-DataOps-Token": "wrong"}).status_code == 401
        assert client.get("/api/modules", headers={"X-DataOps-Token": "s3cret"}).status_code == 200
        ok = client.post("/api/validate", json=DOCUMENT, headers={"X-DataOps-Token": "s3cret"})
        assert ok.status_code == 200
        config = client.get("/api/config").json()
        assert config["token_required"] is True
        assert "s3cret" not in str(config)
        assert client.get("/").status_code == 200  # the page itself, to ask for the token


def test_an_oversized_json_body_is_413(client: TestClient) -> None:
    response = client.post(
        "/api/validate", content=b" " * (13 * 1024 * 1024), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_the_token_is_masked_in_settings(workspace) -> None:
    settings = Settings(editor_token="s3cret")
    assert "s3cret" not in repr(settings)
    assert settings.token() == "s3cret"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.4", False),
        ("example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
