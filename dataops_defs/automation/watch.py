"""A flowchart's `triggers.watch`: one run per new or changed file, bound to a source node.

The cursor remembers, per file, the size and modification time already launched (`done`) and
those seen once but maybe still being written (`pending`). A file is launched when it is
unchanged across two ticks or untouched for `settle_seconds`; its run key is path + size +
mtime, so a file is processed once and a replaced file again.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import dagster as dg

from dataops.settings import get_settings
from dataops.spec import ValidFlowchart
from dataops_defs.compiler import default_run_config, op_name


def make_watch_sensor(flowchart: ValidFlowchart, job: dg.JobDefinition) -> dg.SensorDefinition:
    settings = get_settings()
    watch = flowchart.spec.triggers.watch  # type: ignore[union-attr]
    assert watch is not None

    def evaluate(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        root = settings.data_root_resolved
        cursor = json.loads(context.cursor) if context.cursor else {}
        done: dict[str, str] = cursor.get("done", {})
        pending: dict[str, str] = cursor.get("pending", {})
        now = time.time()
        requests, waiting, present = [], {}, {}
        for path in _matches(root, watch.pattern):
            stat = path.stat()
            relative = path.relative_to(root).as_posix()
            signature = f"{stat.st_size}:{stat.st_mtime_ns}"
            present[relative] = signature
            if done.get(relative) == signature:
                continue
            if pending.get(relative) != signature and now - stat.st_mtime < settings.settle_seconds:
                waiting[relative] = signature  # maybe still being written: look again next tick
                continue
            requests.append(_request(flowchart, watch.node, relative, signature))
            done[relative] = signature
        done = {name: sig for name, sig in done.items() if name in present}
        context.update_cursor(json.dumps({"done": done, "pending": waiting}, ensure_ascii=False))
        if requests:
            return dg.SensorResult(run_requests=requests)
        reason = f"{len(waiting)} file(s) still being written" if waiting else f"no new files matching {watch.pattern}"
        return dg.SensorResult(skip_reason=reason)

    return dg.SensorDefinition(
        name=f"{flowchart.name}__watch",
        evaluation_fn=evaluate,
        job=job,
        minimum_interval_seconds=settings.sensor_interval,
        default_status=dg.DefaultSensorStatus.RUNNING if flowchart.spec.enabled else dg.DefaultSensorStatus.STOPPED,
        description=f"Runs {flowchart.name} for each new or changed file matching {watch.pattern} (node {watch.node}).",
    )


def _matches(root: Path, pattern: str) -> list[Path]:
    """Files matching the pattern that really are inside the data root (no symlinks out)."""
    return sorted(p for p in root.glob(pattern) if p.is_file() and p.resolve().is_relative_to(root))


def _request(flowchart: ValidFlowchart, node: str, relative: str, signature: str) -> dg.RunRequest:
    run_config: dict[str, Any] = default_run_config(flowchart)
    run_config["ops"][op_name(flowchart.name, node)]["config"]["path"] = relative
    return dg.RunRequest(
        run_key=f"{relative}:{signature}",
        run_config=run_config,
        tags={"dataops/file": relative, "dataops/trigger": "watch"},
    )
