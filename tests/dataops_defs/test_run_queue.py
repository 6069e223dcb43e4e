"""The run queue: Dagster's public QueuedRunCoordinator, limits from the settings unless the yaml sets them,
and a run launched at once when it would not wait."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from dataops.settings import get_settings
from dataops_defs.run_queue import RunQueue

QUEUE = "run_coordinator:\n  module: dataops_defs.run_queue\n  class: RunQueue\n"


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def instance(home: Path, config: str = "") -> dg.DagsterInstance:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(QUEUE + config, encoding="utf-8")
    return dg.DagsterInstance.from_config(str(home))


def test_limits_come_from_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAOPS_MAX_CONCURRENT_RUNS", "7")
    monkeypatch.setenv("DATAOPS_RUNS_PER_FLOWCHART", "3")
    with instance(tmp_path / "home") as opened:
        assert isinstance(opened.run_coordinator, RunQueue)
        assert isinstance(opened.run_coordinator, dg.QueuedRunCoordinator)
        queue = opened.get_concurrency_config().run_queue_config
        assert queue.max_concurrent_runs == 7
        assert queue.tag_concurrency_limits == [
            {"key": "dataops/flowchart", "value": {"applyLimitPerUniqueValue": True}, "limit": 3}
        ]


def test_a_limit_in_the_yaml_wins(tmp_path: Path) -> None:
    with instance(tmp_path / "home", "  config:\n    max_concurrent_runs: 9\n") as opened:
        queue = opened.get_concurrency_config().run_queue_config
        assert queue.max_concurrent_runs == 9
        assert queue.tag_concurrency_limits[0]["limit"] == get_settings().runs_per_flowchart == 2


def _add(opened: dg.DagsterInstance, status: dg.DagsterRunStatus, flowchart: str) -> None:
    from dagster._core.remote_origin import RegisteredCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin

    # Dagster requires a queued run to name the code it comes from.
    repository = RemoteRepositoryOrigin(RegisteredCodeLocationOrigin("here"), "__repository__")
    run = dg.DagsterRun(
        job_name=flowchart,
        status=status,
        tags={"dataops/flowchart": flowchart},
        remote_job_origin=RemoteJobOrigin(repository, flowchart),
    )
    opened.add_run(run)


def test_a_run_waits_only_for_what_the_daemon_would_make_it_wait_for(tmp_path: Path) -> None:
    config = "  config:\n    max_concurrent_runs: 3\n"
    with instance(tmp_path / "home", config) as opened:
        queue = opened.run_coordinator
        assert isinstance(queue, RunQueue)
        new = dg.DagsterRun(job_name="sales", tags={"dataops/flowchart": "sales"})
        _add(opened, dg.DagsterRunStatus.SUCCESS, "sales")
        _add(opened, dg.DagsterRunStatus.FAILURE, "sales")
        assert queue.why_queued(new) is None  # finished runs hold no place
        _add(opened, dg.DagsterRunStatus.STARTED, "sales")
        _add(opened, dg.DagsterRunStatus.STARTING, "sales")
        assert queue.why_queued(new) == "2 run(s) with dataops/flowchart=sales in progress"
        assert queue.why_queued(dg.DagsterRun(job_name="other", tags={"dataops/flowchart": "other"})) is None
        _add(opened, dg.DagsterRunStatus.STARTED, "other")
        assert queue.why_queued(dg.DagsterRun(job_name="third", tags={"dataops/flowchart": "third"})) == (
            "3 run(s) in progress"
        )
        _add(opened, dg.DagsterRunStatus.QUEUED, "fourth")
        assert queue.why_queued(new) == "1 run(s) queued before it"  # never ahead of a waiting run


def test_launching_at_once_can_be_switched_off(tmp_path: Path) -> None:
    with instance(tmp_path / "home", "  config:\n    launch_at_once: false\n") as opened:
        assert isinstance(opened.run_coordinator, RunQueue)
        assert not opened.run_coordinator._launch_at_once
    with instance(tmp_path / "other") as opened:
        assert isinstance(opened.run_coordinator, RunQueue)
        assert opened.run_coordinator._launch_at_once
