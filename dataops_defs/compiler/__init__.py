"""Flowchart to Dagster compiler: each flowchart a graph-backed multi-asset and its job."""

from dataops_defs.compiler.assets import make_after_upstream_sensor
from dataops_defs.compiler.compile_all import Compiled, assets_of, compile_all
from dataops_defs.compiler.job import make_flowchart_job, node_of, run_config
from dataops_defs.compiler.op import op_name

__all__ = [
    "Compiled",
    "assets_of",
    "compile_all",
    "make_after_upstream_sensor",
    "make_flowchart_job",
    "node_of",
    "op_name",
    "run_config",
]
