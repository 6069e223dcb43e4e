"""Ten simultaneous runs of one flowchart: intermediates are run-scoped and never collide; the sink
they share ends up holding exactly one run's complete output (last writer wins, atomically)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from tests.production.support import deploy_home
from tests.support.dagster_server import PROJECT

RUNS = 10
SHARED = """
name: shared_sink
nodes:
  - {id: load, module: read_csv, params: {path: many.csv}}
  - {id: tag, module: derive_column, params: {name: run, expression: "0"}}
  - {id: save, module: write_csv, params: {path: out/shared.csv}}
edges: [{from: load, to: tag}, {from: tag, to: save}]
"""


def test_ten_runs_at_once(workspace: Path, instance_db: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    source = pd.DataFrame({"id": np.arange(300_000), "value": rng.normal(size=300_000).round(6)})
    source.to_csv(workspace / "data" / "many.csv", index=False)
    (workspace / "flowcharts" / "shared_sink.yaml").write_text(SHARED, encoding="utf-8")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(deploy_home(tmp_path / "home")),
        "DATAOPS_POSTGRES_URL": instance_db,
        "PYTHONPATH": str(PROJECT),
    }
    # Create the instance's tables once, as `dataops dev` or the daemon would before any run:
    # ten processes racing to create a fresh schema is not what this test is about.
    subprocess.run(
        [sys.executable, "-c", "import dagster; dagster.DagsterInstance.get().dispose()"], env=env, check=True
    )
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dataops.cli.main",
                "run",
                "flowcharts/shared_sink.yaml",
                "--set",
                f"tag.expression={k} + 0",
            ],
            cwd=workspace,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(1, RUNS + 1)
    ]
    outcomes = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0] * RUNS, [err for _, err in outcomes]
    run_ids = {k: out.splitlines()[0].split()[3] for k, (out, _) in enumerate(outcomes, start=1)}

    # Each run handed its tables over in its own memory; what a busy machine checkpointed to disk
    # (an output held past the checkpoint delay) lies in that run's own folder, never shared.
    assert len(set(run_ids.values())) == RUNS
    storage = workspace / "storage"
    stored = [p.relative_to(storage) for p in storage.rglob("*") if p.is_file()] if storage.exists() else []
    assert {p.parts[0] for p in stored} <= set(run_ids.values()), stored

    out = workspace / "data" / "out"
    assert [p.name for p in out.iterdir()] == ["shared.csv"]  # no temporary file left behind
    final = pd.read_csv(out / "shared.csv")
    winners = set(final["run"])
    assert len(winners) == 1, f"rows from several runs: {sorted(winners)}"
    pd.testing.assert_frame_equal(final, source.assign(run=winners.pop()))
