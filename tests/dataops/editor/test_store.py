"""The editor's store: the folder as the editor lists it, finding a flowchart by name, saving JSON."""

from __future__ import annotations

import json
from pathlib import Path

from dataops.editor.store import StoredFlowchart, find, scan, to_json, write_json

YAML = "name: sales\ndescription: 销售\nnodes: []\n"


def test_scan_names_each_file_by_its_declared_name_or_its_stem(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(YAML, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("name: [oops\n", encoding="utf-8")
    (tmp_path / "named.yaml").write_text("name: kept\nnodes: [\n", encoding="utf-8")
    (tmp_path / ".a.yaml").write_text(YAML, encoding="utf-8")
    stored = {s.path.name: s for s in scan(tmp_path)}
    assert sorted(stored) == ["a.yaml", "broken.yaml", "named.yaml"]
    document = {"name": "sales", "description": "销售", "nodes": []}
    assert stored["a.yaml"] == StoredFlowchart("sales", tmp_path / "a.yaml", document)
    assert stored["a.yaml"].format == "yaml" and stored["a.yaml"].description == "销售"
    assert stored["broken.yaml"].name == "broken" and stored["broken.yaml"].document is None
    assert stored["broken.yaml"].error is not None and stored["broken.yaml"].error.startswith("not valid YAML")
    assert stored["named.yaml"].name == "kept"  # as Dagster names its broken job


def test_find_puts_the_json_file_the_editor_writes_first(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(YAML, encoding="utf-8")
    (tmp_path / "sales.json").write_text('{"name": "sales"}', encoding="utf-8")
    assert [f.path.name for f in find(tmp_path, "sales")] == ["sales.json", "a.yaml"]
    assert find(tmp_path, "other") == []


def test_write_json_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    folder = tmp_path / "new"
    document = {"name": "sales", "description": "销售"}
    path = write_json(folder, "sales", to_json(document))
    assert path == folder / "sales.json"
    assert json.loads(path.read_text(encoding="utf-8")) == document and "销售" in path.read_text(encoding="utf-8")
    write_json(folder, "sales", to_json({"name": "sales"}))
    assert sorted(p.name for p in folder.iterdir()) == [".history", "sales.json"]  # two versions kept there
    assert scan(folder)[0].document == {"name": "sales"}
