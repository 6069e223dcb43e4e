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
    assert requests[0].run_config["ops"]["inbox__load"]["config"]["path"] == "inbox/销售 1.csv"
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
