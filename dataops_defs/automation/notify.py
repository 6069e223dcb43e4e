"""Notifications that tell people how a flowchart run ended, through Apprise.

Who sends: a run launched from the warm run server (`dataops_defs.launcher`, tag
`dataops/notify: run`) notifies from its own process the moment it ends (`notify_after_run`),
with no polling in between. Every other run, and a forked run whose process died before it could
say anything, is notified by two run-status sensors (successes, failures) of Dagster's daemon,
which look every few seconds. A run tagged `dataops/notified` was notified already.

Which runs: the jobs whose flowcharts have `notify`
entries. A message names the flowchart, the run and a link to it, the duration, and either
each sink's output and row count or the failing node, its module and the error. Delivery is
retried a bounded number of times and only logged when it fails: it never fails a run.
`${VAR}`s are filled when sending, only from allowed variables (`dataops.env_vars`), and the
filled URL must pass the outbound policy (`dataops.outbound`); every value of an expandable
variable is masked in the message and the logs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import dagster as dg

from dataops import env_vars
from dataops.errors import DataOpsError
from dataops.outbound import notification_problem
from dataops.settings import get_settings
from dataops.spec import ValidFlowchart
from dataops_defs.compiler import node_of
from dataops_defs.launcher import NOTIFY_TAG


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    kind: str  # apprise notify type: success / failure


def make_notify_sensors(
    flowcharts: Sequence[ValidFlowchart], jobs: dict[str, dg.JobDefinition]
) -> list[dg.SensorDefinition]:
    """Two run-status sensors covering every flowchart that asks to be notified."""
    targets = {f.name: f for f in flowcharts if f.spec.notify}
    _TARGETS.clear()
    _TARGETS.update(targets)  # for `notify_after_run` in a run's own process, which built these definitions
    if not targets:
        return []
    monitored = [jobs[name] for name in targets]

    def notify(context: dg.RunStatusSensorContext, outcome: str) -> None:
        run = context.dagster_run
        if run.tags.get(NOTIFIED_TAG) or _notified_by_its_process(run):
            return
        _send(context.instance, run, targets[run.job_name], outcome, context.log)

    @dg.run_status_sensor(
        name="dataops_notify_success",
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=monitored,
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=get_settings().sensor_interval,
        description="Sends the success notifications flowcharts ask for.",
    )
    def notify_success(context: dg.RunStatusSensorContext) -> None:
        notify(context, "success")

    @dg.run_failure_sensor(
        name="dataops_notify_failure",
        monitored_jobs=monitored,
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=get_settings().sensor_interval,
        description="Sends the failure notifications flowcharts ask for.",
    )
    def notify_failure(context: dg.RunFailureSensorContext) -> None:
        notify(context, "failure")

    return [notify_success, notify_failure]


NOTIFIED_TAG = "dataops/notified"  # the outcome notified, set before sending
_TARGETS: dict[str, ValidFlowchart] = {}  # job name -> flowchart, of the definitions this process built last


def _send(
    instance: dg.DagsterInstance, run: dg.DagsterRun, flowchart: ValidFlowchart, outcome: str, log: logging.Logger
) -> None:
    urls = {
        f"{flowchart.name} › notify[{index}].url": entry.url
        for index, entry in enumerate(flowchart.spec.notify or [])
        if outcome in entry.on
    }
    if not urls:
        return
    instance.add_run_tags(run.run_id, {NOTIFIED_TAG: outcome})
    deliver(urls, compose(instance, run, flowchart, outcome), log)


def _notified_by_its_process(run: dg.DagsterRun) -> bool:
    """The run's own process notifies it, unless that process died first (then the sensor does)."""
    from dataops_defs.run_worker import Health, RunWorker

    if run.tags.get(NOTIFY_TAG) != "run":
        return False
    worker = RunWorker.of_run(run.run_id, run.tags)
    return worker is not None and worker.check().health == Health.ALIVE


def notify_after_run(instance: dg.DagsterInstance, run_id: str) -> None:
    """Called by a run's process once the run ended: send what its flowchart asks for, now."""
    run = instance.get_run_by_id(run_id)
    if run is None or run.tags.get(NOTIFIED_TAG) or run.job_name not in _TARGETS:
        return
    outcome = {dg.DagsterRunStatus.SUCCESS: "success", dg.DagsterRunStatus.FAILURE: "failure"}.get(run.status)
    if outcome is not None:
        _send(instance, run, _TARGETS[run.job_name], outcome, logging.getLogger("dataops.notify"))


def compose(instance: dg.DagsterInstance, run: dg.DagsterRun, flowchart: ValidFlowchart, outcome: str) -> Message:
    """The message text from the run's events: outputs on success, the failing node on failure."""
    settings = get_settings()
    stats = instance.get_run_stats(run.run_id)
    duration = (stats.end_time or time.time()) - (stats.start_time or stats.launch_time or time.time())
    lines = [
        f"Flowchart: {flowchart.name}",
        f"Run: {run.run_id}",
        f"Link: {settings.dagster_base}/runs/{run.run_id}",
        f"Duration: {duration:.1f} s",
    ]
    if source_file := run.tags.get("dataops/file"):
        lines.append(f"Input file: {source_file}")
    if outcome == "success":
        for record in instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ).records:
            materialization = record.event_log_entry.asset_materialization
            if materialization is None:
                continue
            metadata = materialization.metadata
            rows = metadata.get("dagster/row_count")
            target = metadata.get("target")
            node = node_of(flowchart.name, record.event_log_entry.step_key or "")
            lines.append(f"Output of {node}: {target.value if target else '?'} ({rows.value if rows else '?'} rows)")
        return Message(f"✓ {flowchart.name} succeeded", "\n".join(lines), "success")
    for record in instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records:
        event = record.event_log_entry.dagster_event
        node = node_of(flowchart.name, event.step_key or "") if event else "?"
        module = flowchart.modules[node].name if node in flowchart.modules else "?"
        lines.append(f"Failed node: {node} ({module})")
        lines.append(f"Error: {_failure_text(event)}")
    return Message(f"✗ {flowchart.name} failed", "\n".join(lines), "failure")


def _failure_text(event: dg.DagsterEvent | None) -> str:
    if event is None:
        return "unknown"
    data = event.step_failure_data
    if data.user_failure_data is not None and data.user_failure_data.description:
        return data.user_failure_data.description
    error = data.error
    while error is not None and error.cause is not None:
        error = error.cause
    return error.message.strip() if error else "unknown"


_HOST_SCHEMES = {"json", "jsons", "form", "forms", "xml", "xmls", "mailto", "mailtos"}


def mask(url: str) -> str:
    """A URL fit for logs: only the scheme, and the host for web-hook and mail URLs, whose
    host is not a secret (for dingtalk://TOKEN and the like the "host" is the token)."""
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in _HOST_SCHEMES:
        return f"{scheme}://…"
    host = rest.split("@")[-1].split("/")[0]
    return f"{scheme}://***@{host}/…"


def expand(url: str) -> str:
    """The URL filled from the allowed environment and checked against the outbound policy.

    Raises:
        DataOpsError: a refused or unset variable, or a scheme or host flowcharts may not reach.
    """
    filled = env_vars.expand(url)
    problem = notification_problem(filled)
    if problem:
        raise DataOpsError(env_vars.mask(problem))
    return filled


class _MaskedLog(logging.Filter):
    """Apprise logs the URLs and payloads it sends (at DEBUG): masked like every other text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = env_vars.mask(record.getMessage()), None
        return True


_APPRISE_LOG_MASK = _MaskedLog()


def deliver(urls: Mapping[str, str], message: Message, log: logging.Logger, pause: float = 1.0) -> bool:
    """Send to every URL (keyed by where the flowchart names it), retrying each a few times;
    failures are logged, never raised."""
    import apprise

    logging.getLogger("apprise").addFilter(_APPRISE_LOG_MASK)  # once: the same filter is not added twice

    attempts = get_settings().notify_attempts
    title, body = env_vars.mask(message.title), env_vars.mask(message.body)
    all_sent = True
    for where, url in urls.items():
        notifier = apprise.Apprise()
        try:
            filled = expand(url)
        except DataOpsError as exc:
            log.error(f"{where}: not sent: {exc.message}")
            all_sent = False
            continue
        if not notifier.add(filled):
            log.warning(f"{where}: notification URL {mask(url)} is not usable")
            all_sent = False
            continue
        for attempt in range(1, attempts + 1):
            try:
                sent = bool(notifier.notify(title=title, body=body, notify_type=message.kind))
            except Exception as exc:  # a broken plugin must not stop the sensor
                sent = False
                log.warning(f"notification to {mask(url)} raised {type(exc).__name__}: {env_vars.mask(str(exc))}")
            if sent:
                break
            if attempt < attempts:
                time.sleep(pause * attempt)
        else:
            log.error(f"notification to {mask(url)} failed after {attempts} attempts")
            all_sent = False
    return all_sent
