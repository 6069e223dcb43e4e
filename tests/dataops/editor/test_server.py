"""`dataops editor` refuses a non-loopback host without a token; `dataops dev` knows Dagster's URL; the
running server refuses other Host names and survives a file that kills its reader."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from dataops.cli.dev import _dagster_url
from dataops.cli.main import main
from tests.dataops.editor.bad_files import corner_to_corner_workbook
from tests.dataops.editor.running import running_editor
from tests.support.dagster_server import free_port


def test_a_public_host_without_token_is_refused(workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATAOPS_EDITOR_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["editor", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code != 0
    assert "set DATAOPS_EDITOR_TOKEN" in str(result.exception)


@pytest.mark.parametrize(
    ("args", "url"),
    [
        ([], "http://127.0.0.1:3000"),
        (["-p", "3100"], "http://127.0.0.1:3100"),
        (["--port=3200", "-h", "0.0.0.0"], "http://127.0.0.1:3200"),
        (["--host", "10.1.2.3", "--port", "80"], "http://10.1.2.3:80"),
    ],
)
def test_dev_passes_dagsters_url_to_the_editor(args: list[str], url: str) -> None:
    assert _dagster_url(args) == url


@pytest.fixture
def editor(workspace: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`dataops editor` as started by a user: 127.0.0.1 on a free port, no token, no other names allowed."""
    with running_editor(workspace / "editor.log", {"DATAOPS_DAGSTER_URL": f"http://127.0.0.1:{free_port()}"}) as up:
        yield up


def test_a_rebinding_page_gets_403_from_the_real_server(editor, workspace: Path) -> None:
    url, _ = editor
    port = url.rsplit(":", 1)[1]
    rebound = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}
    document = {"name": "small", "nodes": [{"id": "a", "module": "read_csv", "params": {"path": "sales.csv"}}]}
    for method, path, body in [
        ("GET", "/", None),
        ("GET", "/api/probe?path=sales.csv", None),
        ("GET", "/api/flowcharts", None),
        ("PUT", "/api/flowcharts/small", document),
        ("POST", "/api/runs", {"flowchart": "small"}),
        ("POST", "/api/validate", document),
    ]:
        response = requests.request(method, url + path, headers=rebound, json=body, timeout=30)
        assert response.status_code == 403, (method, path, response.text)
        assert f"Host 'evil.example:{port}' is not an address of this editor" in response.json()["error"]
        assert "DATAOPS_EDITOR_ALLOWED_HOSTS" in response.json()["error"]
    assert not list((workspace / "flowcharts").iterdir())
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
        own = {"Host": host, "Origin": f"http://{host}"}
        assert requests.get(f"{url}/api/probe?path=sales.csv", headers=own, timeout=30).status_code == 200
        saved = requests.put(f"{url}/api/flowcharts/small", headers=own, json=document, timeout=30)
        assert saved.status_code == 200, saved.text
        launched = requests.post(f"{url}/api/runs", headers=own, json={"flowchart": "small"}, timeout=30)
        assert launched.status_code == 502, launched.text  # past the guard: Dagster is not running


def test_a_workbook_that_aborts_the_reader_fails_its_probe_and_the_editor_serves_on(editor, workspace: Path) -> None:
    url, process = editor
    workbook = corner_to_corner_workbook(workspace / "corners.xlsx").read_bytes()
    uploaded = requests.post(f"{url}/api/upload?name=corners.xlsx", data=workbook, headers={"Origin": url}, timeout=30)
    assert uploaded.status_code == 200, uploaded.text
    probe = requests.get(f"{url}/api/probe", params={"path": uploaded.json()["path"]}, timeout=60)
    assert probe.status_code == 422
    assert "uploads/corners.xlsx" in probe.json()["error"]
    assert process.poll() is None
    assert requests.get(f"{url}/api/probe", params={"path": "sales.csv"}, timeout=30).status_code == 200
