"""dataops.history: versions kept beside the flowcharts, the structural diff, revert."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dataops import flowcharts, history

V1 = """# 城市销售
name: sales
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: valid, module: filter_rows, params: {condition: "价格 > 0"}}
edges:
  - {from: load, to: valid}
"""
V2 = (
    V1.replace("价格 > 0", "价格 > 50").replace(
        "edges:", "  - {id: save, module: write_csv, params: {path: out/s.csv}}\nedges:"
    )
    + "  - {from: valid, to: save}\n"
)


def test_each_save_is_a_version_with_its_source_and_identical_saves_are_not(tmp_path: Path) -> None:
    path = tmp_path / "sales.yaml"
    path.write_text(V1, encoding="utf-8")
    first = history.record(path, V1, "cli")
    assert first is not None and first.source == "cli" and first.text() == V1
    assert history.record(path, V1, "editor") is None  # nothing changed
    path.write_text(V2, encoding="utf-8")
    second = history.record(path, V2, "editor")
    assert second is not None
    assert [v.id for v in history.versions(path)] == [second.id, first.id]
    assert second.path.parent == tmp_path / ".history" / "sales" and second.path.suffix == ".yaml"
    assert flowcharts.list_files(tmp_path) == [path]  # versions are never read as flowcharts


def test_changes_name_nodes_params_and_edges() -> None:
    old = flowcharts.read_document(flowcharts.FlowchartSource("a.yaml", V1))
    new = flowcharts.read_document(flowcharts.FlowchartSource("a.yaml", V2))
    assert history.changes(old, new) == [
        "+ node save (write_csv)",
        '~ node valid: param condition "价格 > 0" → "价格 > 50"',
        "+ edge valid → save",
    ]
    assert history.changes(new, old) == [
        "- node save (write_csv)",
        '~ node valid: param condition "价格 > 50" → "价格 > 0"',
        "- edge valid → save",
    ]
    moved = {**new, "nodes": [{**n, "position": {"x": 1, "y": 2}} for n in new["nodes"][:1]] + new["nodes"][1:]}
    assert history.changes(new, moved) == ["~ moved on the canvas: load"]
    assert history.changes(new, None) == ["the file is not a readable flowchart in this version"]


def test_a_hand_edit_is_kept_before_the_next_save_and_revert_writes_a_version_back(tmp_path: Path) -> None:
    path = tmp_path / "sales.yaml"
    path.write_text(V1, encoding="utf-8")
    first = history.record(path, V1, "editor")
    assert first is not None
    path.write_text(V1 + "# by hand\n", encoding="utf-8")
    hand = history.record_disk_edit(path)
    assert hand is not None and hand.source == "disk" and hand.text().endswith("# by hand\n")
    assert history.record_disk_edit(path) is None
    path.write_text(V2, encoding="utf-8")
    history.record(path, V2, "editor")

    target, version = history.revert(path, first.id)
    assert target == path and path.read_text(encoding="utf-8") == V1
    assert version.source == "revert"
    log = history.log(path)
    assert [v.source for v, _ in log] == ["revert", "editor", "disk", "editor"]
    assert log[0][1] == [
        "- node save (write_csv)",
        '~ node valid: param condition "价格 > 50" → "价格 > 0"',
        "- edge valid → save",
    ]
    assert log[-1][1][0] == "+ node load (read_csv)"


def test_reverting_to_an_unknown_version_says_which_file(tmp_path: Path) -> None:
    path = tmp_path / "sales.yaml"
    path.write_text(V1, encoding="utf-8")
    with pytest.raises(KeyError) as raised:
        history.revert(path, "20260101T000000.000000Z-editor")
    assert raised.value.args[0] == (
        "sales.yaml has no version '20260101T000000.000000Z-editor' (see `dataops history sales.yaml`)"
    )
    assert path.read_text(encoding="utf-8") == V1


def test_the_dev_watcher_keeps_an_edit_made_outside_the_editor(tmp_path: Path) -> None:
    from dataops.hotplug import start_watcher
    from tests.support.dagster_server import free_port

    path = tmp_path / "sales.yaml"
    thread, stop = start_watcher([tmp_path], f"http://127.0.0.1:{free_port()}")  # no Dagster: reload is logged
    try:
        time.sleep(1)  # the watcher is listening
        path.write_text(V1, encoding="utf-8")
        deadline = time.monotonic() + 30
        while not history.versions(path) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join(timeout=10)
    (version,) = history.versions(path)
    assert version.source == "disk" and version.text() == V1
