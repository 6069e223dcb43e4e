"""The run queue of both dagster.yaml files: Dagster's QueuedRunCoordinator, limits from the
settings unless the yaml sets them, and a run that fits within the limits launched at once.

Dagster's queue starts a run only when the daemon next looks at it: up to
`dequeue_interval_seconds` (an integer, at least 1 s) after the launch, the largest part of a
small run's wait. When the run launcher would fork the run from the warm run server (tens of
milliseconds), nothing is waiting and the run fits within every limit, `submit_run` launches it
itself, as Dagster's `DefaultRunCoordinator` does; otherwise the run is queued as usual and the
daemon starts it in order (a cold launch takes seconds, which the UI or a sensor's tick must not
wait for). The check and the launch hold a lock file under the instance's root directory, so
processes on one machine (webserver, daemon, editor) never launch past a limit together; on
several machines sharing PostgreSQL storage, set `launch_at_once: false`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg

from dataops.settings import get_settings
from dataops_defs.compiler.op import FLOWCHART_TAG
from dataops_defs.launcher import DataOpsRunLauncher

if TYPE_CHECKING:  # the type of the instance's config data; no public name, not needed at run time
    from dagster._core.run_coordinator import SubmitRunContext
    from dagster._serdes.config_class import ConfigurableClassData

try:
    import fcntl
except ImportError:  # Windows: no lock between processes, so every run goes through the queue
    fcntl = None  # type: ignore[assignment]

IN_PROGRESS = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


class RunQueue(dg.QueuedRunCoordinator):
    """At most DATAOPS_MAX_CONCURRENT_RUNS (4) runs in progress, DATAOPS_RUNS_PER_FLOWCHART (2) of
    any one flowchart; either limit set in the instance's yaml wins over the environment.

    Dagster's own `{env: ...}` has no default, so a process started without the variable would
    fail its first launch; the settings object gives every process the same default instead.
    """

    def __init__(self, *args: Any, launch_at_once: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._launch_at_once = launch_at_once and fcntl is not None

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        fields = super().config_type()
        assert isinstance(fields, dict)  # Dagster's queue describes its config as a dict of fields
        return {
            **fields,
            "launch_at_once": dg.Field(
                bool,
                is_required=False,
                default_value=True,
                description="Launch a run at once when nothing is queued and it fits within the limits.",
            ),
        }

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]) -> RunQueue:
        settings = get_settings()
        per_flowchart = {"key": FLOWCHART_TAG, "value": {"applyLimitPerUniqueValue": True}}
        defaults = {
            "max_concurrent_runs": settings.max_concurrent_runs,
            "tag_concurrency_limits": [{**per_flowchart, "limit": settings.runs_per_flowchart}],
        }
        config = {**defaults, **config_value}
        launch_at_once = config.pop("launch_at_once", True)
        queue = super().from_config_value(inst_data, config)
        assert isinstance(queue, RunQueue)
        queue._launch_at_once = launch_at_once and fcntl is not None
        return queue

    def submit_run(self, context: SubmitRunContext) -> dg.DagsterRun:
        run = context.dagster_run
        launcher = self._instance.run_launcher
        cheap = isinstance(launcher, DataOpsRunLauncher) and launcher.forks_warm()
        if not self._launch_at_once or run.status != dg.DagsterRunStatus.NOT_STARTED or not cheap:
            return super().submit_run(context)
        with self._lock():
            if self.why_queued(run) is not None:
                return super().submit_run(context)
            try:
                self._instance.launch_run(run.run_id, context.workspace)
            except Exception:  # the instance has reported the error on the run and failed it
                pass
        launched = self._instance.get_run_by_id(run.run_id)
        assert launched is not None
        return launched

    def why_queued(self, run: dg.DagsterRun) -> str | None:
        """Why `run` must wait in the queue now, or None when it may start at once."""
        instance = self._instance
        waiting = instance.get_runs_count(dg.RunsFilter(statuses=[dg.DagsterRunStatus.QUEUED]))
        if waiting:
            return f"{waiting} run(s) queued before it"
        config = self.get_run_queue_config()
        if run.run_op_concurrency is not None and run.run_op_concurrency.all_pools:
            return "its ops use concurrency pools, which the daemon allots"
        limit = config.max_concurrent_runs
        if limit != -1 and instance.get_runs_count(dg.RunsFilter(statuses=IN_PROGRESS)) >= limit:
            return f"{limit} run(s) in progress"
        for rule in config.tag_concurrency_limits:
            key, value = rule["key"], rule.get("value")
            if key not in run.tags:
                continue
            if isinstance(value, Mapping) and value.get("applyLimitPerUniqueValue"):
                value = run.tags[key]
            elif value is None or value != run.tags[key]:
                if value is None:  # a limit over every value of the tag: the daemon counts those
                    return f"a limit on the tag {key}"
                continue
            in_progress = instance.get_runs_count(dg.RunsFilter(statuses=IN_PROGRESS, tags={key: value}))
            if in_progress >= rule["limit"]:
                return f"{rule['limit']} run(s) with {key}={value} in progress"
        return None

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        assert fcntl is not None
        path = Path(self._instance.root_directory) / ".dataops" / "run-queue.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
