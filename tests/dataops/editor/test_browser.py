"""The editor in real headless Chromium against a real `dagster dev`: draw, configure, upload, save, run, inspect.

Needs Debian's chromium and the playwright package (never `playwright install`: browser
downloads are blocked); skips without them unless DATAOPS_REQUIRE_SERVICES is set.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.dataops.editor.running import running_editor
from tests.support.browser import CHROMIUM, require_browser, screenshot
from tests.support.dagster_server import PROJECT, DagsterServer, dagster_dev

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SALES = "城市,产品,销售额\n上海,茶,120\n北京,茶,80\n广州,咖啡,150\n深圳,咖啡,95\n杭州,茶,210\n"


@pytest.fixture
def servers(workspace: Path) -> Iterator[tuple[DagsterServer, str]]:
    """A real `dagster dev` and `dataops editor` pointed at it, both on free ports."""
    require_browser()
    env = {k: v for k, v in os.environ.items() if k.startswith(("DATAOPS_", "DAGSTER_HOME"))}
    with dagster_dev(env, workspace / "dagster.log") as dagster:
        dagster.wait_for_jobs(set())
        with running_editor(workspace / "editor.log", {"DATAOPS_DAGSTER_URL": dagster.url}) as (url, _):
            yield dagster, url


@pytest.fixture
def page(servers):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 860})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        browser.close()
        assert not errors, errors


def drag_module(page, module: str, x: int, y: int) -> None:
    page.fill("#palette-search", module)
    page.locator(f'.palette-item[data-module="{module}"]').drag_to(
        page.locator("#drawflow"), target_position={"x": x, "y": y}
    )
    page.fill("#palette-search", "")


def settled(page) -> None:
    """Wait until the latest change's validation is shown: it resizes nodes (their problems), and
    a drag measured before that would miss the port it aims at."""
    page.wait_for_function("document.body.dataset.validated !== 'pending'")


def connect(page, source: str, target: str) -> None:
    """Drag from the source node's output port to the target node's input port."""
    settled(page)
    start = page.locator(f'[data-node-id="{source}"] .output_1').bounding_box()
    end = page.locator(f'[data-node-id="{target}"] .input_1').bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=8)
    page.mouse.up()


def select(page, node: str) -> None:
    page.locator(f'[data-node-id="{node}"] .node-title').click()
    page.wait_for_selector(f'.inspector-node[data-node="{node}"]')


def set_param(page, name: str, value: str) -> None:
    page.fill(f"#param-{name}", value)
    page.press(f"#param-{name}", "Tab")


def test_draw_upload_save_run_and_inspect(page, servers, workspace: Path) -> None:
    dagster, url = servers
    csv = workspace / "销售.csv"
    csv.write_text(SALES, encoding="utf-8")

    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator(".drawflow-node").count() == 0
    assert page.get_attribute("#dagster-link", "href") == dagster.url

    page.fill("#flowchart-name", "sales_filter")
    page.press("#flowchart-name", "Tab")
    drag_module(page, "read_csv", 60, 140)
    drag_module(page, "filter_rows", 340, 140)
    drag_module(page, "write_csv", 620, 140)
    for node in ("read_csv_1", "filter_rows_1", "write_csv_1"):
        page.wait_for_selector(f'[data-node-id="{node}"]')

    connect(page, "read_csv_1", "filter_rows_1")
    connect(page, "filter_rows_1", "write_csv_1")
    assert page.locator(".drawflow .connection").count() == 2

    # A second edge into write_csv's single input is refused on the spot, with the reason.
    connect(page, "read_csv_1", "write_csv_1")
    page.wait_for_selector("#message:has-text('takes one edge')")
    assert "input 'data' of 'write_csv_1' takes one edge" in page.inner_text("#message")
    assert page.locator(".drawflow .connection").count() == 2

    select(page, "read_csv_1")
    page.set_input_files("#upload-input", str(csv))
    page.wait_for_function(
        "document.querySelector('#param-path') && document.querySelector('#param-path').value === 'uploads/销售.csv'"
    )
    assert (workspace / "data" / "uploads" / "销售.csv").read_text(encoding="utf-8") == SALES

    select(page, "filter_rows_1")
    set_param(page, "condition", "销售额 > 100")
    select(page, "write_csv_1")
    set_param(page, "path", "out/filtered.csv")
    page.wait_for_selector("#validity:has-text('valid ✓')")

    page.click("#save-btn")
    page.wait_for_selector("#message:has-text('Saved sales_filter.json')", timeout=60_000)
    assert "Dagster reloaded" in page.inner_text("#message")
    saved = (workspace / "flowcharts" / "sales_filter.json").read_text(encoding="utf-8")
    assert '"position"' in saved and "销售额 > 100" in saved

    page.click("#run-btn")
    page.wait_for_selector("#run-status .run-state:has-text('SUCCESS')", timeout=180_000)
    for node in ("read_csv_1", "filter_rows_1", "write_csv_1"):
        assert "state-succeeded" in page.get_attribute(f'[data-node-id="{node}"]', "class")
    assert len(pd.read_csv(workspace / "data" / "out" / "filtered.csv")) == 3

    select(page, "filter_rows_1")
    page.wait_for_selector("#run-preview .row-count")
    assert page.inner_text("#run-preview .row-count").strip() == "3 rows"
    assert page.locator("#run-preview table.preview tbody tr").count() == 3
    assert "杭州" in page.inner_text("#run-preview table.preview")
    run_url = page.get_attribute("#run-status a", "href")
    assert run_url.startswith(f"{dagster.url}/runs/")

    screenshot(page, "editor.png", doc=True)

    # The last run's column schema feeds the column pickers of a new downstream node.
    drag_module(page, "select_columns", 620, 330)
    connect(page, "filter_rows_1", "select_columns_1")
    select(page, "select_columns_1")
    page.wait_for_selector("#inspector datalist.column-list option[value='销售额']", state="attached")
    page.click("#inspector .danger")
    page.wait_for_function("!document.querySelector('[data-node-id=\"select_columns_1\"]')")
    page.click("#undo-btn")
    page.wait_for_selector('[data-node-id="select_columns_1"]')
    page.click("#redo-btn")
    page.wait_for_function("!document.querySelector('[data-node-id=\"select_columns_1\"]')")

    page.goto(run_url)
    page.wait_for_selector("text=RUN_SUCCESS", timeout=60_000)
    page.wait_for_timeout(1500)
    skip = page.get_by_role("button", name="Skip")  # Dagster's first-visit newsletter dialog
    if skip.count():
        skip.first.click()
        page.wait_for_timeout(500)
    screenshot(page, "dagster-run.png", doc=True)


def test_an_existing_yaml_flowchart_opens_laid_out(page, servers, workspace: Path) -> None:
    _, url = servers
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    page.goto(f"{url}/?flowchart=sales_by_city")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector('[data-node-id="save"]')
    assert page.locator(".drawflow-node").count() == 6
    assert page.locator(".drawflow .connection").count() == 5
    page.wait_for_selector("#validity:has-text('valid ✓')")
    xs = [page.locator(f'[data-node-id="{n}"]').bounding_box()["x"] for n in ("load", "valid", "revenue")]
    assert xs == sorted(xs)
