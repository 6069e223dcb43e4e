"""A commented YAML flowchart, opened in real headless Chromium, edited in the form and saved,
stays YAML with its comments and key order (issue 18: round trip without loss)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.dataops.editor.test_browser import select, set_param
from tests.support.dagster_server import PROJECT


def test_open_edit_one_param_save_and_the_file_is_still_yaml_with_its_comments(
    chromium, editor_only: str, workspace: Path
) -> None:
    folder = workspace / "flowcharts"
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", folder)
    original = (folder / "sales_by_city.yaml").read_text(encoding="utf-8")
    page = chromium
    page.goto(f"{editor_only}/?flowchart=sales_by_city")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#validity:has-text('valid ✓')")
    select(page, "valid")
    set_param(page, "condition", "价格 > 50 AND 数量 > 0")
    page.click("#save-btn")
    page.wait_for_selector("#message:has-text('Saved sales_by_city.yaml')")

    assert sorted(p.name for p in folder.iterdir() if p.name != ".history") == ["sales_by_city.yaml"]
    text = (folder / "sales_by_city.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Read Excel's GBK export, keep sizeable orders, compute revenue and sum it per city.\n")
    assert "    params: {path: sales.csv}          # encoding and delimiter are detected\n" in text
    assert '    params: {condition: "价格 > 50 AND 数量 > 0"}\n' in text
    unchanged = [line for line in original.splitlines() if "condition" not in line]
    assert [line for line in text.splitlines() if "position:" not in line and "condition" not in line] == unchanged
    saved = yaml.safe_load(text)
    assert [n["id"] for n in saved["nodes"]] == ["load", "valid", "revenue", "by_city", "rank", "save"]
    assert list(saved) == ["name", "description", "nodes", "edges"]
