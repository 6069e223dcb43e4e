"""The run page of a real `dagster dev`, in real Chromium, follows a run live: no reload needed.

With the project's `dagster.yaml`, a run is launched whose middle nodes are plugin modules that each
wait for a file the test creates. The open run page shows a held node executing, then, once the test
lets it go, that node succeeded and the next one executing while the run still runs, and finally the
run's success, all without a reload.
Needs Debian's chromium and the playwright package (never `playwright install`: browser downloads
are blocked); skips without them unless DATAOPS_REQUIRE_SERVICES is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM, require_browser
from tests.support.dagster_server import DagsterServer, dagster_dev

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
HOLD = '''
import time
from pathlib import Path

from module_library import module


def _wait(release):
    deadline = time.monotonic() + 180
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.1)


@module(category="custom")
def hold_first(data, params):
    """Pass the table on once the test creates the first release file (at most three minutes later)."""
    _wait({first!r})
    return data


@module(category="custom")
def hold_second(data, params):
    """Pass the table on once the test creates the second release file."""
    _wait({second!r})
    return data
'''
FLOWCHART = """name: live
nodes:
  - {id: load, module: read_csv, params: {path: live.csv}}
  - {id: first, module: hold_first}
  - {id: second, module: hold_second}
  - {id: save, module: write_csv, params: {path: out/live.csv}}
edges:
  - {from: load, to: first}
  - {from: first, to: second}
  - {from: second, to: save}
"""


@pytest.fixture
def server(workspace: Path) -> Iterator[DagsterServer]:
    require_browser()
    (workspace / "data" / "live.csv").write_text("城市,销售额\n上海,120\n北京,80\n", encoding="utf-8")
    (workspace / "plugins" / "hold.py").write_text(
        HOLD.format(first=str(workspace / "first"), second=str(workspace / "second")), encoding="utf-8"
    )
    (workspace / "flowcharts" / "live.yaml").write_text(FLOWCHART, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k.startswith(("DATAOPS_", "DAGSTER_HOME"))}
    with dagster_dev(env, workspace / "dagster.log") as running:  # the workspace's dagster.yaml is the project's
        yield running


def test_the_run_page_shows_step_states_while_the_run_executes(server: DagsterServer, workspace: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    server.wait_for_jobs({"live"})
    run_id = server.launch("live")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            loads: list[str] = []
            page.on("load", lambda loaded: loads.append(loaded.url))
            page.goto(f"{server.url}/runs/{run_id}")
            expect(page.get_by_text("Executing (1)")).to_be_visible(timeout=180_000)  # `first` holds the run
            page.evaluate("window.__same_document = true")
            expect(page.get_by_text("Succeeded (1)")).to_be_visible(timeout=60_000)

            # `first` lets go: the page shows it succeeded and `second` executing, while the run still runs.
            (workspace / "first").touch()
            expect(page.get_by_text("Succeeded (2)")).to_be_visible(timeout=120_000)
            expect(page.get_by_text("Executing (1)")).to_be_visible()
            assert server.run(run_id)["status"] == "STARTED"  # held by `second`: the run has not ended
            assert not (workspace / "data" / "out" / "live.csv").exists()

            (workspace / "second").touch()
            expect(page.get_by_text("Succeeded (4)")).to_be_visible(timeout=120_000)
            expect(page.get_by_text("Success", exact=True)).to_be_visible(timeout=60_000)
            assert page.evaluate("window.__same_document") is True  # the same page all along: no reload
            assert loads == [f"{server.url}/runs/{run_id}"]
        finally:
            browser.close()
    assert server.run(run_id)["status"] == "SUCCESS"
    assert (workspace / "data" / "out" / "live.csv").exists()
