"""The run queue of deploy/dagster.yaml under load: 50 runs submitted at once to a PostgreSQL
instance, the daemon starting them; all succeed, at most 4 in progress, at most 2 per flowchart."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import dagster as dg

from tests.production.support import deploy_home, deployment, instance_at, wait_for

FLOWCHARTS = 5
RUNS_EACH = 10
TINY = """
name: queued_{i}
nodes:
  - {{id: load, module: read_csv, params: {{path: sales.csv}}}}
  - {{id: few, module: limit_rows, params: {{n: 10}}}}
  - {{id: save, module: write_csv, params: {{path: out/queued_{i}.csv}}}}
edges: [{{from: load, to: few}}, {{from: few, to: save}}]
"""


def most_at_once(spans: Iterable[tuple[float, float]]) -> int:
    """The largest number of [start, end] intervals that overlap at any moment."""
    spans = list(spans)
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])  # an end before a start
    level = peak = 0
    for _, step in edges:
        level += step
        peak = max(peak, level)
    return peak


def test_most_at_once() -> None:
    assert most_at_once([(0, 2), (1, 3), (2, 4)]) == 2  # touching intervals do not overlap
    assert most_at_once([(0, 10), (1, 2), (3, 4), (3, 5)]) == 3


def test_fifty_runs_at_most_four_at_once(workspace: Path, instance_db: str, tmp_path: Path) -> None:
    for i in range(FLOWCHARTS):
        (workspace / "flowcharts" / f"queued_{i}.yaml").write_text(TINY.format(i=i), encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if k.startswith("DATAOPS_")},
        "DAGSTER_HOME": str(deploy_home(tmp_path / "home")),
        "DATAOPS_POSTGRES_URL": instance_db,
    }
    jobs = {f"queued_{i}" for i in range(FLOWCHARTS)}
    with deployment(env, tmp_path / "logs") as server:
        server.wait_for_jobs(jobs)
        submitted = time.time()
        # In blocks of one flowchart, so its limit of 2 binds and the queue has to reach past it.
        run_ids = [server.launch(f"queued_{n // RUNS_EACH}") for n in range(FLOWCHARTS * RUNS_EACH)]
        with instance_at(env["DAGSTER_HOME"], instance_db) as instance:
            queued = len(instance.get_run_ids(dg.RunsFilter(statuses=[dg.DagsterRunStatus.QUEUED])))
            wait_for(
                lambda: all(
                    r.dagster_run.is_finished for r in instance.get_run_records(dg.RunsFilter(run_ids=run_ids))
                ),
                timeout=400,
                message="50 runs to finish",
                interval=2,
            )
            records = instance.get_run_records(dg.RunsFilter(run_ids=run_ids))
            # In progress from the daemon's launch (STARTING: the run's process is loading the
            # code) to the end; the queue limits exactly these.
            launched = {
                entry.run_id: entry.timestamp for entry in _events(instance, run_ids, dg.DagsterEventType.RUN_STARTING)
            }
            steps = Counter(
                (record.dagster_run.run_id, entry.step_key)
                for record in records
                for entry in instance.all_logs(record.dagster_run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
            )
            ours = instance.get_run_records(dg.RunsFilter(tags={"dataops/flowchart": sorted(jobs)}))
    assert len(set(run_ids)) == 50 and queued > 4  # submitted at once, they waited in the queue
    assert len(records) == 50 and len(ours) == 50  # none lost, none added
    assert Counter(r.dagster_run.status for r in records) == {dg.DagsterRunStatus.SUCCESS: 50}
    assert set(steps.values()) == {1} and len(steps) == 150  # every node of every run ran exactly once
    spans = {r.dagster_run.run_id: (launched[r.dagster_run.run_id], r.end_time) for r in records}
    assert all(launched[r.dagster_run.run_id] <= r.start_time < r.end_time for r in records)
    peak = most_at_once(spans.values())
    assert peak <= 4
    per_flowchart = {
        job: most_at_once([spans[r.dagster_run.run_id] for r in records if r.dagster_run.job_name == job])
        for job in jobs
    }
    assert max(per_flowchart.values()) <= 2
    finished = max(end for _, end in spans.values())
    print(
        f"50 runs in {finished - submitted:.1f} s: {50 / (finished - submitted) * 60:.1f} runs/min; at once: "
        f"{peak} in progress, {most_at_once((r.start_time, r.end_time) for r in records)} executing, "
        f"per flowchart {max(per_flowchart.values())}"
    )


def _events(instance: dg.DagsterInstance, run_ids: list[str], kind: dg.DagsterEventType) -> list[dg.EventLogEntry]:
    return [entry for run_id in run_ids for entry in instance.all_logs(run_id, of_type=kind)]
