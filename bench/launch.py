"""Benchmark "launch": how long runs take to start and finish from each entry point (issue 17).

1. GraphQL launch of `sales_by_city` -> RUN_SUCCESS with a real `dataops dev` running: forked from
   the warm run server (warm) and, alternating with it, with the server stopped, so that the run
   launcher falls back to Dagster's default launcher (cold, what every launch cost before).
2. A file dropped into the watched inbox -> the success notification received by a local HTTP
   receiver (Apprise json://), through `dataops dev`'s inbox watcher, a forked run and the
   notification its own process sends; p50 and p95.
3. `dataops run` of benchmark 1's 6-node flowchart at 1M rows with no server started beforehand,
   against the pandas script: the first run (cold, in its own process; it starts a warm run server
   in the background as it ends) and the next one (served by that server).
4. The same at 10M rows, warm, against pandas.
5. The editor's Run click on the opened `sales_by_city`, measured in Chromium (the page's own
   clock, `performance.now()`): to the first state shown and to SUCCESS shown.

Alternating variants, medians.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from bench.common import ROOT, WORK, Process, alternate, dagster_workspace, dataops_run, median, python, run_process
from bench.common import sales_csv as make_sales_csv
from bench.pipeline_vs_pandas import FLOWCHART, PANDAS, _same_result
from bench.report import Section, Target

INBOX = """
name: inbox_totals
nodes:
  - {{id: load, module: read_csv, params: {{path: placeholder.csv}}}}
  - id: totals
    module: group_aggregate
    params: {{by: [城市], aggregations: [{{column: 金额, function: sum}}]}}
  - {{id: save, module: write_csv, params: {{path: out/inbox_totals.csv}}}}
edges: [{{from: load, to: totals}}, {{from: totals, to: save}}]
triggers: {{watch: {{pattern: "inbox/*.csv", node: load}}}}
notify:
  - {{url: "{url}", on: [success]}}
"""

RUN_STATUS = "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Receiver:
    """Records when each notification arrives, by the input file it names."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                at = time.perf_counter()
                for line in body.get("message", "").splitlines():
                    if line.startswith("Input file: "):
                        receiver.arrived[line.removeprefix("Input file: ")] = at
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/hook"


@contextmanager
def dev_session(receiver: Receiver) -> Iterator[tuple[str, dict[str, str], Path]]:
    """A real `dataops dev` (webserver, daemon, editor, watchers, warm run server) on a scratch project."""
    data = Path(tempfile.mkdtemp(prefix="launch-data-", dir=WORK if WORK.exists() else None))
    shutil.copytree(ROOT / "data", data, dirs_exist_ok=True, ignore=shutil.ignore_patterns("out", "inbox"))
    (data / "inbox").mkdir(exist_ok=True)
    with dagster_workspace(data) as (work, env):
        shutil.copy(ROOT / "workspace.yaml", work / "workspace.yaml")
        shutil.copy(ROOT / "flowcharts" / "sales_by_city.yaml", work / "flowcharts")
        (work / "flowcharts" / "inbox_totals.yaml").write_text(INBOX.format(url=receiver.url), encoding="utf-8")
        (work / "plugins").mkdir(exist_ok=True)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**env, "DATAOPS_WARM": "on", "DATAOPS_EDITOR_PORT": str(_free_port()), "PYTHONPATH": str(ROOT)}
        log = (work / "dev.log").open("wb")
        process = subprocess.Popen(
            [python(), "-m", "dataops.cli.main", "dev", "-h", "127.0.0.1", "-p", str(port)],
            cwd=work,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_ready(url, env, process, work / "dev.log")
            yield url, env, data
        finally:
            _warm(env, "stop")  # a server the benchmark restarted is not dataops dev's child
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
            shutil.rmtree(data, ignore_errors=True)


def _wait_ready(url: str, env: dict[str, str], process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 300
    query = "query { repositoriesOrError { ... on RepositoryConnection { nodes { jobs { name } } } } }"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"dataops dev exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            body = requests.post(f"{url}/graphql", json={"query": query}, timeout=5).json()
            jobs = {j["name"] for r in body["data"]["repositoriesOrError"]["nodes"] for j in r["jobs"]}
            if {"sales_by_city", "inbox_totals"} <= jobs and _warm_status(env) is not None:
                time.sleep(3)  # the daemon's first ticks
                return
        except (requests.RequestException, KeyError, TypeError, ValueError):
            pass
        time.sleep(1)
    raise SystemExit(f"dataops dev did not come up:\n{log.read_text(errors='replace')[-3000:]}")


def _warm(env: dict[str, str], action: str) -> None:
    subprocess.run(
        [python(), "-m", "dataops.cli.main", "warm", action],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        cwd=ROOT,
    )


def _warm_status(env: dict[str, str]) -> int | None:
    from dataops import warm_client

    return warm_client.status(Path(env["DATAOPS_WARM_SOCKET"]))


def graphql_launch(url: str) -> float:
    """Seconds from the launch request to RUN_SUCCESS as seen through GraphQL."""
    from dagster_graphql import DagsterGraphQLClient

    client = DagsterGraphQLClient("127.0.0.1", port_number=int(url.rsplit(":", 1)[1]))
    started = time.perf_counter()
    run_id = client.submit_job_execution("sales_by_city", run_config={})
    while True:
        body = requests.post(f"{url}/graphql", json={"query": RUN_STATUS, "variables": {"id": run_id}}, timeout=30)
        status = body.json()["data"]["runOrError"].get("status")
        if status == "SUCCESS":
            return time.perf_counter() - started
        if status in ("FAILURE", "CANCELED"):
            raise SystemExit(f"run {run_id} of sales_by_city ended {status}")
        if time.perf_counter() - started > 120:
            raise SystemExit(f"run {run_id} of sales_by_city did not finish in 120 s")
        time.sleep(0.02)


def file_drop(data: Path, receiver: Receiver, index: int) -> float:
    """Seconds from starting to write a file into the inbox to its success notification arriving."""
    name = f"inbox/drop_{index:03d}_{os.getpid()}.csv"
    started = time.perf_counter()
    with (data / name).open("w", encoding="utf-8") as file:
        file.write("城市,金额\n北京,10\n上海,5\n北京,1\n")
    while name not in receiver.arrived:
        if time.perf_counter() - started > 120:
            raise SystemExit(f"no notification for {name} within 120 s")
        time.sleep(0.01)
    return receiver.arrived[name] - started


CLICK_TIMES = """
() => new Promise((resolve) => {
  const status = document.getElementById("run-status");
  const started = performance.now();
  let first = null;
  const observer = new MutationObserver(() => {
    const text = status.textContent;
    if (first === null && text.trim()) first = performance.now() - started;
    if (/SUCCESS|FAILURE|CANCELED/.test(text)) {
      observer.disconnect();
      resolve({ first, done: performance.now() - started, text });
    }
  });
  observer.observe(status, { childList: true, subtree: true, characterData: true });
  document.getElementById("run-btn").click();
})
"""


def editor_clicks(editor: str, count: int) -> tuple[list[float], list[float]]:
    """Seconds from the Run click to the first state shown and to SUCCESS shown, in Chromium."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM

    first: list[float] = []
    done: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 860})
        page.goto(f"{editor}/?flowchart=sales_by_city")
        page.wait_for_selector(".drawflow-node", timeout=60_000)
        page.wait_for_timeout(1500)  # the opening validation settles
        for _ in range(count + 1):  # the first click of a page session warms the editor's Dagster client
            times = page.evaluate(CLICK_TIMES)
            if "SUCCESS" not in times["text"]:
                raise SystemExit(f"the editor's run ended {times['text']!r}")
            first.append(times["first"] / 1000)
            done.append(times["done"] / 1000)
            page.wait_for_timeout(500)
        browser.close()
    return first[1:], done[1:]


def measure_dev(repeats: int) -> dict[str, list[float]]:
    receiver = Receiver()
    try:
        with dev_session(receiver) as (url, env, data):
            graphql_launch(url)  # the first run of a session loads what later runs find ready
            counter = iter(range(10_000))

            def cold_launch() -> float:
                _warm(env, "stop")  # the launcher falls back to Dagster's default launcher
                try:
                    return graphql_launch(url)
                finally:
                    _warm(env, "start")

            launches = alternate({"warm": lambda: graphql_launch(url), "cold": cold_launch}, repeats)
            drops = [file_drop(data, receiver, next(counter)) for _ in range(max(repeats * 2, 10))]
            editor = f"http://127.0.0.1:{env['DATAOPS_EDITOR_PORT']}"
            first, done = editor_clicks(editor, max(repeats * 2, 5))
    finally:
        receiver.server.shutdown()
    return {
        "graphql warm": launches["warm"],
        "graphql cold": launches["cold"],
        "drop": drops,
        "editor first state": first,
        "editor success": done,
    }


def measure_cli(rows: int, repeats: int, first: bool) -> dict[str, list[Process]]:
    """pandas and `dataops run` alternating; `first`: also the first run after the server was stopped."""
    source = make_sales_csv(rows)
    with dagster_workspace(source.parent) as (work, env):
        env = {**env, "DATAOPS_WARM": "on", "PYTHONPATH": str(ROOT)}
        (work / "baseline.py").write_text(PANDAS, encoding="utf-8")
        expected = work / "pandas.csv"
        output = f"out/launch_{work.name}.csv"
        (work / "run.yaml").write_text(FLOWCHART.format(source=source.name, output=output), encoding="utf-8")

        def dataops(stop_first: bool) -> Process:
            if stop_first:
                _warm(env, "stop")
            else:  # the server the last cold run started in the background: ready before timing
                deadline = time.monotonic() + 120
                while _warm_status(env) is None and time.monotonic() < deadline:
                    time.sleep(0.1)
            process = run_process(dataops_run(work / "run.yaml"), env)
            _same_result(source.parent / output, expected)
            return process

        variants = {"pandas": lambda: run_process([python(), str(work / "baseline.py"), str(source), str(expected)])}
        if first:
            variants["first"] = lambda: dataops(True)
        variants["next"] = lambda: dataops(False)
        try:
            variants["pandas"]()  # the expected output for the first comparison
            if not first:
                _warm(env, "start")  # the server is up before the warm runs
            runs = alternate(variants, repeats)
        finally:
            _warm(env, "stop")
            (source.parent / output).unlink(missing_ok=True)
    return runs


def run(repeats: int, rows: int = 1_000_000, big_rows: int = 10_000_000) -> Section:
    section = Section(
        name="launch",
        title="Launch latency",
        intro=(
            "From each entry point to a finished run (`bench/launch.py`, issue 17). GraphQL and file-drop rows "
            "go through a real `dataops dev` (webserver, daemon, editor, watchers, warm run server) on this "
            "machine; *cold* there is the same session with the warm run server stopped, so the run launcher "
            "falls back to Dagster's default launcher (a fresh process). `dataops run` rows are whole processes "
            "against the pandas script of benchmark 1; *no server beforehand* stops the warm run server before "
            "each such run, which runs cold and starts one in the background for the next. The editor's Run "
            "click is timed in Chromium by the page's own clock, on the opened `sales_by_city`."
        ),
        headers=["path", "measured", "target"],
        settings=f"{repeats} alternating runs per variant",
    )
    dev = measure_dev(repeats)
    warm_p50, cold_p50 = median(dev["graphql warm"]), median(dev["graphql cold"])
    drop_p50, drop_p95 = median(dev["drop"]), _p95(dev["drop"])
    section.rows.append(["GraphQL launch of sales_by_city → RUN_SUCCESS, warm (p50)", f"{warm_p50:.2f} s", "≤ 1.0 s"])
    section.rows.append(["same, warm run server stopped: default launcher (p50)", f"{cold_p50:.2f} s", "(before)"])
    section.rows.append(
        [
            f"file dropped → success notification received (p50 / p95 of {len(dev['drop'])})",
            f"{drop_p50:.2f} s / {drop_p95:.2f} s",
            "≤ 3 s / ≤ 5 s",
        ]
    )
    click_first, click_done = median(dev["editor first state"]), median(dev["editor success"])
    section.rows.append(
        [
            "editor Run click → first state shown / → SUCCESS shown (Chromium, p50)",
            f"{click_first:.2f} s / {click_done:.2f} s",
            "≤ 0.5 s / ≤ 2 s",
        ]
    )
    section.targets += [
        Target("editor Run click → first state p50", click_first, 0.5, " s"),
        Target("editor Run click → SUCCESS p50", click_done, 2.0, " s"),
        Target("GraphQL launch → RUN_SUCCESS p50", warm_p50, 1.0, " s"),
        Target("file drop → notification p50", drop_p50, 3.0, " s"),
        Target("file drop → notification p95", drop_p95, 5.0, " s"),
    ]
    print(f"  graphql warm {warm_p50:.2f} s, cold {cold_p50:.2f} s; drop p50 {drop_p50:.2f} s p95 {drop_p95:.2f} s")
    cli = measure_cli(rows, repeats, first=True)
    pandas_s, first_s, next_s = (median([p.seconds for p in cli[v]]) for v in ("pandas", "first", "next"))
    section.rows.append(
        [
            f"dataops run, {rows:,} rows, no server beforehand: that run / pandas",
            f"{first_s:.2f} s / {pandas_s:.2f} s = {first_s / pandas_s:.2f}x",
            "≤ 2.0x",
        ]
    )
    section.rows.append(
        [
            f"dataops run, {rows:,} rows, the next run (server started by the first) / pandas",
            f"{next_s:.2f} s / {pandas_s:.2f} s = {next_s / pandas_s:.2f}x",
            "",
        ]
    )
    section.targets.append(Target(f"{rows:,} rows, no server beforehand / pandas", first_s / pandas_s, 2.0))
    section.targets.append(Target(f"{rows:,} rows, next run / pandas", next_s / pandas_s, 2.0))
    print(f"  {rows:,} rows: pandas {pandas_s:.2f} s, first {first_s:.2f} s, next {next_s:.2f} s")
    big = measure_cli(big_rows, repeats, first=False)
    pandas_b, warm_b = (median([p.seconds for p in big[v]]) for v in ("pandas", "next"))
    section.rows.append(
        [
            f"dataops run, {big_rows:,} rows, warm / pandas",
            f"{warm_b:.2f} s / {pandas_b:.2f} s = {warm_b / pandas_b:.2f}x",
            "≤ 1.0x",
        ]
    )
    section.targets.append(Target(f"{big_rows:,} rows, warm / pandas", warm_b / pandas_b, 1.0))
    print(f"  {big_rows:,} rows: pandas {pandas_b:.2f} s, warm {warm_b:.2f} s")
    section.notes.append(
        "Raw seconds: "
        + "; ".join(f"{name}: {', '.join(f'{v:.2f}' for v in values)}" for name, values in dev.items())
        + f"; spread of the drops: stdev {statistics.pstdev(dev['drop']):.2f} s."
    )
    return section
