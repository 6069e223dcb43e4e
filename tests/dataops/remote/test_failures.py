"""What goes wrong with remote modules, with real services: a crash mid-call, a malformed stream,
no token or a revoked one, a refused host, a heartbeat that lapses between compiling and calling."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from dataops.errors import ModuleError
from dataops.remote.source import resolve
from dataops.settings import get_settings
from module_library.discovery import discover
from module_library.registry import get_module
from module_library.remote import Target, call
from tests.dataops.remote.world import TOKEN, World, free_port, wait_for, world

SERVED = "tests/dataops/remote/served_modules.py"
HERE = Path(__file__).parent
PRICES = pa.table({"城市": ["北京", "上海"], "价格": [1.5, 2.0]})


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("remote")
    with pytest.MonkeyPatch.context() as patch, world(root) as started:
        patch.setenv("DAGSTER_HOME", str(root / "dagster_home"))  # this process reads the same registrations
        patch.setenv("DATAOPS_REMOTE_TOKENS", started.env["DATAOPS_REMOTE_TOKENS"])
        get_settings.cache_clear()
        started.start_editor()
        yield started
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _own_services(project: World) -> Iterator[None]:
    """Each test's services stop (gracefully: they unregister) when it ends."""
    before = len(project.processes)
    yield
    for process in project.processes[before:]:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def _module(project: World, name: str):  # type: ignore[no-untyped-def]
    wait_for(f"{name} to register", lambda: (project.remote(name) or {}).get("available"))
    discover()
    return get_module(name)


def test_a_service_that_crashes_mid_call(project: World) -> None:
    service, _ = project.serve(SERVED, "--interval", "2", log="crashing.log")
    spec = _module(project, "scale_remote")
    assert spec.run({"data": PRICES}, spec.params.model_validate({"column": "价格"}))["result"]["价格"].to_pylist() == [
        3.0,
        4.0,
    ]
    with pytest.raises(
        ModuleError,
        match=r"remote module 'scale_remote' \(version \w+ at http://127\.0\.0\.1:\d+/scale_remote\) stopped answering mid-call .*its service may have crashed",
    ):
        spec.run({"data": PRICES}, spec.params.model_validate({"column": "价格", "crash": True}))
    assert service.wait(timeout=30) == 3


def test_a_heartbeat_lapsing_after_compile_fails_the_call_clearly(project: World) -> None:
    service, _ = project.serve(SERVED, "--interval", "2", log="lapsing.log")
    spec = _module(project, "scale_remote")  # as a compiled job holds it
    service.send_signal(signal.SIGKILL)
    wait_for("the lapse", lambda: project.remote("scale_remote")["available"] is False)
    with pytest.raises(
        ModuleError,
        match=r"remote module 'scale_remote' is unavailable: no heartbeat from .* re-execute this node \(upstream outputs are kept\)",
    ):
        spec.run({"data": PRICES}, spec.params.model_validate({"column": "价格"}))


def test_a_service_that_answers_a_malformed_stream(project: World) -> None:
    port = free_port()
    project.start(
        [sys.executable, str(HERE / "malformed_service.py"), project.editor_url, str(port), TOKEN], "malformed.log"
    )
    spec = _module(project, "broken_remote")
    with pytest.raises(
        ModuleError,
        match=r"remote module 'broken_remote' \(version 0\.1 at .*\) answered with a malformed stream: the Arrow IPC stream for 'result' is malformed",
    ):
        spec.run({"data": PRICES}, spec.params.model_validate({}))


def test_registering_without_a_token_is_refused(project: World) -> None:
    module = {"name": "sneaky", "version": "1", "outputs": ["result"]}
    body = {"url": "http://127.0.0.1:9/", "module": module}
    for token in (None, "not-issued"):
        status, answer = project.post("/api/remote/register", body, token=token)
        assert status == 401
        assert "token the operator listed in DATAOPS_REMOTE_TOKENS" in answer["error"]
    project.serve(SERVED, "--interval", "2", token="not-issued", log="untokened.log")
    wait_for("the refusal", lambda: "HTTP 401" in (project.root / "untokened.log").read_text())
    assert project.remote("sneaky") is None


def test_a_service_refuses_a_caller_without_its_token(project: World) -> None:
    _, port = project.serve(SERVED, "--interval", "2", log="guarded.log")
    wait_for("registration", lambda: (project.remote("scale_remote") or {}).get("available"))
    target = Target(f"http://127.0.0.1:{port}/scale_remote", token="guessed", version="?")
    with pytest.raises(ModuleError, match="failed: missing or wrong token"):
        call("scale_remote", target, {"column": "价格"}, {"data": PRICES}, ("result",))


def test_a_revoked_token_stops_calls(project: World, monkeypatch: pytest.MonkeyPatch) -> None:
    project.serve(SERVED, "--interval", "2", token="second-token", log="revoked.log")
    wait_for("registration", lambda: (project.remote("scale_remote") or {}).get("available"))
    monkeypatch.setenv("DATAOPS_REMOTE_TOKENS", TOKEN)
    get_settings.cache_clear()
    try:
        with pytest.raises(ModuleError, match="registered with a token the operator has since revoked"):
            resolve("scale_remote")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_the_outbound_policy_applies_to_service_urls(project: World) -> None:
    module = {"name": "metadata_thief", "version": "1", "outputs": ["result"]}
    status, answer = project.post(
        "/api/remote/register", {"url": "http://169.254.169.254/latest", "module": module}, token=TOKEN
    )
    assert status == 403
    assert "outbound policy: host '169.254.169.254' is a link-local or cloud metadata address" in answer["error"]
