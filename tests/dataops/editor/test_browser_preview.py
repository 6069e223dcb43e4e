"""Page a preview: in real Chromium against a real `dagster dev`, run a flowchart of 240 rows, open
a node's output in the drawer, page forward, read the statistics, scroll the wide table; then a
failed run's earlier node still pages and the failing node shows its error."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pytest

from tests.dataops.editor import test_browser
from tests.dataops.editor.test_browser import select
from tests.support.browser import screenshot

# The real `dagster dev` and editor, and a Chromium page on them (fixtures of test_browser.py).
servers = test_browser.servers
page = test_browser.page
ROWS = 240
CITIES = ["上海", "北京", "广州", "深圳", "杭州", "成都"]
FLOWCHART = """
name: {name}
nodes:
  - {{id: load, module: read_csv, params: {{path: wide.csv}}}}
  - {{id: keep, module: filter_rows, params: {{condition: "n >= 0"}}}}
  - {{id: {last}, module: filter_rows, params: {{condition: "{condition}"}}}}
  - {{id: save, module: write_csv, params: {{path: out/{name}.csv}}}}
edges: [{{from: load, to: keep}}, {{from: keep, to: {last}}}, {{from: {last}, to: save}}]
"""


def _csv() -> str:
    """240 rows, 16 columns (too wide for the drawer): numbers with gaps, cities, long notes."""
    header = ["n", "城市", "价格", "数量", *(f"指标_{i}" for i in range(10)), "备注", "日期"]
    lines = [",".join(header)]
    for i in range(ROWS):
        price = "" if i % 20 == 3 else f"{(i * 37) % 1000 / 4}"
        metrics = [str((i * k) % 97) for k in range(10)]
        note = f"第{i}行的备注，写得很长很长，用来把表格撑宽" * 2
        lines.append(",".join([str(i), CITIES[i % 6], price, str(i % 9), *metrics, note, f"2026-{1 + i % 12:02d}-15"]))
    return "\n".join(lines) + "\n"


@pytest.fixture
def flowcharts(workspace: Path) -> Path:
    """Written before `dagster dev` starts (the fixtures are set up in the test's argument order)."""
    (workspace / "data" / "wide.csv").write_text(_csv(), encoding="utf-8")
    folder = workspace / "flowcharts"
    (folder / "wide.yaml").write_text(
        FLOWCHART.format(name="wide", last="tail", condition="n < 1000"), encoding="utf-8"
    )
    broken = FLOWCHART.format(name="broken", last="bad", condition="CAST(城市 AS INTEGER) > 1")
    (folder / "broken.yaml").write_text(broken, encoding="utf-8")
    return workspace


def _kept(workspace: Path, run_url: str, node: str) -> pa.Table:
    run_id = run_url.rstrip("/").rpartition("/")[2]
    [path] = (workspace / "storage" / run_id).glob(f"*__{node}/result.arrow")
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def _run(page, url: str, flowchart: str, outcome: str) -> str:
    page.goto(f"{url}/?flowchart={flowchart}")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#validity:has-text('valid ✓')")
    page.click("#run-btn")
    page.wait_for_selector(f"#run-status .run-state:has-text('{outcome}')", timeout=180_000)
    return page.get_attribute("#run-status a", "href")


def _shown(page, text: str) -> None:
    page.wait_for_selector(f"#preview-drawer[data-ready=true] .preview-range:has-text('{text}')")


def _column(page, name: str) -> list[str]:
    """The cells of column `name` on the page shown, as the table shows them."""
    return page.evaluate(
        """(name) => {
            const heads = [...document.querySelectorAll('#preview-drawer tr.col-names th')].map((th) => (th.querySelector('.col-name') || th).textContent);
            const i = heads.indexOf(name);
            return [...document.querySelectorAll('#preview-drawer tbody tr')].map((tr) => tr.children[i].textContent);
        }""",
        name,
    )


def _shown_number(value: float | int | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "∅"
    return str(int(value)) if float(value).is_integer() else str(value)


def test_page_a_preview(flowcharts: Path, page, servers) -> None:
    _, url = servers
    workspace = flowcharts
    run_url = _run(page, url, "wide", "SUCCESS")
    kept = _kept(workspace, run_url, "keep")
    assert kept.num_rows == ROWS

    select(page, "keep")
    _shown(page, "rows 1–50 of 240")
    assert page.inner_text("#run-preview .row-count").strip() == "240 rows"
    page.click("#preview-next")
    _shown(page, "rows 51–100 of 240")
    assert page.locator("#preview-drawer tbody tr").count() == 50
    expected = kept.slice(50, 50).to_pydict()
    assert _column(page, "#") == [str(i) for i in range(51, 101)]
    assert _column(page, "n") == [str(v) for v in expected["n"]]
    assert _column(page, "城市") == expected["城市"]
    assert _column(page, "价格") == [_shown_number(v) for v in expected["价格"]]
    page.click("#preview-last")
    _shown(page, "rows 201–240 of 240")
    assert page.is_disabled("#preview-next") and page.is_disabled("#preview-last")
    assert _column(page, "n")[-1] == str(ROWS - 1)
    page.click("#preview-first")
    _shown(page, "rows 1–50 of 240")
    assert page.is_disabled("#preview-prev")

    # The statistics strip: nulls, distinct, min and max as computed from the same file.
    page.wait_for_selector("#preview-drawer[data-stats=ready]")
    prices = kept.column("价格").to_pandas()
    cell = page.locator('#preview-drawer th.stat[data-column="价格"]')
    assert cell.locator(".stat-nulls").inner_text() == f"{prices.isna().sum()} null · {prices.nunique()} distinct"
    assert cell.locator(".stat-min").inner_text() == _shown_number(prices.min())
    assert cell.locator(".stat-max").inner_text() == _shown_number(prices.max())
    assert cell.locator("svg.histogram.bins rect").count() == 16
    city = page.locator('#preview-drawer th.stat[data-column="城市"]')
    assert city.locator(".stat-nulls").inner_text() == "0 null · 6 distinct"
    assert city.locator("svg.histogram.top rect").count() == 6

    # The table is wider than the drawer: it scrolls sideways (the header row stays on top when it scrolls down).
    body = page.locator("#preview-drawer .preview-body")
    width = body.evaluate("(b) => [b.scrollWidth, b.clientWidth]")
    assert width[0] > width[1] + 500, width
    header_top = page.locator("#preview-drawer tr.col-names th").nth(1).bounding_box()["y"]
    body.evaluate("(b) => { b.scrollLeft = 400; b.scrollTop = 300; }")
    assert body.evaluate("(b) => [b.scrollLeft, b.scrollTop]") == [400, 300]
    assert page.locator("#preview-drawer tr.col-names th").nth(1).bounding_box()["y"] == header_top
    body.evaluate("(b) => { b.scrollLeft = 0; b.scrollTop = 0; }")

    screenshot(page, "editor-preview.png", doc=True)

    # A failed run: the nodes before the failure still page, the failing node shows its error.
    page.click("#preview-drawer .preview-close")
    run_url = _run(page, url, "broken", "FAILURE")
    select(page, "keep")
    _shown(page, "rows 1–50 of 240")
    page.click("#preview-next")
    _shown(page, "rows 51–100 of 240")
    assert _column(page, "n") == [
        str(v) for v in _kept(workspace, run_url, "keep").slice(50, 50).column("n").to_pylist()
    ]
    page.click("#preview-drawer .preview-close")
    select(page, "bad")
    page.wait_for_selector("#preview-drawer[data-ready=true] .preview-note")
    assert page.inner_text("#preview-drawer .preview-note") == "the node failed before handing out a table"
    error = page.inner_text("#preview-drawer .node-error")
    assert "broken › bad" in error and "上海" in error, error
