"""The run launcher of both dagster.yaml files: every run launched through the instance (the UI,
GraphQL, `dagster job launch`, sensors, schedules, the editor) starts as a process forked from the
warm run server, which has the imports done; without one it is Dagster's default launcher.

- **Launch**: the run's `dagster api execute_run` command (what Dagster's container launchers
  start) goes to the warm run server (`dataops.warm_client.launch`), which forks a child for it:
  its own process, in the code location's working directory, with this process's environment and
  output descriptors, so the run and its compute logs behave as a cold run's. The run gets a
  `dataops/run_worker` tag naming that process and an engine event saying where it started.
- **Fallback**: no server (plain `dagster dev`, DATAOPS_WARM=off, macOS or Windows), a server
  restarting on changed code, another Python: an engine event says why, and Dagster's
  `DefaultRunLauncher` starts the run in the code server. Code never runs stale: each request
  carries the fingerprint of the project's code and the installed packages.
- **Monitoring**: the daemon's run monitoring asks `check_run_worker_health` about every STARTED
  run and fails the run when the answer is neither RUNNING nor SUCCESS. A run with a recorded worker
  (forked here, or a `dataops run` process, `dataops_defs.run_worker`) is checked against the
  process table; one a code server started is failed by that server as soon as its process dies.
- **Termination** (the UI's Terminate): the recorded worker gets SIGINT, which Dagster's run
  process turns into a cancelled run, as the code server's termination request does.

Private API: `dagster._core.launcher.CheckRunHealthResult` and `WorkerStatus` (the return type
monitoring requires) and `dagster._grpc.types.ExecuteRunArgs` (the arguments of
`dagster api execute_run`, as Dagster's Docker and Kubernetes launchers build them).
`tests/dataops_defs/test_launcher.py` runs all of it against a real daemon and webserver.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, LaunchRunContext, WorkerStatus
from dagster._serdes.config_class import ConfigurableClassData

from dataops import warm_client
from dataops_defs.run_worker import Health, RunWorker

# Anything but RUNNING or SUCCESS fails the run, UNKNOWN included. A worker this process cannot
# see (another host or container) is reported running: failing a live run would be worse than
# leaving a dead one to the run's `dagster/max_runtime`.
_STATUS = {Health.ALIVE: WorkerStatus.RUNNING, Health.GONE: WorkerStatus.FAILED, Health.UNSEEN: WorkerStatus.RUNNING}
WARM_WORKER = "run worker forked by the warm run server"
WARM_LAUNCH_TAG = "dataops/launch"  # "warm": forked from the warm run server; "cold": Dagster's default launcher
NOTIFY_TAG = "dataops/notify"  # "run": the run's own process sends its notifications (dataops_defs.automation.notify)


class DataOpsRunLauncher(dg.DefaultRunLauncher):
    """Forks runs from the warm run server; Dagster's default launcher when there is none."""

    def __init__(self, inst_data: ConfigurableClassData | None = None, warm: bool = True) -> None:
        super().__init__(inst_data=inst_data)
        self._warm = warm

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {
            "warm": dg.Field(
                bool,
                is_required=False,
                default_value=True,
                description="Fork runs from the warm run server when one is running (false: always Dagster's default).",
            )
        }

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]) -> DataOpsRunLauncher:
        return cls(inst_data=inst_data, **config_value)

    def forks_warm(self) -> bool:
        """A launch now would fork from the warm run server: tens of milliseconds, not seconds."""
        return self._warm and warm_client.enabled() and warm_client.status(warm_client.socket_path()) is not None

    def launch_run(self, context: LaunchRunContext) -> None:
        run = context.dagster_run
        if self._warm:
            started = time.perf_counter()
            try:
                pid, server = self._fork(run)
            except warm_client.Unavailable as exc:
                reason = str(exc)
            else:
                worker = RunWorker.of_process(run.run_id, pid, WARM_WORKER)
                # The forked process sends the run's notifications itself when the run ends.
                self._instance.add_run_tags(run.run_id, {**worker.tags(), WARM_LAUNCH_TAG: "warm", NOTIFY_TAG: "run"})
                self._instance.report_engine_event(
                    f"Forked the run's process (pid {pid}) from the warm run server (pid {server}) "
                    f"in {(time.perf_counter() - started) * 1000:.0f} ms.",
                    run,
                    cls=self.__class__,
                )
                return
        else:
            reason = "the run launcher's `warm` option is false"
        self._instance.add_run_tags(run.run_id, {WARM_LAUNCH_TAG: "cold"})
        self._instance.report_engine_event(
            f"No warm run server for this run ({reason}); launching it with Dagster's default launcher "
            "(a new process, which imports everything first).",
            run,
            cls=self.__class__,
        )
        super().launch_run(context)

    def _fork(self, run: dg.DagsterRun) -> tuple[int, int]:
        from dagster._grpc.types import ExecuteRunArgs

        origin = run.job_code_origin
        if origin is None:
            raise warm_client.Unavailable("the run has no code origin")
        arguments = ExecuteRunArgs(job_origin=origin, run_id=run.run_id, instance_ref=self._instance.get_ref())
        pointer = origin.repository_origin.code_pointer
        cwd = getattr(pointer, "working_directory", None) or os.getcwd()
        return warm_client.launch(
            run.run_id, dg.serialize_value(arguments), origin.executable_path, cwd=cwd, env=dict(os.environ)
        )

    def terminate(self, run_id: str) -> bool:
        run = self._instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            return False
        worker = RunWorker.of_run(run_id, run.tags)
        if worker is None:
            return super().terminate(run_id)
        verdict = worker.check()
        self._instance.report_run_canceling(run)
        if verdict.health != Health.ALIVE:
            self._instance.report_engine_event(f"Cannot stop the run: {verdict.message}.", run, cls=self.__class__)
            return False
        try:
            os.kill(worker.pid, signal.SIGINT)  # Dagster's run process cancels the run on SIGINT
        except ProcessLookupError:
            return False
        self._instance.report_engine_event(
            f"Sent SIGINT to the {worker.command} (pid {worker.pid}) to stop the run.", run, cls=self.__class__
        )
        return True

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
