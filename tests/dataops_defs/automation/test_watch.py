"""The watch sensor: settle, run keys, cursor, run config binding, bursts."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import dagster as dg

from dataops.settings import get_settings
from dataops.spec import parse_flowchart
from dataops_defs.automation import make_watch_sensor
from dataops_defs.automation.watch import CLAIM_TIMEOUT, WATCHER, Claims, being_written, file_signature, run_key
from dataops_defs.compiler import make_flowchart_job
from module_library.discovery import discover

discover()
FLOW = """
name: inbox
nodes:
  - {id: load, module: read_csv, params: {path: placeholder.csv}}
  - {id: save, module: write_csv, params: {path: out/result.csv}}
edges: [{from: load, to: save}]
triggers: {watch: {pattern: "inbox/*.csv", node: load}}
"""


def sensor() -> dg.SensorDefinition:
    flowchart = parse_flowchart(FLOW)
    return make_watch_sensor(flowchart, make_flowchart_job(flowchart))


def tick(definition: dg.SensorDefinition, cursor: str | None) -> tuple[list[dg.RunRequest], str | None, str | None]:
    context = dg.build_sensor_context(cursor=cursor)
    result = definition.evaluate_tick(context)
    return list(result.run_requests or []), result.cursor, result.skip_message


def settled(path: Path, text: str = "a,b\n1,2\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    past = time.time() - 60
    os.utime(path, (past, past))
    return path


def test_a_settled_file_launches_one_run_bound_to_the_source_node(workspace: Path) -> None:
    definition = sensor()
    assert definition.default_status == dg.DefaultSensorStatus.RUNNING
    _, cursor, skip = tick(definition, None)
    assert skip == "no new files matching inbox/*.csv"
    file = settled(workspace / "data" / "inbox" / "销售 1.csv")
    requests, cursor, _ = tick(definition, cursor)
    assert len(requests) == 1
    stat = file.stat()
    assert requests[0].run_key == f"inbox/销售 1.csv:{stat.st_size}:{stat.st_mtime_ns}"
    assert '"inbox__load": {"config": {"path": "inbox/销售 1.csv"' in json.dumps(requests[0].run_config, ensure_ascii=False)
    assert requests[0].tags["dataops/file"] == "inbox/销售 1.csv"
    again, cursor, skip = tick(definition, cursor)
    assert again == [] and skip == "no new files matching inbox/*.csv"


def test_a_replaced_file_runs_again(workspace: Path) -> None:
    definition = sensor()
    file = settled(workspace / "data" / "inbox" / "a.csv")
    first, cursor, _ = tick(definition, None)
    settled(file, "a,b\n1,2\n3,4\n")
    second, _, _ = tick(definition, cursor)
    assert len(first) == len(second) == 1 and first[0].run_key != second[0].run_key


def test_a_file_still_being_written_waits_for_the_next_tick(workspace: Path) -> None:
    definition = sensor()
    file = workspace / "data" / "inbox" / "growing.csv"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text("a,b\n")
    requests, cursor, skip = tick(definition, None)
    assert requests == [] and skip == "1 file(s) still being written"
    with file.open("a") as handle:
        handle.write("1,2\n")
    requests, cursor, skip = tick(definition, cursor)
    assert requests == []  # it changed since the last look
    requests, cursor, _ = tick(definition, cursor)
    assert len(requests) == 1  # unchanged across two ticks


def test_a_burst_of_100_files_launches_100_runs_once(workspace: Path) -> None:
    definition = sensor()
    for i in range(100):
        settled(workspace / "data" / "inbox" / f"f{i:03d}.csv")
    requests, cursor, _ = tick(definition, None)
    assert len({r.run_key for r in requests}) == 100
    assert tick(definition, cursor)[0] == []
    assert len(json.loads(cursor)["done"]) == 100


def test_files_outside_the_pattern_or_linked_out_are_ignored(workspace: Path, tmp_path_factory) -> None:
    outside = settled(tmp_path_factory.mktemp("outside") / "secret.csv")
    inbox = workspace / "data" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, inbox / "link.csv")
    settled(inbox / "notes.txt")
    requests, _, _ = tick(sensor(), None)
    assert requests == []


def test_disabled_flowcharts_start_stopped(workspace: Path) -> None:
    flowchart = parse_flowchart(FLOW + "enabled: false\n")
    definition = make_watch_sensor(flowchart, make_flowchart_job(flowchart))
    assert definition.default_status == dg.DefaultSensorStatus.STOPPED
    assert get_settings().sensor_interval == definition.minimum_interval_seconds


# --- with `dataops dev`'s watcher: claims, files open for writing --------------------------------


def test_a_file_open_for_writing_waits_however_old_it_is(workspace: Path) -> None:
    definition = sensor()
    file = settled(workspace / "data" / "inbox" / "held.csv")
    with file.open("a") as writer:
        writer.write("3,4\n")
        writer.flush()
        past = time.time() - 60
        os.utime(file, (past, past))
        assert being_written([file]) == {file}
        requests, cursor, skip = tick(definition, None)
        assert requests == [] and skip == "1 file(s) still being written"
        requests, cursor, _ = tick(definition, cursor)
        assert requests == []  # unchanged across two ticks, but still open for writing
    assert being_written([file]) == set()
    requests, _, _ = tick(definition, cursor)
    assert len(requests) == 1


def test_a_version_the_watcher_claimed_is_left_to_it(workspace: Path) -> None:
    from dagster._core.storage.tags import RUN_KEY_TAG, SENSOR_NAME_TAG

    definition = sensor()
    file = settled(workspace / "data" / "inbox" / "w.csv")
    key = run_key("inbox/w.csv", file_signature(file.stat()))
    claims = Claims("inbox__watch")
    assert claims.claim(key, WATCHER)
    assert not claims.claim(key, "sensor")  # O_EXCL: one claimer
    with dg.DagsterInstance.ephemeral() as instance:

        def tick_with(cursor: str | None) -> tuple[list[dg.RunRequest], str | None]:
            result = definition.evaluate_tick(dg.build_sensor_context(cursor=cursor, instance=instance))
            return list(result.run_requests or []), result.cursor

        requests, cursor = tick_with(None)
        assert requests == []  # the watcher is launching it
        flowchart = parse_flowchart(FLOW)
        instance.create_run_for_job(
            job_def=make_flowchart_job(flowchart), tags={RUN_KEY_TAG: key, SENSOR_NAME_TAG: "inbox__watch"}
        )
        requests, cursor = tick_with(cursor)
        assert requests == [] and json.loads(cursor or "{}")["done"] == {"inbox/w.csv": file_signature(file.stat())}

        # A watcher that claimed a version and never launched it: the sensor takes it back in time.
        other = settled(workspace / "data" / "inbox" / "lost.csv")
        lost = run_key("inbox/lost.csv", file_signature(other.stat()))
        assert claims.claim(lost, WATCHER)
        path = claims._path(lost)
        path.write_text(json.dumps({"who": WATCHER, "at": time.time() - CLAIM_TIMEOUT - 1, "key": lost}))
        requests, cursor = tick_with(cursor)
        assert [r.run_key for r in requests] == [lost]
        assert tick_with(cursor)[0] == []


def test_the_sensor_claims_what_it_launches(workspace: Path) -> None:
    file = settled(workspace / "data" / "inbox" / "s.csv")
    requests, _, _ = tick(sensor(), None)
    key = run_key("inbox/s.csv", file_signature(file.stat()))
    assert [r.run_key for r in requests] == [key]
    assert Claims("inbox__watch").holder(key)[0] == "sensor"
    assert not Claims("inbox__watch").claim(key, WATCHER)  # the watcher leaves it alone
