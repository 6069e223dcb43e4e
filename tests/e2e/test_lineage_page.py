"""The Lineage page of a real `dagster dev`, in real Chromium: flowchart A's output feeds flowchart B.

A writes `clean/orders.parquet`, B reads it: the asset graph draws A's asset in A's group with an
edge into B's asset in B's group, after the input A reads (an external asset). The screenshot is
the README's (`DATAOPS_UPDATE_DOC_IMAGES=1` copies it to docs/img/lineage.png). Needs Debian's
chromium and the playwright package; skips without them unless DATAOPS_REQUIRE_SERVICES is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.browser import CHROMIUM, require_browser, screenshot
from tests.support.dagster_server import DagsterServer, dagster_dev

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ORDERS = "订单号,城市,金额\n1,上海,120.5\n2,北京,80\n3,上海,42.25\n4,广州,-1\n"
FLOWCHART_A = """name: clean_orders
description: 清洗订单 — the orders with a positive amount
nodes:
  - {id: load, module: read_csv, params: {path: orders.csv}}
  - {id: valid, module: filter_rows, params: {condition: "金额 > 0"}}
  - {id: save, module: write_parquet, params: {path: clean/orders.parquet}}
edges:
  - {from: load, to: valid}
  - {from: valid, to: save}
"""
FLOWCHART_B = """name: revenue_by_city
description: 每个城市的销售额 — revenue per city from the clean orders
nodes:
  - {id: load, module: read_parquet, params: {path: clean/orders.parquet}}
  - id: by_city
    module: group_aggregate
    params: {by: [城市], aggregations: [{column: 金额, function: sum, as: 销售额}]}
  - {id: save, module: write_csv, params: {path: out/revenue_by_city.csv}}
edges:
  - {from: load, to: by_city}
  - {from: by_city, to: save}
"""
GROUPS = ("default", "clean_orders", "revenue_by_city")
# The screen rectangle of each drawn edge and of the asset nodes named by their labels.
GEOMETRY = """() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const edges = [...document.querySelectorAll('path[stroke="var(--color-lineage-edge)"]')].map(box);
  const nodes = {};
  for (const label of ["orders.csv", "orders.parquet", "revenue_by_city.csv"]) {
    const text = [...document.querySelectorAll("foreignObject *")].find(
      (e) => e.childElementCount === 0 && e.textContent.trim() === label);
    if (text) nodes[label] = box(text.closest("foreignObject"));
  }
  const all = [...document.querySelectorAll("foreignObject")].map(box);
  const graph = {left: Math.min(...all.map((r) => r.left)), right: Math.max(...all.map((r) => r.right)),
                 top: Math.min(...all.map((r) => r.top)), bottom: Math.max(...all.map((r) => r.bottom))};
  return {edges, nodes, graph};
}"""


@pytest.fixture
def server(workspace: Path) -> Iterator[DagsterServer]:
    require_browser()
    (workspace / "data" / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (workspace / "flowcharts" / "clean_orders.yaml").write_text(FLOWCHART_A, encoding="utf-8")
    (workspace / "flowcharts" / "revenue_by_city.yaml").write_text(FLOWCHART_B, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k.startswith(("DATAOPS_", "DAGSTER_HOME"))}
    with dagster_dev(env, workspace / "dagster.log") as running:
        yield running


def _feeds(geometry: dict, upstream: str, downstream: str) -> bool:
    """An edge starts at the right side of `upstream`'s node and ends at the left side of `downstream`'s."""
    up, down = geometry["nodes"][upstream], geometry["nodes"][downstream]
    return any(
        abs(edge["left"] - up["right"]) < 60 and abs(edge["right"] - down["left"]) < 60 for edge in geometry["edges"]
    )


def test_the_lineage_page_shows_a_output_feeding_b(server: DagsterServer) -> None:
    from playwright.sync_api import expect, sync_playwright

    server.wait_for_jobs({"clean_orders", "revenue_by_city"})
    for job in ("clean_orders", "revenue_by_city"):  # materialized, so the page shows their latest events
        assert server.wait_for_run(server.launch(job))["status"] == "SUCCESS"
    expanded = ",".join(f"global@global:{group}" for group in GROUPS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 760}, device_scale_factor=2)
            page.goto(f"{server.url}/asset-groups?expanded={quote(expanded)}")
            expect(page.get_by_text("Global asset lineage")).to_be_visible(timeout=60_000)
            skip = page.get_by_role("button", name="Skip")  # Dagster's first-visit pop-up
            skip.wait_for(timeout=15_000)
            skip.click()
            for label in ("orders.csv", "orders.parquet", "revenue_by_city.csv"):
                expect(page.locator("foreignObject").get_by_text(label, exact=True)).to_be_visible(timeout=60_000)
            page.wait_for_timeout(1_000)  # the graph's layout animation settles
            geometry = page.evaluate(GEOMETRY)
            assert _feeds(geometry, "orders.parquet", "revenue_by_city.csv"), geometry  # A's output feeds B
            assert _feeds(geometry, "orders.csv", "orders.parquet"), geometry  # the external input feeds A
            graph, pad = geometry["graph"], 24  # the groups and their assets, not the empty canvas around them
            screenshot(
                page,
                "lineage.png",
                doc=True,
                clip={
                    "x": graph["left"] - pad,
                    "y": graph["top"] - pad,
                    "width": graph["right"] - graph["left"] + 2 * pad,
                    "height": graph["bottom"] - graph["top"] + 2 * pad,
                },
            )
        finally:
            browser.close()
