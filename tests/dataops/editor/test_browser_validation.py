"""Validation that knows the data, in real headless Chromium: a wrong column in a condition is
flagged on its node before anything runs, with the did-you-mean; ports, edges and pickers show the
columns, downstream of renamed ones too; SQL fields complete column names.

Only the editor runs (validation needs no Dagster; fixtures in conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dataops.editor.test_browser import select
from tests.support.browser import screenshot

FLOWCHART = """\
# Orders over 100, by a column name typed from memory.
name: wrong_column
nodes:
  - id: load
    module: read_csv
    params: {path: sales.csv}    # GBK export
  - id: big
    module: filter_rows
    params: {condition: "价钱 > 100"}
  - id: renamed
    module: rename_columns
    params: {mapping: {价格: 单价}}
  - id: ordered
    module: sort_rows
  - id: save
    module: write_csv
    params: {path: out/big.csv}
edges:
  - {from: load, to: big}
  - {from: big, to: save}
  - {from: load, to: renamed}
  - {from: renamed, to: ordered}
"""
SALES = ["订单号", "城市", "产品", "价格", "数量", "日期", "客户"]


@pytest.fixture(autouse=True)
def flowchart(workspace: Path) -> None:
    (workspace / "flowcharts" / "wrong_column.yaml").write_text(FLOWCHART, encoding="utf-8")


def test_a_wrong_column_in_a_condition_is_flagged_before_running(chromium, editor_only: str) -> None:
    page = chromium
    page.goto(f"{editor_only}/?flowchart=wrong_column")
    page.wait_for_selector("body[data-ready=true]")
    flagged = page.locator('[data-node-id="big"] .node-problems')
    expected = "did you mean '价格'?"
    page.wait_for_selector(f'[data-node-id="big"] .node-problems:has-text("{expected}")')
    assert flagged.inner_text() == (
        "⚠ params.condition: unknown column '价钱' (available: 订单号, 城市, 产品, 价格, 数量, 日期, 客户); "
        "did you mean '价格'?"
    )
    assert page.locator('[data-node-id="big"]').get_attribute("class").count("has-problem") == 1
    assert page.locator("#problems li", has_text="wrong_column › big › params.condition").count() == 1

    # the columns on ports and edges (tooltips), known before any run
    page.wait_for_selector('[data-node-id="big"] .inputs .input[data-columns]')
    data_in = page.locator('[data-node-id="big"] .inputs .input').first
    assert data_in.get_attribute("data-columns") == ", ".join(SALES)
    assert "价格: double" in data_in.get_attribute("title")
    edge = page.locator("svg.connection[data-columns]").first
    assert "价格" in edge.get_attribute("data-columns")
    assert page.locator("svg.connection title", has_text="load.result →").count() == 2

    # a picker downstream of a rename offers the new name, not the old one
    select(page, "ordered")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#inspector datalist.column-list option')].some(o => o.value === '单价')"
    )
    offered = page.eval_on_selector_all("#inspector datalist.column-list option", "os => os.map(o => o.value)")
    assert "价格" not in offered and "单价" in offered

    # the condition field completes column names; the fix clears the flag, still before any run
    select(page, "big")
    field = page.locator("#param-condition")
    field.fill("")
    field.press_sequentially("价")
    page.wait_for_selector(".completions:not([hidden]) .completion:has-text('价格')")
    screenshot(page, "editor-validation.png")
    field.press("Enter")
    assert field.input_value() == "价格"
    field.press_sequentially(" > 100")
    field.press("Tab")
    page.wait_for_selector('[data-node-id="big"]:not(.has-problem)')
    assert flagged.inner_text() == ""
    assert page.locator("#validity").inner_text() == "1 problem"  # sort_rows still needs its 'by'


def test_a_syntax_error_names_the_users_text(chromium, editor_only: str) -> None:
    page = chromium
    page.goto(f"{editor_only}/?flowchart=wrong_column")
    page.wait_for_selector("body[data-ready=true]")
    select(page, "big")
    page.fill("#param-condition", "价格 >")
    page.press("#param-condition", "Escape")
    page.locator("#param-condition").blur()
    expected = "syntax error: `价格 >` ends with '>', and something is missing after it"
    page.wait_for_selector(f'[data-node-id="big"] .node-problems:has-text("{expected}")')
    assert '")"' not in page.locator('[data-node-id="big"] .node-problems').inner_text()


def test_a_node_just_dropped_and_connected_offers_the_columns_reaching_it(chromium, editor_only: str) -> None:
    from tests.dataops.editor.test_browser import connect, drag_module

    page = chromium
    page.goto(f"{editor_only}/?flowchart=wrong_column")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector('[data-node-id="big"] .inputs .input[data-columns]')
    drag_module(page, "select_columns", 620, 430)
    connect(page, "renamed", "select_columns_1")
    select(page, "select_columns_1")
    page.wait_for_selector("#inspector datalist.column-list option[value='单价']", state="attached")
