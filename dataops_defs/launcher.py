"""The run launcher of both dagster.yaml files: Dagster's default launcher, which starts runs in
the code server, plus a run worker health check for the runs that `dataops run` executes itself.

Run monitoring (the daemon's MONITORING loop) asks the launcher about every STARTED run and fails
the run when the answer is neither RUNNING nor SUCCESS. A run whose process a code server started
is failed by that server as soon as the process dies; a run carrying the `dataops/run_worker` tag
(`dataops_defs.run_worker`) is checked against the process table here.
"""

from __future__ import annotations

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus

from dataops_defs.run_worker import Health, RunWorker

# Anything but RUNNING or SUCCESS fails the run, UNKNOWN included. A worker this process cannot
# see (another host or container) is reported running: failing a live run would be worse than
# leaving a dead one to the run's `dagster/max_runtime`.
_STATUS = {Health.ALIVE: WorkerStatus.RUNNING, Health.GONE: WorkerStatus.FAILED, Health.UNSEEN: WorkerStatus.RUNNING}


class DataOpsRunLauncher(dg.DefaultRunLauncher):
    """Launches like Dagster's default; answers run monitoring for runs with a recorded worker."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        worker = RunWorker.of_run(run.run_id, run.tags)
        if worker is not None:
            verdict = worker.check()
            return CheckRunHealthResult(_STATUS[verdict.health], verdict.message)
        if super().supports_check_run_worker_health:
            return super().check_run_worker_health(run)
        return CheckRunHealthResult(WorkerStatus.RUNNING, "started by a code server, which fails it if it dies")
