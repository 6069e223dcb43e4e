"""The canvas in real headless Chromium: readable at every size (zoom floor, fit, minimap), a live
summary, a friendly empty start, and selection with copy, paste, move, delete, undo and redo.

Only the editor runs (fixtures in conftest.py).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.dataops.editor.test_browser import connect, drag_module, select, settled
from tests.support.dagster_server import PROJECT

FLOOR = 80  # percent: graph.js FIT_FLOOR
SMALL = """\
name: small
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}, position: {x: 60, y: 60}}
  - {id: big, module: filter_rows, params: {condition: "价格 > 100"}, position: {x: 340, y: 60}}
  - {id: save, module: write_csv, params: {path: out/big.csv}, position: {x: 620, y: 60}}
edges:
  - {from: load, to: big}
  - {from: big, to: save}
"""


@pytest.fixture(autouse=True)
def flowcharts(workspace: Path) -> None:
    for example in ("data_quality_tour.yaml", "sales_by_city.yaml"):
        shutil.copy(PROJECT / "flowcharts" / example, workspace / "flowcharts" / example)
    (workspace / "flowcharts" / "small.yaml").write_text(SMALL, encoding="utf-8")


def open_flowchart(page, url: str, name: str) -> None:
    page.goto(f"{url}/?flowchart={name}")
    page.wait_for_selector("body[data-ready=true]")
    settled(page)


def deselect(page) -> None:
    """A click on the background, below the nodes."""
    page.locator("#drawflow").click(position={"x": 600, "y": 500})


def zoom(page) -> int:
    return int(page.inner_text("#zoom-reset-btn").rstrip("%"))


def summary(page) -> str:
    return page.inner_text("#flowchart-summary")


def outside_view(page) -> int:
    """How many nodes lie (partly) outside the canvas."""
    return page.evaluate(
        """() => {
          const view = document.getElementById('drawflow').getBoundingClientRect();
          return [...document.querySelectorAll('.drawflow-node')].filter((n) => {
            const r = n.getBoundingClientRect();
            return r.left < view.left || r.top < view.top || r.right > view.right || r.bottom > view.bottom;
          }).length;
        }"""
    )


def node_ids(page) -> list[str]:
    return sorted(page.eval_on_selector_all(".drawflow-node", "ns => ns.map(n => n.dataset.nodeId)"))


def position(page, node: str) -> tuple[float, float]:
    box = page.locator(f'[data-node-id="{node}"]').bounding_box()
    return box["x"], box["y"]


def test_an_opened_example_is_readable_saved_and_has_an_overview(chromium, editor_only: str) -> None:
    page = chromium
    open_flowchart(page, editor_only, "data_quality_tour")
    assert zoom(page) >= FLOOR
    assert page.locator("#minimap").is_visible()  # 21 nodes do not fit at a readable size
    assert page.locator("#minimap .mini-node").count() == 21
    assert summary(page).endswith("· saved as data_quality_tour.yaml")
    assert "not saved yet" not in summary(page)
    assert page.locator("#save-btn.dirty").count() == 0
    # the sources are in view, where reading starts
    assert outside_view(page) > 0
    load = page.locator('[data-node-id="load"]').bounding_box()
    canvas = page.locator("#drawflow").bounding_box()
    assert canvas["x"] <= load["x"] and load["x"] + load["width"] <= canvas["x"] + canvas["width"]

    # a change makes it dirty; its file is still named
    edges = int(re.search(r"(\d+) edges", summary(page)).group(1))
    page.fill("#flowchart-description", "changed")
    page.press("#flowchart-description", "Tab")
    assert summary(page) == f"21 nodes, {edges} edges · data_quality_tour.yaml, changed since saved"

    # a click on the overview's far right brings the sinks into view
    frame = page.locator("#minimap svg").bounding_box()
    view_x = float(page.get_attribute("#minimap .mini-view", "x"))
    page.mouse.click(frame["x"] + frame["width"] - 8, frame["y"] + frame["height"] / 2)
    load_after = page.locator('[data-node-id="load"]').bounding_box()
    assert load_after["x"] < canvas["x"]
    assert zoom(page) >= FLOOR
    page.wait_for_function(f"Number(document.querySelector('#minimap .mini-view').getAttribute('x')) > {view_x}")

    # a drag on it pans along, back to the start
    page.mouse.move(frame["x"] + frame["width"] - 8, frame["y"] + frame["height"] / 2)
    page.mouse.down()
    page.mouse.move(frame["x"] + 4, frame["y"] + frame["height"] / 2, steps=5)
    page.mouse.up()
    assert page.locator('[data-node-id="load"]').bounding_box()["x"] > canvas["x"]


def test_a_flowchart_that_fits_is_shown_whole_without_overview(chromium, editor_only: str) -> None:
    page = chromium
    open_flowchart(page, editor_only, "small")
    assert zoom(page) == 100
    assert outside_view(page) == 0
    assert page.locator("#minimap").is_hidden()
    assert summary(page) == "3 nodes, 2 edges · saved as small.yaml"
    page.click("#zoom-in-btn")
    page.click("#zoom-in-btn")
    page.mouse.move(600, 150)  # the background, above the nodes
    page.mouse.down()
    page.mouse.move(1000, 650, steps=5)  # pan most of it away
    page.mouse.up()
    assert outside_view(page) > 0
    page.click("#fit-btn")
    assert zoom(page) == 100
    assert outside_view(page) == 0


def test_an_empty_canvas_says_how_to_start_and_the_summary_is_live(chromium, editor_only: str) -> None:
    page = chromium
    page.goto(editor_only)
    page.wait_for_selector("body[data-ready=true]")
    settled(page)
    start = page.locator("#canvas-start")
    assert start.is_visible()
    assert "Drag a module from the palette, or drop a CSV, Excel or Parquet file here" in start.inner_text()
    assert page.locator("#problems li.general, #problems li.on-node").count() == 0
    assert page.inner_text("#problems") == "Nothing to check yet: add a node to start."
    assert page.inner_text("#validity") == "empty"
    assert summary(page) == "0 nodes, 0 edges · not saved yet"

    drag_module(page, "read_csv", 80, 140)
    assert start.is_hidden()
    deselect(page)  # a dropped node is selected; the flowchart's panel has the summary
    assert summary(page) == "1 node, 0 edges · not saved yet"
    drag_module(page, "filter_rows", 380, 140)
    deselect(page)
    assert summary(page) == "2 nodes, 0 edges · not saved yet"
    connect(page, "read_csv_1", "filter_rows_1")
    assert summary(page) == "2 nodes, 1 edge · not saved yet"
    page.wait_for_selector("#problems li.general")  # now the name it lacks is a problem

    select(page, "filter_rows_1")
    page.keyboard.press("Delete")
    page.wait_for_selector(".inspector-flowchart")
    assert summary(page) == "1 node, 0 edges · not saved yet"
    page.keyboard.press("Control+z")
    assert summary(page) == "2 nodes, 1 edge · not saved yet"
    page.keyboard.press("Control+Shift+z")
    assert summary(page) == "1 node, 0 edges · not saved yet"

    # emptied again: the start is back and the problems give way
    select(page, "read_csv_1")
    page.keyboard.press("Delete")
    assert start.is_visible()
    settled(page)
    assert page.locator("#problems li.general").count() == 0
    page.click("#start-open")
    assert page.evaluate("document.activeElement.id") == "open-select"


def test_copy_paste_of_two_nodes_keeps_their_edge_and_params_and_undoes(chromium, editor_only: str) -> None:
    page = chromium
    open_flowchart(page, editor_only, "small")
    select(page, "load")
    page.locator('[data-node-id="big"] .node-title').click(modifiers=["Shift"])
    assert page.locator(".drawflow-node.selected").count() == 2
    assert summary(page) == "3 nodes, 2 edges · 2 selected · saved as small.yaml"

    page.keyboard.press("Control+c")
    page.click("#flowchart-name")
    page.keyboard.press("Control+v")  # typing in a field: the field's paste, not the canvas's
    page.keyboard.press("Control+a")
    assert node_ids(page) == ["big", "load", "save"]
    assert page.locator(".drawflow-node.selected").count() == 2
    page.locator('[data-node-id="save"] .node-title').click(modifiers=["Control"])  # adds 'save'
    page.locator('[data-node-id="save"] .node-title').click(modifiers=["Control"])  # and takes it off
    assert page.locator(".drawflow-node.selected").count() == 2
    page.keyboard.press("Control+v")
    assert node_ids(page) == ["big", "big_1", "load", "load_1", "save"]
    assert summary(page).startswith("5 nodes, 3 edges · 2 selected")
    assert page.locator(".drawflow-node.selected").count() == 2
    assert page.locator(".connection.node_in_node-{}".format(df_id(page, "big_1"))).count() == 1
    x, y = position(page, "load")
    assert position(page, "load_1") == (x + 40, y + 40)
    select(page, "big_1")
    assert page.input_value("#param-condition") == "价格 > 100"

    deselect(page)
    page.keyboard.press("Control+z")
    assert node_ids(page) == ["big", "load", "save"]
    assert summary(page) == "3 nodes, 2 edges · saved as small.yaml"
    page.keyboard.press("Control+Shift+z")
    assert node_ids(page) == ["big", "big_1", "load", "load_1", "save"]
    assert summary(page) == "5 nodes, 3 edges · small.yaml, changed since saved"
    page.keyboard.press("Control+a")
    assert summary(page) == "5 nodes, 3 edges · 5 selected · small.yaml, changed since saved"
    page.keyboard.press("Escape")
    assert page.locator(".drawflow-node.selected").count() == 0


def test_shift_drag_selects_a_group_that_moves_deletes_and_undoes_together(chromium, editor_only: str) -> None:
    page = chromium
    open_flowchart(page, editor_only, "small")
    load, big, save = (page.locator(f'[data-node-id="{n}"]').bounding_box() for n in ("load", "big", "save"))
    # a rectangle from above-left of 'load' to inside 'big'
    page.keyboard.down("Shift")
    page.mouse.move(load["x"] - 20, load["y"] - 20)
    page.mouse.down()
    page.mouse.move(big["x"] + 30, big["y"] + 30, steps=6)
    page.mouse.up()
    page.keyboard.up("Shift")
    assert page.locator(".drawflow-node.selected").count() == 2
    assert "2 selected" in summary(page)

    # dragging one moves both; 'save' stays
    title = page.locator('[data-node-id="big"] .node-title').bounding_box()
    page.mouse.move(title["x"] + 10, title["y"] + 5)
    page.mouse.down()
    page.mouse.move(title["x"] + 10, title["y"] + 125, steps=6)
    page.mouse.up()
    assert position(page, "load") == (load["x"], load["y"] + 120)
    assert position(page, "big") == (big["x"], big["y"] + 120)
    assert position(page, "save") == (save["x"], save["y"])
    assert page.locator(".drawflow-node.selected").count() == 2

    # keys typed in a field stay in the field
    page.fill("#flowchart-name", "small")
    page.press("#flowchart-name", "Delete")
    page.press("#flowchart-name", "Control+a")
    assert node_ids(page) == ["big", "load", "save"]

    page.locator("#drawflow").focus()
    page.keyboard.press("Delete")
    assert node_ids(page) == ["save"]
    assert summary(page) == "1 node, 0 edges · small.yaml, changed since saved"
    page.click("#undo-btn")
    assert node_ids(page) == ["big", "load", "save"]
    assert position(page, "load") == (load["x"], load["y"] + 120)
    page.click("#undo-btn")
    assert position(page, "load") == (load["x"], load["y"])
    assert summary(page) == "3 nodes, 2 edges · saved as small.yaml"


def df_id(page, node: str) -> str:
    match = re.fullmatch(r"node-(\d+)", page.get_attribute(f'[data-node-id="{node}"]', "id") or "")
    assert match
    return match.group(1)
