"""A flowchart edited on disk and in the editor at once, in real headless Chromium (issue 18): the page
notices the edit on disk before saving, a save opens the dialog with what differs, and "Keep mine" or
"Take theirs" loses neither edit."""

from __future__ import annotations

import shutil
from pathlib import Path

from dataops import history
from tests.dataops.editor.test_browser import select, set_param
from tests.support.dagster_server import PROJECT


def _edit_on_disk(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    edited = text.replace(old, new)
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    return edited


def _changes(page, title: str) -> list[str]:
    section = page.locator("#conflict-dialog .conflict-changes", has=page.locator(f"h3:text-is('{title}')"))
    return section.locator("li").all_inner_texts()


def test_keep_mine_then_take_theirs(chromium, editor_only: str, workspace: Path) -> None:
    path = workspace / "flowcharts" / "sales_by_city.yaml"
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", path)
    page = chromium
    page.goto(f"{editor_only}/?flowchart=sales_by_city")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#validity:has-text('valid ✓')")
    select(page, "valid")
    set_param(page, "condition", "价格 > 99")  # my edit, in the page
    edited = _edit_on_disk(path, 'expression: "价格 * 数量"}', 'expression: "价格 * 数量 * 2"}  # hand edit')

    # Noticed before saving: the page asks for the file's version every few seconds.
    banner = page.locator("#disk-banner")
    banner.wait_for(state="visible", timeout=10_000)
    assert banner.locator("span").inner_text() == (
        "sales_by_city.yaml was changed on disk since you opened it. Saving will ask which version to keep."
    )

    banner.locator(".disk-review").click()  # as Save does
    dialog = page.locator("#conflict-dialog")
    dialog.wait_for()
    assert (
        dialog.locator("h2").inner_text()
        == "'sales_by_city' (sales_by_city.yaml) was changed on disk since it was opened"
    )
    assert _changes(page, "How the file on disk differs from yours") == [  # never saved here: no common version
        '~ node valid: param condition "价格 > 99" → "价格 IS NOT NULL AND 数量 > 0"',
        '~ node revenue: param expression "价格 * 数量" → "价格 * 数量 * 2"',
    ]
    assert path.read_text(encoding="utf-8") == edited  # nothing saved while the choice is open
    dialog.locator(".conflict-mine").click()
    page.wait_for_selector(
        "#message:has-text('Saved sales_by_city.yaml (the version that was on disk is kept in History)')"
    )
    assert dialog.count() == 0
    text = path.read_text(encoding="utf-8")
    assert '{condition: "价格 > 99"}' in text  # mine
    assert 'expression: "价格 * 数量"}      # hand edit' in text  # the disk's value overwritten, its comment kept
    versions = history.versions(path)
    assert [v.source for v in versions] == ["editor", "disk"]
    assert versions[1].text() == edited  # the disk edit, one Revert away
    banner.wait_for(state="hidden")

    # Again, and this time the disk's version wins; the common version is in the history now.
    set_param(page, "condition", "价格 > 7")
    edited = _edit_on_disk(path, 'expression: "价格 * 数量"}', 'expression: "价格 * 数量 * 3"}')
    page.click("#save-btn")
    dialog.wait_for()
    dialog.locator(".conflict-cancel").click()  # decide later: nothing is saved
    page.locator("#message", has_text="Not saved").wait_for()
    assert page.inner_text("#message") == (
        "Not saved: 'sales_by_city' (sales_by_city.yaml) was changed on disk since it was opened. "
        "Save again to choose which version to keep"
    )
    assert path.read_text(encoding="utf-8") == edited
    page.click("#save-btn")
    dialog.wait_for()
    assert _changes(page, "Changed on disk") == ['~ node revenue: param expression "价格 * 数量" → "价格 * 数量 * 3"']
    assert _changes(page, "Your changes") == ['~ node valid: param condition "价格 > 99" → "价格 > 7"']
    dialog.locator(".conflict-theirs").click()
    page.wait_for_selector(
        "#message:has-text('Took sales_by_city.yaml as it is on disk; Undo (Ctrl+Z) brings your version back')"
    )
    assert path.read_text(encoding="utf-8") == edited
    select(page, "revenue")
    assert page.input_value("#param-expression") == "价格 * 数量 * 3"  # the page shows the disk edit
    select(page, "valid")
    assert page.input_value("#param-condition") == "价格 > 99"
    assert not page.locator("#save-btn.dirty").count()  # as on disk
    page.click("#undo-btn")
    select(page, "valid")
    assert page.input_value("#param-condition") == "价格 > 7"  # and mine is one Undo away
