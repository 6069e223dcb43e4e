"""A plugin module that raises, runs out of memory or hangs: the run fails naming the node, the
upstream outputs stay, and once the module is fixed a re-execution from failure finishes the run
without recomputing what succeeded."""

from __future__ import annotations

import resource
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from dataops.flowcharts import load_flowchart
from dataops.settings import get_settings
from dataops_defs.standalone import reconstructable_job
from module_library.discovery import discover
from tests.failure.runs import run_id_of, step_events

FLOW = """
name: faults
nodes:
  - {{id: load, module: read_csv, params: {{path: sales.csv}}}}
  - {{id: keep, module: filter_rows, params: {{condition: "价格 > 100"}}}}
  - {{id: step, module: {module}{extra}}}
  - {{id: save, module: write_csv, params: {{path: out/faults.csv}}}}
edges: [{{from: load, to: keep}}, {{from: keep, to: step}}, {{from: step, to: save}}]
"""
FIXED = '''
from module_library import module


@module(category="faults")
def {module}(data, params):
    """Fixed: pass the table through."""
    return data
'''
FAULTS = {
    "explode": '''
        from module_library import module


        @module(category="faults")
        def explode(data, params):
            """A bug: raise."""
            raise RuntimeError("the plugin broke")
        ''',
    "hog": '''
        from module_library import module


        @module(category="faults")
        def hog(data, params):
            """Allocate 256 MB at a time, up to 16 GB of address space (untouched, so no real memory)."""
            chunks = [bytearray(256 << 20) for _ in range(64)]
            return data.assign(chunks=len(chunks))
        ''',
    "sleepy": '''
        import time

        from module_library import module


        @module(category="faults")
        def sleepy(data, params):
            """Hang."""
            time.sleep(3600)
            return data
        ''',
}
ADDRESS_SPACE = 4 << 30  # a run peaks near 2.6 GB of address space; the hog asks for 16 GB


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@pytest.mark.parametrize(
    ("module", "extra", "limit", "message"),
    [
        ("explode", "", None, "RuntimeError: the plugin broke"),
        ("hog", "", limit_memory, "faults › step: the node ran out of memory"),
        ("sleepy", ", timeout: 2", None, "faults › step: the node ran longer than its time limit of 2 s"),
    ],
    ids=["raises", "out_of_memory", "hangs"],
)
def test_fault_fails_the_node_keeps_upstream_and_reexecutes_after_the_fix(
    workspace: Path, plugin, flowchart, cli, module: str, extra: str, limit, message: str
) -> None:
    plugin(module, FAULTS[module])
    file = flowchart("faults", FLOW.format(module=module, extra=extra))
    result = cli("run", "flowcharts/faults.yaml", preexec_fn=limit)
    assert result.returncode == 1, result.stderr
    assert f"failing node: step ({module})" in result.stderr
    assert message in result.stderr
    run_id = run_id_of(result)
    storage = Path(get_settings().storage_url) / run_id
    # Stored: the input of the failed node, which its re-execution needs; load's output was used up by keep.
    assert (storage / "faults__flowchart.faults__keep" / "result.arrow").is_file()
    assert not (storage / "faults__flowchart.faults__load").exists()
    assert not (workspace / "data" / "out" / "faults.csv").exists()

    plugin(module, FIXED.format(module=module))
    discover(get_settings().plugins)
    with dg.DagsterInstance.get() as instance:
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
        options = dg.ReexecutionOptions.from_failure(run_id, instance)
        retry = dg.execute_job(reconstructable_job(load_flowchart(file)), instance, reexecution_options=options)
        assert retry.success
        started = {step for kind, step in step_events(instance, retry.run_id) if kind == "STEP_START"}
    assert started == {
        "faults__flowchart.faults__step",
        "faults__flowchart.faults__save",
    }  # keep's output comes from the failed run's file
    saved = pd.read_csv(workspace / "data" / "out" / "faults.csv")
    assert len(saved) > 0 and (saved["价格"] > 100).all()
