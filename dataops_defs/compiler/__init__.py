"""Flowchart to Dagster job compiler."""

from dataops_defs.compiler.compile_all import Compiled, compile_all
from dataops_defs.compiler.job import default_run_config, make_flowchart_job
from dataops_defs.compiler.op import op_name

__all__ = ["Compiled", "compile_all", "default_run_config", "make_flowchart_job", "op_name"]
