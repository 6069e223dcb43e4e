"""Only the editor's own Host names are answered; writes need the same origin; a token, when configured,
is needed for every API request."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dataops.editor.app import make_app
from dataops.editor.settings import is_loopback
from dataops.errors import DataOpsError
from dataops.settings import Settings, get_settings

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
    settings = Settings(
        editor_token="s3cret", editor_host="0.0.0.0", dagster_url="http://127.0.0.1:9", editor_allowed_hosts="testserver"
    )
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


# DNS rebinding: a page on evil.example whose name then resolves to 127.0.0.1 is same-origin with
# itself, so its requests carry matching Origin and Host headers, both naming evil.example.
REBOUND = {"Host": "evil.example:3001", "Origin": "http://evil.example:3001"}
EVERY_KIND_OF_ROUTE = [
    ("GET", "/"),
    ("GET", "/api/config"),
    ("GET", "/api/flowcharts"),
    ("GET", "/api/probe?path=sales.csv"),
    ("PUT", "/api/flowcharts/small"),
    ("POST", "/api/runs"),
    ("POST", "/api/validate"),
    ("POST", "/api/upload?name=a.csv"),
    ("DELETE", "/api/flowcharts/small"),
]


@pytest.fixture
def own_address(workspace: Path) -> Settings:
    """The settings `dataops editor` starts with: 127.0.0.1:3001, no other name allowed."""
    return Settings(dagster_url="http://127.0.0.1:9")


@pytest.mark.parametrize(("method", "path"), EVERY_KIND_OF_ROUTE)
def test_a_rebound_host_is_refused_on_every_route(own_address: Settings, method: str, path: str) -> None:
    with TestClient(make_app(own_address), base_url="http://127.0.0.1:3001") as client:
        response = client.request(method, path, headers=REBOUND, json=DOCUMENT if method != "GET" else None)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error.startswith("request refused: Host 'evil.example:3001' is not an address of this editor")
    assert "(127.0.0.1:3001, localhost:3001, [::1]:3001)" in error
    assert "add the name to DATAOPS_EDITOR_ALLOWED_HOSTS" in error


def test_a_refused_host_writes_nothing(own_address: Settings, workspace: Path) -> None:
    with TestClient(make_app(own_address), base_url="http://127.0.0.1:3001") as client:
        assert client.put("/api/flowcharts/small", json=DOCUMENT, headers=REBOUND).status_code == 403
        assert client.post("/api/upload?name=a.csv", content=b"a\n1\n", headers=REBOUND).status_code == 403
    assert not list((workspace / "flowcharts").iterdir())
    assert not (workspace / "data" / "uploads").exists()


@pytest.mark.parametrize("host", ["127.0.0.1:3001", "localhost:3001", "[::1]:3001", "LOCALHOST:3001"])
def test_the_loopback_names_on_the_editors_port_are_answered(own_address: Settings, host: str) -> None:
    origin = {"Host": host, "Origin": f"http://{host.lower()}"}
    with TestClient(make_app(own_address), base_url="http://127.0.0.1:3001") as client:
        assert client.get("/", headers=origin).status_code == 200
        assert client.get("/api/probe", params={"path": "sales.csv"}, headers=origin).status_code == 200
        saved = client.put("/api/flowcharts/small", json=DOCUMENT, headers=origin)
        assert saved.status_code == 200, saved.text


@pytest.mark.parametrize(
    "host",
    [
        "localhost:3002",  # another port: not this editor
        "localhost",  # port 80
        "0.0.0.0:3001",  # browsers reach 0.0.0.0 too, and public pages have used it
        "127.0.0.1.evil.example:3001",
        "evil.example",
        "127.0.0.1:3001@evil.example",
        "",
    ],
)
def test_other_host_values_are_refused(own_address: Settings, host: str) -> None:
    with TestClient(make_app(own_address)) as client:
        response = client.get("/api/modules", headers={"Host": host})
    assert response.status_code == 403, host
    assert "DATAOPS_EDITOR_ALLOWED_HOSTS" in response.json()["error"]


def test_a_public_address_answers_only_its_own_name(workspace: Path) -> None:
    settings = Settings(editor_host="10.1.2.3", editor_port=8080, editor_token="t", dagster_url="http://127.0.0.1:9")
    with TestClient(make_app(settings), headers={"X-DataOps-Token": "t"}) as client:
        assert client.get("/api/modules", headers={"Host": "10.1.2.3:8080"}).status_code == 200
        refused = client.get("/api/modules", headers={"Host": "localhost:8080"})
    assert refused.status_code == 403
    assert "(10.1.2.3:8080)" in refused.json()["error"]


def test_allowed_hosts_come_from_the_environment(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAOPS_EDITOR_ALLOWED_HOSTS", "editor.example.com, proxy.internal:8443")
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.editor_allowed_hosts == ["editor.example.com", "proxy.internal:8443"]
    with TestClient(make_app(settings)) as client:
        for host, status in [
            ("editor.example.com", 200),  # any port: a reverse proxy on 443 says no port
            ("editor.example.com:443", 200),
            ("proxy.internal:8443", 200),
            ("proxy.internal:8444", 403),
            ("localhost:3001", 200),
            ("evil.example", 403),
        ]:
            assert client.get("/api/config", headers={"Host": host}).status_code == status, host


@pytest.mark.parametrize("entry", ["http://editor.example.com", "editor.example.com/path", "*", "a b"])
def test_a_malformed_allowed_host_stops_the_editor(workspace: Path, entry: str) -> None:
    with pytest.raises(DataOpsError, match=r"DATAOPS_EDITOR_ALLOWED_HOSTS: .* is not a host name or host:port"):
        make_app(Settings(editor_allowed_hosts=[entry]))


def test_a_cross_origin_read_is_refused(client: TestClient) -> None:
    """The Host is right (a plain cross-site fetch to 127.0.0.1): reading data needs the page's own Origin too."""
    response = client.get("/api/probe", params={"path": "sales.csv"}, headers={"Origin": "http://evil.example"})
    assert response.status_code == 403
    assert response.json()["error"] == (
        "cross-origin request refused: Origin 'http://evil.example' does not match the Host 'testserver'; "
        "only the editor's own page may call its API"
    )
    assert client.get("/api/probe", params={"path": "sales.csv"}).status_code == 200  # no Origin: a navigation
