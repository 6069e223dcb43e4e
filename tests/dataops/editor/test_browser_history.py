"""History in real headless Chromium: edit a param, save, open the history panel, read what the save
changed, and revert to the version before it (issue 18: revert a change from history)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.dataops.editor.test_browser import select, set_param
from tests.support.browser import screenshot
from tests.support.dagster_server import PROJECT


def test_revert_a_change_from_history(chromium, editor_only: str, workspace: Path) -> None:
    folder = workspace / "flowcharts"
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", folder)
    original = (folder / "sales_by_city.yaml").read_text(encoding="utf-8")
    page = chromium
    page.goto(f"{editor_only}/?flowchart=sales_by_city")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#validity:has-text('valid ✓')")
    select(page, "valid")
    old_condition = page.input_value("#param-condition")
    set_param(page, "condition", "价格 > 99")
    page.click("#save-btn")
    page.wait_for_selector("#message:has-text('Saved sales_by_city.yaml')")
    assert "价格 > 99" in (folder / "sales_by_city.yaml").read_text(encoding="utf-8")

    page.click("#history-btn")
    page.wait_for_selector("#history-panel h2:has-text('History of sales_by_city')")
    versions = page.locator("#history-list .version")
    versions.nth(1).wait_for()
    assert versions.count() == 2
    newest = versions.nth(0)
    assert newest.locator(".source").inner_text() == "saved in the editor"
    assert newest.locator(".current").inner_text() == "current"
    change = f'~ node valid: param condition "{old_condition}" → "价格 > 99"'
    assert change in newest.locator(".changes li").all_inner_texts()
    before = versions.nth(1)
    assert before.locator(".source").inner_text() == "edited outside"  # the file as it was on disk
    assert "+ node load (read_csv)" in before.locator(".changes li").all_inner_texts()

    before.locator(".revert-btn").click()
    page.wait_for_url("**/?flowchart=sales_by_city*")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#history-list .version .source:has-text('reverted')")
    assert (folder / "sales_by_city.yaml").read_text(encoding="utf-8") == original  # comments and all
    reverted = page.locator("#history-list .version").nth(0)
    assert (
        f'~ node valid: param condition "价格 > 99" → "{old_condition}"'
        in reverted.locator(".changes li").all_inner_texts()
    )
    assert page.locator("#history-list .version").count() == 3
    select(page, "valid")
    assert page.input_value("#param-condition") == old_condition  # the canvas shows the reverted flowchart
    screenshot(page, "editor-history.png", doc=True)  # the history panel in docs/editor.md
