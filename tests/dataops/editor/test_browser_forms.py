"""The params forms in real headless Chromium: the sales-by-city flowchart is built from an empty
canvas without typing any JSON, its data file picked in the file browser (after an upload into a
folder of the data root), its grouping and aggregations picked from the columns reaching the node.

Only the editor runs (no Dagster; fixtures in conftest.py). DATAOPS_UPDATE_DOC_IMAGES=1 refreshes
docs/img/editor-forms.png.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from dataops import flowcharts
from dataops.settings import get_settings
from dataops.spec.schema import check_schemas
from module_library.discovery import discover
from tests.dataops.editor.test_browser import connect, drag_module, select, settled
from tests.support.browser import screenshot
from tests.support.dagster_server import PROJECT

CONDITION = "价格 IS NOT NULL AND 数量 > 0"
EXPECTED = {
    "name": "sales_by_city",
    "nodes": [
        {"id": "load", "module": "read_csv", "label": "读取销售数据", "params": {"path": "sales.csv"}},
        {"id": "valid", "module": "filter_rows", "label": "有效订单", "params": {"condition": CONDITION}},
        {
            "id": "by_city",
            "module": "group_aggregate",
            "label": "按城市汇总",
            "params": {
                "by": ["城市"],
                "aggregations": [
                    {"column": "数量", "function": "sum", "as": "销量"},
                    {"column": "订单号", "function": "count", "as": "订单数"},
                    {"column": "价格", "function": "mean"},
                ],
            },
        },
        {"id": "save", "module": "write_csv", "label": "保存结果", "params": {"path": "out/sales_by_city.csv"}},
    ],
    "edges": [{"from": "load", "to": "valid"}, {"from": "valid", "to": "by_city"}, {"from": "by_city", "to": "save"}],
}


def name_node(page, node: str, new_id: str, label: str) -> None:
    select(page, node)
    page.fill("#node-label", label)
    page.press("#node-label", "Tab")
    page.fill("#node-id", new_id)
    page.press("#node-id", "Tab")
    page.wait_for_selector(f'.inspector-node[data-node="{new_id}"]')


def pick_column(page, scope: str, column: str) -> None:
    """Choose `column` in the column picker (a select of the columns reaching the node) inside `scope`."""
    picker = f"{scope} select.column-picker"
    page.wait_for_selector(f"{picker} option[value='{column}']", state="attached")
    page.select_option(picker, column)


def test_build_sales_by_city_from_an_empty_canvas_without_typing_json(chromium, editor_only: str, workspace: Path):
    page = chromium
    data = workspace / "data"
    (data / "archive").mkdir()
    (data / "archive" / "old.csv").write_text("城市,数量\n上海,1\n", encoding="utf-8")
    upload = workspace / "二月.csv"
    upload.write_text("城市,数量\n北京,2\n", encoding="utf-8")

    page.goto(editor_only)
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator(".drawflow-node").count() == 0
    page.fill("#flowchart-name", "sales_by_city")
    page.press("#flowchart-name", "Tab")

    drag_module(page, "read_csv", 30, 80)
    drag_module(page, "filter_rows", 240, 200)
    drag_module(page, "group_aggregate", 450, 80)
    drag_module(page, "write_csv", 660, 200)
    for node, new_id, label in (
        ("read_csv_1", "load", "读取销售数据"),
        ("filter_rows_1", "valid", "有效订单"),
        ("group_aggregate_1", "by_city", "按城市汇总"),
        ("write_csv_1", "save", "保存结果"),
    ):
        name_node(page, node, new_id, label)

    # The data file: browse into a folder, upload a file there (it becomes the path), then go up and pick sales.csv.
    select(page, "load")
    header = '[data-param="header"]'  # a switch showing the default until set; "use default" unsets it
    assert page.inner_text(f"{header} .switch-state") == "on (default)"
    page.click(f"{header} .switch input")
    assert page.inner_text(f"{header} .switch-state") == "off"
    page.click(f"{header} .link-button")
    assert page.inner_text(f"{header} .switch-state") == "on (default)"
    page.click('[data-param="path"] .browse-button')
    page.wait_for_selector('.file-browser li.file[data-path="sales.csv"]')
    offered = page.eval_on_selector_all(".file-browser li.file", "items => items.map(i => i.dataset.path)")
    assert offered == ["customers.csv", "sales.csv"]  # read_csv's format only: no regions.xlsx
    page.click('.file-browser li.folder[data-dir="archive"]')
    page.wait_for_selector('.file-browser li.file[data-path="archive/old.csv"]')
    page.set_input_files(".file-browser input.upload-here", str(upload))
    page.wait_for_function("document.querySelector('#param-path').value === 'archive/二月.csv'")
    assert (data / "archive" / "二月.csv").read_text(encoding="utf-8") == upload.read_text(encoding="utf-8")
    page.wait_for_selector('.file-browser li.file.chosen[data-path="archive/二月.csv"]')
    page.click(".file-browser li.folder.up")
    page.click('.file-browser li.file[data-path="sales.csv"]')
    page.wait_for_function("document.querySelector('#param-path').value === 'sales.csv'")
    assert page.locator(".file-browser").is_hidden()

    connect(page, "load", "valid")
    connect(page, "valid", "by_city")
    connect(page, "by_city", "save")
    assert page.locator(".drawflow .connection").count() == 3

    select(page, "valid")
    page.fill("#param-condition", CONDITION)
    page.press("#param-condition", "Escape")
    page.press("#param-condition", "Tab")

    select(page, "by_city")
    pick_column(page, '[data-param="by"]', "城市")
    assert page.inner_text('[data-param="by"] .tag > span') == "城市"
    rows = [("数量", "sum", "销量"), ("订单号", "count", "订单数"), ("价格", "mean", None), ("日期", "max", None)]
    for i, (column, function, name) in enumerate(rows):
        page.click('[data-param="aggregations"] .add-row')
        row = f'[data-param="aggregations"] .object-row[data-row="{i}"]'
        pick_column(page, f'{row} [data-param="column"]', column)
        page.select_option(f"#param-aggregations-{i}-function", function)
        if name:
            page.fill(f"#param-aggregations-{i}-as", name)
            page.press(f"#param-aggregations-{i}-as", "Tab")
    function_options = page.eval_on_selector_all("#param-aggregations-0-function option", "os => os.map(o => o.text)")
    assert "sum — total of the values" in function_options
    assert "size — number of rows (needs no column)" in function_options
    page.click('[data-param="aggregations"] .object-row[data-row="3"] .remove-row')
    assert page.locator('[data-param="aggregations"] .object-row').count() == 3
    assert page.input_value("#param-aggregations-2-column") == "价格"

    assert json.loads(page.input_value("#raw-params")) == EXPECTED["nodes"][2]["params"]  # the JSON box follows

    select(page, "save")
    page.fill("#param-path", "out/sales_by_city.csv")
    page.press("#param-path", "Tab")
    settled(page)
    page.wait_for_selector("#validity:has-text('valid ✓')")

    select(page, "by_city")
    page.wait_for_selector('[data-param="aggregations"] .object-row[data-row="2"]')
    screenshot(page, "editor-forms.png", doc=True)

    page.click("#save-btn")
    page.wait_for_selector("#message:has-text('Saved sales_by_city.json')")
    file = workspace / "flowcharts" / "sales_by_city.json"
    saved = json.loads(file.read_text(encoding="utf-8"))
    for node in saved["nodes"]:
        assert set(node.pop("position")) == {"x", "y"}
    saved.pop("description", None)
    assert saved == EXPECTED
    discover(get_settings().plugins)
    flowchart = flowcharts.parse(flowcharts.read(file))
    assert list(flowchart.nodes) == ["load", "valid", "by_city", "save"]
    assert check_schemas(flowchart, root=get_settings().data_root_resolved).problems == []


def test_the_json_box_and_the_rows_show_the_same_params(chromium, editor_only: str, workspace: Path) -> None:
    page = chromium
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    page.goto(f"{editor_only}/?flowchart=sales_by_city")
    page.wait_for_selector("body[data-ready=true]")
    select(page, "by_city")
    rows = '[data-param="aggregations"] .object-row'
    assert page.locator(rows).count() == 3
    assert [page.input_value(f"#param-aggregations-{i}-column") for i in range(3)] == ["金额", "订单号", "价格"]
    assert page.input_value("#param-aggregations-1-function") == "count"
    page.click(".raw-params summary")
    params = json.loads(page.input_value("#raw-params"))
    params["aggregations"] = params["aggregations"][:1]
    page.fill("#raw-params", json.dumps(params, ensure_ascii=False))
    page.locator("#raw-params").blur()
    page.wait_for_function(f"document.querySelectorAll('{rows}').length === 1")
    assert page.input_value("#param-aggregations-0-as") == "销售额"
