"""Smoke: the whole Definitions load and every job resolves (Dagster's cross-job checks run)."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from dataops_defs import defs
from tests.conftest import PROJECT


def test_every_example_flowchart_is_a_resolvable_job(workspace: Path) -> None:
    examples = sorted(p for p in (PROJECT / "flowcharts").iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    for path in examples:
        shutil.copy(path, workspace / "flowcharts" / path.name)
    definitions = defs()
    repository = definitions.get_repository_def()
    jobs = repository.get_all_jobs()
    assert len(jobs) == len(examples)
    for job in jobs:
        assert job.tags.get("dataops/broken") is None, job.description
        assert repository.get_job(job.name).graph.nodes
    assert isinstance(definitions.resources["io_manager"], dg.ConfigurableIOManager)


def test_a_broken_flowchart_does_not_hide_the_others(workspace: Path) -> None:
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    (workspace / "flowcharts" / "bad.yaml").write_text("name: bad\nnodes:\n  - {id: a, module: nope}\n")
    (workspace / "flowcharts" / "garbage.json").write_text("{not json")
    repository = defs().get_repository_def()
    names = {job.name for job in repository.get_all_jobs()}
    assert names == {"sales_by_city", "bad", "garbage"}
    bad = repository.get_job("bad")
    assert bad.tags["dataops/broken"] == "true"
    assert "bad › a › module: unknown module 'nope'" in bad.description
    result = bad.execute_in_process(raise_on_error=False)
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "unknown module 'nope'" in failure.event_specific_data.user_failure_data.description


def test_plugin_problems_are_hinted_on_broken_jobs(workspace: Path) -> None:
    (workspace / "plugins" / "mine.py").write_text("def oops(:\n")
    (workspace / "flowcharts" / "uses.yaml").write_text("name: uses\nnodes:\n  - {id: a, module: my_step}\n")
    job = defs().get_repository_def().get_job("uses")
    assert "plugin problem:" in job.description and "mine.py: line 1: syntax error" in job.description
