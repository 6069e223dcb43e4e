"""Every flowchart compiles on its own; name clashes make the later file broken."""

from __future__ import annotations

from dataops_defs.compiler import compile_all
from dataops_defs.snapshot import FlowchartSource
from module_library.discovery import discover

discover()
GOOD = "name: {name}\nnodes:\n  - {{id: a, module: read_csv, params: {{path: x.csv}}}}\n"


def test_duplicate_names_break_the_second_file_only() -> None:
    results = compile_all(
        [FlowchartSource("a.yaml", GOOD.format(name="same")), FlowchartSource("b.yaml", GOOD.format(name="same"))]
    )
    assert [r.job.name for r in results] == ["same", "same__invalid_2"]
    assert results[0].error is None
    assert (
        str(results[1].error)
        == "b.yaml: same › name: the name 'same' is used by a.yaml already; job names must be unique"
    )


def test_unparseable_file_is_named_after_the_file() -> None:
    (result,) = compile_all([FlowchartSource("flowcharts/9 weird-name.yaml", "nodes: [")])
    assert result.job.name == "f_9_weird_name"
    assert "invalid YAML" in result.job.description
