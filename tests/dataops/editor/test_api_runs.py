"""/api/runs against a stand-in for Dagster's GraphQL answers (the real one is in test_browser.py);
pages and statistics over outputs that a real in-process run of the flowchart kept."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from starlette.testclient import TestClient
from upath import UPath

from adapters.io_manager import KEEP_OUTPUTS_TAG, write_table
from dataops.editor import node_data
from dataops.editor.dagster_client import DagsterClient, JobHandle
from dataops.editor.http import ApiError
from dataops.editor.node_data import json_value, read_page
from dataops.editor.run_view import parse_markdown_table
from dataops.errors import DataOpsError
from dataops.settings import get_settings
from dataops.spec import parse_flowchart
from dataops_defs.compiler import make_flowchart_job
from dataops_defs.resources import make_resources
from module_library.discovery import discover

PREVIEW = "| 城市 | 销售额 |\n|---|---|\n| 上海 | 120 |\n| a\\|b | ∅ |\n\n_3 more rows_"


def _entries(rows: int) -> list[dict[str, Any]]:
    return [
        {"label": "dagster/row_count", "intValue": rows},
        {
            "label": "dagster/column_schema",
            "schema": {"columns": [{"name": "城市", "type": "str"}, {"name": "销售额", "type": "int64"}]},
        },
        {"label": "preview", "mdStr": PREVIEW},
    ]


RUN = {
    "__typename": "Run",
    "runId": "abc-123",
    "jobName": "demo",
    "status": "FAILURE",
    "executionPlan": {"steps": [{"key": "demo__load"}, {"key": "demo__keep"}, {"key": "demo__save"}]},
    "stepStats": [{"stepKey": "demo__load", "status": "SUCCESS"}, {"stepKey": "demo__keep", "status": "FAILURE"}],
    "eventConnection": {
        "events": [
            {
                "__typename": "HandledOutputEvent",
                "stepKey": "demo__load",
                "outputName": "result",
                "metadataEntries": _entries(5),
            },
            {
                "__typename": "ExecutionStepFailureEvent",
                "stepKey": "demo__keep",
                "error": {"message": "dagster.Failure: boom"},
                "failureMetadata": {"description": "demo › keep › condition: unknown column '价钱'"},
            },
            {"__typename": "RunFailureEvent", "message": "Execution failed", "error": None},
        ]
    },
}


class FakeDagster(DagsterClient):
    def __init__(self) -> None:
        super().__init__("http://dagster.test")
        self.launched: list[JobHandle] = []
        self.tags: list[dict[str, str] | None] = []
        self.runs: dict[str, dict[str, Any]] = {"abc-123": RUN}

    def find_job(self, job: str) -> JobHandle | None:
        return JobHandle("loc", "__repository__", job) if job == "demo" else None

    def launch(self, handle: JobHandle, tags: dict[str, str] | None = None) -> str:
        self.launched.append(handle)
        self.tags.append(tags)
        return "abc-123"

    def run(self, run_id: str) -> dict[str, Any] | None:
        return self.runs.get(run_id)


@pytest.fixture
def fake(client: TestClient) -> FakeDagster:
    fake = FakeDagster()
    context = client.app.state.editor
    client.app.state.editor = type(context)(context.settings, fake, context.registry_lock)
    return fake


def test_launch_finds_the_job_and_links_the_run(client: TestClient, fake: FakeDagster) -> None:
    body = client.post("/api/runs", json={"flowchart": "demo"}).json()
    assert body == {"run_id": "abc-123", "flowchart": "demo", "url": "http://dagster.test/runs/abc-123"}
    assert fake.launched == [JobHandle("loc", "__repository__", "demo")]
    assert fake.tags == [{KEEP_OUTPUTS_TAG: "true"}]  # so every node's output can be paged through


def test_launching_an_unsaved_flowchart_is_404(client: TestClient, fake: FakeDagster) -> None:
    response = client.post("/api/runs", json={"flowchart": "other"})
    assert response.status_code == 404
    assert "save the flowchart first" in response.json()["error"]


def test_launch_bodies_are_checked(client: TestClient, fake: FakeDagster) -> None:
    assert client.post("/api/runs", json={"flowchart": "1bad"}).status_code == 400
    assert client.post("/api/runs", json={"job": "demo"}).status_code == 400
    assert client.post("/api/runs", content=b"[").status_code == 400


def test_status_maps_steps_to_node_states(client: TestClient, fake: FakeDagster) -> None:
    body = client.get("/api/runs/abc-123").json()
    assert body["finished"] is True
    assert body["error"] == "Execution failed"
    assert body["nodes"]["load"] == {
        "state": "succeeded",
        "error": None,
        "row_count": 5,
        "columns": {"result": ["城市", "销售额"]},
    }
    assert body["nodes"]["keep"]["state"] == "failed"
    assert body["nodes"]["keep"]["error"] == "demo › keep › condition: unknown column '价钱'"
    assert body["nodes"]["save"]["state"] == "not_run"


def test_a_node_preview_has_rows_and_columns(client: TestClient, fake: FakeDagster) -> None:
    preview = client.get("/api/runs/abc-123/nodes/load").json()
    output = preview["outputs"][0]
    assert output["row_count"] == 5
    assert output["header"] == ["城市", "销售额"]
    assert output["rows"] == [["上海", "120"], ["a|b", "∅"]]
    assert output["note"] == "3 more rows"
    failed = client.get("/api/runs/abc-123/nodes/keep").json()
    assert failed["state"] == "failed" and "unknown column" in failed["error"] and failed["outputs"] == []


def test_unknown_runs_and_nodes_are_404_and_bad_ids_400(client: TestClient, fake: FakeDagster) -> None:
    assert client.get("/api/runs/zzz").status_code == 404
    assert client.get("/api/runs/abc-123/nodes/nope").status_code == 404
    assert client.get("/api/runs/a%20b").status_code == 400
    assert client.get("/api/runs/abc-123/nodes/1x").status_code == 400


def test_dagster_down_is_a_502_with_a_message(client: TestClient) -> None:
    response = client.post("/api/runs", json={"flowchart": "demo"})
    assert response.status_code == 502
    assert response.json()["error"].startswith("cannot reach the Dagster UI at http://127.0.0.1:")


def test_a_graphql_error_becomes_an_api_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> dict[str, Any]:
        raise DataOpsError("Dagster GraphQL error: Cannot query field")

    monkeypatch.setattr("dataops.editor.dagster_client.graphql", refuse)
    with pytest.raises(ApiError, match="Dagster GraphQL error: Cannot query field"):
        DagsterClient("http://x").find_job("demo")


def test_markdown_preview_without_rows() -> None:
    assert parse_markdown_table("_no columns_") == ([], [], "no columns")


# ---- pages and statistics over a real run's kept outputs ---------------------------------------

ROWS = 1234
TYPED = """
name: typed
nodes:
  - {id: load, module: read_parquet, params: {path: typed.parquet}}
  - {id: big, module: filter_rows, params: {condition: "n >= 0"}}
  - {id: broken, module: filter_rows, params: {condition: "nope > 1"}}
  - {id: save, module: write_csv, params: {path: out/typed.csv}}
edges: [{from: load, to: big}, {from: big, to: broken}, {from: broken, to: save}]
"""


def _typed_table() -> pa.Table:
    """Every kind of cell a page must send as JSON: decimals, dates, zoned times, bytes, NaN, nested, 城市."""
    cities = ["上海", "北京", "广州", "深圳", None]
    return pa.table(
        {
            "n": pa.array(range(ROWS), pa.int64()),
            "城市": pa.array([cities[i % 5] for i in range(ROWS)], pa.string()),
            "price": pa.array([Decimal(i) / 100 if i % 7 else None for i in range(ROWS)], pa.decimal128(12, 2)),
            "day": pa.array([dt.date(2026, 1, 1) + dt.timedelta(days=i % 365) for i in range(ROWS)], pa.date32()),
            "at": pa.array(
                [dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC) + dt.timedelta(hours=i) for i in range(ROWS)],
                pa.timestamp("us", tz="Asia/Shanghai"),
            ),
            "x": pa.array([math.nan if i % 11 == 0 else i / 4 for i in range(ROWS)], pa.float64()),
            "big": pa.array([2**60 + i for i in range(ROWS)], pa.int64()),
            "raw": pa.array([bytes([i % 256, 0]) for i in range(ROWS)], pa.binary()),
            "tags": pa.array([["a", str(i)] for i in range(ROWS)], pa.list_(pa.string())),
            "pair": pa.array([{"k": i, "v": "值"} for i in range(ROWS)]),
        }
    )


def _graphql_run(result: Any, flowchart: str) -> dict[str, Any]:
    """The run as the editor's GraphQL query returns it, from an in-process run's events."""
    events: list[dict[str, Any]] = []
    stats = []
    for event in result.all_events:
        if event.event_type_value == "HANDLED_OUTPUT":
            events.append(
                {
                    "__typename": "HandledOutputEvent",
                    "stepKey": event.step_key,
                    "outputName": event.event_specific_data.output_name,
                    "metadataEntries": [],
                }
            )
        elif event.event_type_value == "STEP_SUCCESS":
            stats.append({"stepKey": event.step_key, "status": "SUCCESS"})
        elif event.event_type_value == "STEP_FAILURE":
            stats.append({"stepKey": event.step_key, "status": "FAILURE"})
            description = event.event_specific_data.error_display_string
            events.append(
                {
                    "__typename": "ExecutionStepFailureEvent",
                    "stepKey": event.step_key,
                    "error": {"message": description},
                }
            )
    return {
        "__typename": "Run",
        "runId": result.run_id,
        "jobName": flowchart,
        "status": "SUCCESS" if result.success else "FAILURE",
        "executionPlan": {"steps": [{"key": s["stepKey"]} for s in stats]},
        "stepStats": stats,
        "eventConnection": {"events": events},
    }


@pytest.fixture
def kept(workspace: Path, fake: FakeDagster) -> tuple[str, Path]:
    """A failed run of TYPED (load and big succeed, broken fails) as the editor launches it: outputs kept."""
    discover()
    pq.write_table(_typed_table(), workspace / "data" / "typed.parquet")
    result = make_flowchart_job(parse_flowchart(TYPED)).execute_in_process(
        resources=make_resources(get_settings()), tags={KEEP_OUTPUTS_TAG: "true"}, raise_on_error=False
    )
    assert not result.success
    fake.runs[result.run_id] = _graphql_run(result, "typed")
    [stored] = (workspace / "storage" / result.run_id).glob("*__big/result.arrow")
    return result.run_id, stored


def _file(path: Path) -> pa.Table:
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def test_a_page_is_the_slice_of_the_kept_file(client: TestClient, kept: tuple[str, Path]) -> None:
    run_id, stored = kept
    table = _file(stored)
    body = client.get(f"/api/runs/{run_id}/nodes/big?offset=50&limit=50").json()
    page = body["page"]
    assert body["state"] == "succeeded" and body["page_note"] is None
    assert (page["port"], page["offset"], page["total_rows"]) == ("result", 50, ROWS)
    assert [c["name"] for c in page["columns"]] == table.column_names
    assert [row[0] for row in page["rows"]] == list(range(50, 100))
    expected = table.slice(50, 50).to_pylist()
    assert page["rows"] == [[json_value(v) for v in row.values()] for row in expected]
    last = client.get(f"/api/runs/{run_id}/nodes/big?offset={ROWS - 4}&limit=500").json()["page"]
    assert [row[0] for row in last["rows"]] == [ROWS - 4, ROWS - 3, ROWS - 2, ROWS - 1]
    assert client.get(f"/api/runs/{run_id}/nodes/big?offset={ROWS + 10}").json()["page"]["rows"] == []
    assert len(client.get(f"/api/runs/{run_id}/nodes/big").json()["page"]["rows"]) == 50  # the default limit


def test_page_cells_are_json_safe_and_typed(client: TestClient, kept: tuple[str, Path]) -> None:
    run_id, _ = kept
    page = client.get(f"/api/runs/{run_id}/nodes/big?offset=0&limit=2").json()["page"]
    names = [c["name"] for c in page["columns"]]
    types = {c["name"]: c["type"] for c in page["columns"]}
    assert types["price"] == "decimal128(12, 2)" and types["at"] == "timestamp[us, tz=Asia/Shanghai]"
    first, second = (dict(zip(names, row, strict=True)) for row in page["rows"])
    assert first["城市"] == "上海" and second["城市"] == "北京"
    assert first["price"] is None and second["price"] == "0.01"  # decimals as text: no float rounding
    assert first["day"] == "2026-01-01"
    assert first["at"] == "2026-01-01T16:00:00+08:00"  # in the column's zone, with its offset
    assert first["x"] == "NaN" and second["x"] == 0.25
    assert first["big"] == str(2**60)  # past 2**53 JavaScript would change the digits
    assert first["raw"] == "base64:AAA=" and second["raw"] == "base64:AQA="
    assert first["tags"] == ["a", "0"] and first["pair"] == {"k": 0, "v": "值"}


def test_stats_match_the_file(client: TestClient, kept: tuple[str, Path]) -> None:
    run_id, stored = kept
    frame = _file(stored).to_pandas()
    body = client.get(f"/api/runs/{run_id}/nodes/big/stats").json()
    assert (body["port"], body["row_count"]) == ("result", ROWS)
    stats = {c["name"]: c for c in body["columns"]}
    city = stats["城市"]
    assert (city["kind"], city["nulls"], city["distinct"]) == ("text", frame["城市"].isna().sum(), 4)
    assert {t["value"]: t["count"] for t in city["top"]} == frame["城市"].value_counts().to_dict()
    assert city["min"] == frame["城市"].min() and city["max"] == frame["城市"].max() and city["other"] == 0
    price = stats["price"]
    assert price["nulls"] == frame["price"].isna().sum() and price["distinct"] == frame["price"].nunique()
    assert (price["min"], price["max"]) == (str(frame["price"].min()), str(frame["price"].max()))
    assert sum(b["count"] for b in price["bins"]) == frame["price"].notna().sum() and len(price["bins"]) == 16
    n = stats["n"]
    assert (n["min"], n["max"], n["nulls"], n["distinct"], n["distinct_approximate"]) == (0, ROWS - 1, 0, ROWS, False)
    *inner, last = n["bins"]  # each bin [start, end), the last one [start, end]: counted again with pandas
    assert [b["count"] for b in inner] == [
        frame["n"].between(b["start"], b["end"], inclusive="left").sum() for b in inner
    ]
    assert last["count"] == frame["n"].between(last["start"], last["end"]).sum() and last["end"] == ROWS - 1
    x = stats["x"]  # NaN is not null in Arrow, and is left out of min and max
    finite = frame["x"][frame["x"].notna()]
    assert x["nulls"] == 0 and (x["min"], x["max"]) == (finite.min(), finite.max())
    day = stats["day"]
    assert (day["kind"], day["min"], day["max"]) == ("temporal", "2026-01-01", "2026-12-31")
    assert day["bins"][0]["start"] == "2026-01-01" and sum(b["count"] for b in day["bins"]) == ROWS
    at = stats["at"]
    assert at["min"].endswith("+08:00") and at["bins"][0]["start"] == "2026-01-01T16:00:00+08:00"
    assert stats["tags"]["kind"] == "other" and stats["tags"]["distinct"] is None and stats["tags"]["nulls"] == 0


def test_a_failed_runs_earlier_nodes_page_and_the_failing_one_says_why(
    client: TestClient, kept: tuple[str, Path]
) -> None:
    run_id, _ = kept
    load = client.get(f"/api/runs/{run_id}/nodes/load?limit=3").json()
    assert load["state"] == "succeeded" and [r[0] for r in load["page"]["rows"]] == [0, 1, 2]
    broken = client.get(f"/api/runs/{run_id}/nodes/broken").json()
    assert broken["state"] == "failed" and "nope" in broken["error"]
    assert broken["page"] is None and broken["page_note"] == "the node failed before handing out a table"
    response = client.get(f"/api/runs/{run_id}/nodes/broken/stats")
    assert response.status_code == 404
    assert response.json()["error"] == (
        f"no statistics for node 'broken' in run '{run_id}': the node failed before handing out a table"
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=501", "query › limit: Input should be less than or equal to 500"),
        ("limit=0", "query › limit: Input should be greater than or equal to 1"),
        ("offset=-1", "query › offset: Input should be greater than or equal to 0"),
        ("offset=ten", "query › offset: Input should be a valid integer, unable to parse string as an integer"),
        ("rows=5", "query › rows: Extra inputs are not permitted"),
    ],
)
def test_bad_page_queries_are_400_with_the_reason(
    client: TestClient, kept: tuple[str, Path], query: str, message: str
) -> None:
    response = client.get(f"/api/runs/{kept[0]}/nodes/big?{query}")
    assert response.status_code == 400
    assert response.json()["error"] == message


def test_an_unknown_port_is_404_naming_the_outputs(client: TestClient, kept: tuple[str, Path]) -> None:
    response = client.get(f"/api/runs/{kept[0]}/nodes/big?port=rejected")
    assert response.status_code == 404
    assert response.json()["error"] == f"node 'big' has no output 'rejected' in run '{kept[0]}': its outputs are result"


def test_an_output_not_kept_has_no_page_and_says_why(client: TestClient, kept: tuple[str, Path]) -> None:
    run_id, stored = kept
    stored.unlink()
    body = client.get(f"/api/runs/{run_id}/nodes/big").json()
    assert body["page"] is None and body["page_note"].startswith("its output was not kept: the editor's runs keep")


def test_a_page_reads_across_record_batches(tmp_path: Path) -> None:
    table = _typed_table().select(["n", "城市"])
    path = UPath(tmp_path / "batches.arrow")
    write_table(pa.Table.from_batches(table.to_batches(max_chunksize=100)), path)
    for offset, limit in [(0, 7), (95, 10), (199, 201), (1200, 500)]:
        columns, total, rows = read_page(path, offset, limit)
        assert total == ROWS and [c.name for c in columns] == ["n", "城市"]
        assert rows == [list(r.values()) for r in table.slice(offset, limit).to_pylist()]


def test_distinct_is_an_estimate_past_the_exact_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(node_data, "EXACT_DISTINCT_ROWS", 1000)
    path = UPath(tmp_path / "many.arrow")
    write_table(_typed_table().select(["n", "城市"]), path)
    rows, columns = node_data.column_stats(path)
    n, city = columns
    assert rows == ROWS and n.distinct_approximate and city.distinct_approximate
    assert abs(n.distinct - ROWS) <= ROWS * 0.05 and city.distinct == 4
