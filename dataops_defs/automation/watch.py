"""A flowchart's `triggers.watch`: one run per new or changed file, bound to a source node.

Two launchers share the work, exactly once per file version (run key = path + size + mtime):

- **the sensor** (Dagster's daemon, every few seconds): the history, the backstop, and the only
  launcher without `dataops dev`. Its cursor remembers, per file, the version already launched
  (`done`) and the one seen once but maybe still being written (`pending`);
- **the event-driven watcher of `dataops dev`** (`dataops.hotplug.InboxWatcher`): launches a
  file through Dagster's GraphQL API a fraction of a second after it is complete.

Before launching a version, either one *claims* its run key: a file created with O_EXCL under
$DAGSTER_HOME/.dataops/claims/<sensor>/, naming the claimer. The other then leaves that version
alone (the sensor marks it done once the watcher's run exists; a watcher claim with no run after
CLAIM_TIMEOUT is taken back). The sensor's own claim does not stop the sensor itself, so a
tick that Dagster retries still requests the run, deduplicated by its run key.

A file is complete when no process has it open for writing (Linux: /proc/*/fd) and it is
unchanged across two looks, or untouched for `settle_seconds`.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import dagster as dg

from dataops.settings import get_settings
from dataops.spec import ValidFlowchart
from dataops_defs.compiler import run_config


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
        requests: list[dg.RunRequest] = []
        waiting: dict[str, str] = {}
        present: dict[str, tuple[Path, os.stat_result]] = {}
        for path in _matches(root, watch.pattern):
            try:
                present[path.relative_to(root).as_posix()] = (path, path.stat())
            except OSError:
                continue  # removed meanwhile
        new = {rel: item for rel, item in present.items() if done.get(rel) != file_signature(item[1])}
        writing = being_written([path for path, _ in new.values()])
        claims = Claims(sensor_name(flowchart))
        for relative, (path, stat) in new.items():
            signature = file_signature(stat)
            key = run_key(relative, signature)
            holder = claims.holder(key)
            if holder is not None and holder[0] == WATCHER:
                if _has_run(context.instance, sensor_name(flowchart), key):
                    _replace(done, relative, signature, claims)  # launched by `dataops dev`'s watcher
                    continue
                if now - holder[1] < CLAIM_TIMEOUT:
                    waiting[relative] = signature  # the watcher is launching it
                    continue
            elif holder is None:
                settled = pending.get(relative) == signature or now - stat.st_mtime >= settings.settle_seconds
                if not settled or path in writing:
                    waiting[relative] = signature  # maybe still being written: look again next tick
                    continue
                if not claims.claim(key, SENSOR):
                    waiting[relative] = signature  # the watcher claimed it just now
                    continue
            requests.append(launch_request(flowchart, watch.node, relative, signature))
            _replace(done, relative, signature, claims)
        for name in [name for name in done if name not in present]:
            claims.release(run_key(name, done.pop(name)))
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


def launch_request(flowchart: ValidFlowchart, node: str, relative: str, signature: str) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=run_key(relative, signature),
        run_config=run_config(flowchart, {node: {"path": relative}}),
        tags=request_tags(relative),
    )


def _replace(done: dict[str, str], relative: str, signature: str, claims: Claims) -> None:
    """Record `signature` as launched; the claim of the version it replaces goes."""
    previous = done.get(relative)
    if previous is not None and previous != signature:
        claims.release(run_key(relative, previous))
    done[relative] = signature


def _has_run(instance: dg.DagsterInstance, sensor: str, key: str) -> bool:
    return bool(instance.get_run_ids(dg.RunsFilter(tags={RUN_KEY_TAG: key, SENSOR_NAME_TAG: sensor}), limit=1))


# --- shared with `dataops dev`'s watcher (dataops.hotplug) --------------------------------------

RUN_KEY_TAG, SENSOR_NAME_TAG = "dagster/run_key", "dagster/sensor_name"  # what Dagster's daemon tags sensor runs with
SENSOR = "sensor"
WATCHER = "watcher"
CLAIM_TIMEOUT = 30.0  # seconds a watcher's claim holds without a run (its launch call times out at 10 s)


def sensor_name(flowchart: ValidFlowchart) -> str:
    return f"{flowchart.name}__watch"


def run_key(relative: str, signature: str) -> str:
    return f"{relative}:{signature}"


def file_signature(stat: os.stat_result) -> str:
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def request_tags(relative: str) -> dict[str, str]:
    return {"dataops/file": relative, "dataops/trigger": "watch"}


def matching(root: Path, pattern: str, path: Path) -> str | None:
    """`path` relative to the data root when it is a file matching `pattern` there, else None."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        return None
    if not relative.match(pattern) and not Path("/", relative).match("/" + pattern):
        return None
    if not path.is_file() or not path.resolve().is_relative_to(root):
        return None
    return relative.as_posix()


class Claims:
    """Who launches a file version: the first to create its claim file (O_EXCL) under DAGSTER_HOME."""

    def __init__(self, sensor: str) -> None:
        home = Path(os.environ.get("DAGSTER_HOME") or ".")
        self.folder = home / ".dataops" / "claims" / sensor

    def _path(self, key: str) -> Path:
        return self.folder / hashlib.sha256(key.encode()).hexdigest()[:40]

    def claim(self, key: str, who: str) -> bool:
        """True when this caller now holds `key`; False when someone else did first."""
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self._path(key), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump({"who": who, "at": time.time(), "key": key}, file, ensure_ascii=False)
        return True

    def holder(self, key: str) -> tuple[str, float] | None:
        """(who, when) of the claim on `key`, or None."""
        try:
            record = json.loads(self._path(key).read_text(encoding="utf-8"))
            return str(record["who"]), float(record["at"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):  # being written this instant: someone holds it
            return WATCHER, time.time()

    def release(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def being_written(paths: list[Path]) -> set[Path]:
    """Those of `paths` that a process has open for writing (Linux /proc; none where it cannot tell).

    One pass over the process table, whatever the number of files: a link per open descriptor,
    and the descriptor's flags only for the files asked about.
    """
    wanted = {os.path.realpath(p): p for p in paths}
    found: set[Path] = set()
    try:
        pids = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return found
    for pid in pids:
        folder = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(folder)
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"{folder}/{fd}")
            except OSError:
                continue
            if target not in wanted or wanted[target] in found:
                continue
            try:
                with open(f"/proc/{pid}/fdinfo/{fd}", encoding="ascii") as info:
                    flags = next((int(line.split()[1], 8) for line in info if line.startswith("flags:")), 0)
            except (OSError, ValueError):
                continue  # closed meanwhile
            if flags & os.O_ACCMODE in (os.O_WRONLY, os.O_RDWR):
                found.add(wanted[target])
    return found
