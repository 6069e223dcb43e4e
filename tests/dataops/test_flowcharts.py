"""The flowcharts folder's owner: which files count, how they are read, and what they are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataops.errors import FlowchartError
from dataops.flowcharts import (
    FlowchartSource,
    NameClash,
    declared_name,
    list_files,
    load_flowchart,
    name_clashes,
    name_of,
    parse,
    read,
    read_document,
    read_folder,
)
from dataops.spec import MAX_BYTES
from module_library.discovery import discover

discover()

GOOD = "name: 销售_ok\nnodes:\n  - {id: load, module: read_csv, params: {path: x.csv}}\n"
GOOD_ASCII = "name: sales\nnodes:\n  - {id: load, module: read_csv, params: {path: x.csv}}\n"


def test_only_visible_files_with_a_flowchart_suffix_are_listed_by_name(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.JSON", "c.yml", ".hidden.yaml", ".b.yaml.tmp", "notes.txt", "plugin.py"):
        (tmp_path / name).write_text("name: x\n", encoding="utf-8")
    (tmp_path / "folder.yaml").mkdir()
    assert [p.name for p in list_files(tmp_path)] == ["a.JSON", "b.yaml", "c.yml"]
    assert list_files(tmp_path / "missing") == []


def test_a_file_is_read_as_utf8_with_or_without_a_bom(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes("\ufeffname: 城市\n".encode())
    assert read(tmp_path / "a.yaml") == FlowchartSource(str(tmp_path / "a.yaml"), "name: 城市\n")


def test_unusable_files_say_why_and_parse_raises_that(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_bytes(b"#" * (MAX_BYTES + 1))
    (tmp_path / "gbk.yaml").write_bytes("name: 城市\n".encode("gbk"))
    (tmp_path / "notes.txt").write_text("name: x\n", encoding="utf-8")
    big, gbk = read_folder(tmp_path)
    assert big.text == "" and big.error == f"file is {MAX_BYTES + 1:,} bytes; flowcharts are limited to {MAX_BYTES:,}"
    assert gbk.error is not None and gbk.error.startswith("cannot read the file: 'utf-8' codec can't decode")
    assert read(tmp_path / "notes.txt").error == "not a flowchart file (expected .yaml, .yml, .json)"
    assert read(tmp_path / "gone.yaml").error.startswith("cannot read the file: [Errno 2]")
    with pytest.raises(FlowchartError, match=r"big\.yaml: file is 1,048,577 bytes; flowcharts are limited to 1,048,576"):
        parse(big)


def test_parse_validates_by_the_file_suffix_in_any_case() -> None:
    text = '{"name": "a", "nodes": [{"id": "x", "module": "read_csv", "params": {"path": "x.csv"}}]}'
    flowchart = parse(FlowchartSource("flows/a.JSON", text))
    assert flowchart.name == "a" and flowchart.file == "flows/a.JSON"
    with pytest.raises(FlowchartError, match=r"a\.yaml: bad › x › module: unknown module 'nope'"):
        parse(FlowchartSource("a.yaml", "name: bad\nnodes:\n  - {id: x, module: nope}\n"))


def test_the_document_goes_through_the_strict_loaders() -> None:
    assert read_document(FlowchartSource("a.yaml", "name: a\non: 2024-01-02\n")) == {"name": "a", "on": "2024-01-02"}
    with pytest.raises(ValueError, match="not valid YAML: duplicate key 'name'"):
        read_document(FlowchartSource("a.yaml", "name: a\nname: b\n"))
    with pytest.raises(ValueError, match="not valid JSON: duplicate key 'name'"):
        read_document(FlowchartSource("a.json", '{"name": "a", "name": "b"}'))
    with pytest.raises(ValueError, match=r"^a flowchart file holds a mapping with name, nodes and edges$"):
        read_document(FlowchartSource("a.yaml", "- 1\n"))
    with pytest.raises(ValueError, match=r"^file is 9 bytes"):
        read_document(FlowchartSource("a.yaml", "", "file is 9 bytes"))


def test_a_name_is_declared_even_in_a_file_that_does_not_parse() -> None:
    assert declared_name(FlowchartSource("a.yaml", GOOD_ASCII)) == "sales"
    assert declared_name(FlowchartSource("a.yaml", "name: sales\nnodes: [")) == "sales"
    assert declared_name(FlowchartSource("a.json", '{"name": "sales", "nodes": [')) == "sales"
    assert declared_name(FlowchartSource("a.yaml", GOOD)) is None  # not a flowchart name
    assert declared_name(FlowchartSource("a.yaml", "nodes: []\n")) is None
    assert name_of(FlowchartSource("flows/my_file.yaml", "nodes: [")) == "my_file"


def test_the_first_file_keeps_a_name_and_later_ones_clash() -> None:
    named = [("a.yaml", "x"), ("b.json", "y"), ("c.yaml", "x"), ("d.yaml", "x")]
    assert name_clashes(named) == [NameClash("x", "c.yaml", "a.yaml"), NameClash("x", "d.yaml", "a.yaml")]
    assert name_clashes([]) == []


def test_load_flowchart_checks_suffix_and_existence(tmp_path: Path) -> None:
    with pytest.raises(FlowchartError, match=r"not a flowchart file \(expected .yaml, .yml, .json\)"):
        load_flowchart(tmp_path / "x.txt")
    with pytest.raises(FlowchartError, match="cannot read the file"):
        load_flowchart(tmp_path / "missing.yaml")
