"""Run-status sensors that tell people how a flowchart run ended, through Apprise.

One sensor for successes and one for failures watch the jobs whose flowcharts have `notify`
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


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    kind: str  # apprise notify type: success / failure


def make_notify_sensors(
    flowcharts: Sequence[ValidFlowchart], jobs: dict[str, dg.JobDefinition]
) -> list[dg.SensorDefinition]:
    """Two run-status sensors covering every flowchart that asks to be notified."""
    targets = {f.name: (f, f.spec.notify) for f in flowcharts if f.spec.notify}
    if not targets:
        return []
    monitored = [jobs[name] for name in targets]

    def notify(context: dg.RunStatusSensorContext, outcome: str) -> None:
        flowchart, entries = targets[context.dagster_run.job_name]
        urls = {
            f"{flowchart.name} › notify[{index}].url": entry.url
            for index, entry in enumerate(entries)
            if outcome in entry.on
        }
        if not urls:
            return
        message = compose(context.instance, context.dagster_run, flowchart, outcome)
        deliver(urls, message, context.log)

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
    prefix = f"{flowchart.name}__"
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
            node = (record.event_log_entry.step_key or "").removeprefix(prefix)
            lines.append(f"Output of {node}: {target.value if target else '?'} ({rows.value if rows else '?'} rows)")
        return Message(f"✓ {flowchart.name} succeeded", "\n".join(lines), "success")
    for record in instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records:
        event = record.event_log_entry.dagster_event
        node = (event.step_key or "").removeprefix(prefix) if event else "?"
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
                sent = notifier.notify(title=title, body=body, notify_type=message.kind)
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
