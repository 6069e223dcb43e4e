"""The run queue: Dagster's public QueuedRunCoordinator, limits from the settings unless the yaml sets them."""

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
