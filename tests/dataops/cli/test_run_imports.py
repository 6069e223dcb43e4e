"""What a cold `dataops run` imports: pandas only when something needs it, and pandas plugins still run.

pyarrow itself imports pandas the first time it turns a Python value into Arrow (`pa.scalar`,
`pa.array`, `fill_null(False)`), which the built-in steps do; so the guarantee checked here is
that the project's own imports on a run's way (the CLI, the definitions built from the
flowcharts, every module and adapter) leave pandas out.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests.support.cli import PROJECT

BUILTINS = """\
name: city_totals
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: valid, module: filter_rows, params: {condition: "价格 IS NOT NULL AND 数量 > 0"}}
  - id: by_city
    module: group_aggregate
    params: {by: [城市], aggregations: [{column: 数量, function: sum, as: 件数}]}
  - {id: save, module: write_csv, params: {path: out/city_totals.csv}}
edges:
  - {from: load, to: valid}
  - {from: valid, to: by_city}
  - {from: by_city, to: save}
"""

PLUGIN = '''\
"""A pandas plugin module."""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from module_library import ModuleParams, module, require_columns


class Params(ModuleParams):
    column: str = Field(description="Text column to mark.")


@module(category="custom", params=Params)
def mark_city(data: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Append '市' to every value of a text column."""
    require_columns(data, [params.column], field="column")
    return data.assign(**{params.column: data[params.column] + "市"})
'''

WITH_PLUGIN = """\
name: marked_cities
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: mark, module: mark_city, params: {column: 城市}}
  - {id: save, module: write_csv, params: {path: out/marked.csv}}
edges:
  - {from: load, to: mark}
  - {from: mark, to: save}
"""

# What `dataops run` does before its first step (dataops/cli/run.py): load the plugins, every
# module and adapter, validate the flowchart, build its job and run config, open the instance.
RUN_IMPORTS = """\
import sys
from pathlib import Path

import dagster as dg

from dataops.cli import main, progress
from dataops.cli.run import parse_overrides
from dataops.flowcharts import load_flowchart
from dataops.settings import get_settings
from dataops_defs.compiler import run_config
from dataops_defs.standalone import reconstructable_job
from module_library import MODULES
from module_library.discovery import discover

assert not discover(get_settings().plugins)
assert {"read_csv", "filter_rows", "group_aggregate", "write_csv", "write_excel", "read_sql"} <= set(MODULES)
flowchart = load_flowchart(Path(sys.argv[1]))
reconstructable_job(flowchart).get_definition()
run_config(flowchart, parse_overrides(flowchart, []))
dg.DagsterInstance.get().dispose()
print("pandas" in sys.modules)
"""


def _python(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=workspace,
        env={**os.environ, "PYTHONPATH": str(PROJECT), "DATAOPS_WARM": "off"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_imports_of_a_cold_run_of_builtins_leave_pandas_out(workspace: Path) -> None:
    (workspace / "flowcharts" / "city_totals.yaml").write_text(BUILTINS, encoding="utf-8")
    imported = _python(workspace, "-c", RUN_IMPORTS, "flowcharts/city_totals.yaml")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "False", "a project module imports pandas at import time"

    run = _python(workspace, "-m", "dataops.cli.main", "run", "flowcharts/city_totals.yaml")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1].startswith("✓ city_totals succeeded in ")
    out = pd.read_csv(workspace / "data" / "out" / "city_totals.csv")
    assert list(out.columns) == ["城市", "件数"]
    assert len(out) > 0


def test_a_cold_run_with_a_pandas_plugin_module_still_works(workspace: Path) -> None:
    (workspace / "plugins" / "mark_city.py").write_text(PLUGIN, encoding="utf-8")
    (workspace / "flowcharts" / "marked_cities.yaml").write_text(WITH_PLUGIN, encoding="utf-8")
    run = _python(workspace, "-m", "dataops.cli.main", "run", "flowcharts/marked_cities.yaml")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1].startswith("✓ marked_cities succeeded in ")
    out = pd.read_csv(workspace / "data" / "out" / "marked.csv")
    assert len(out) > 0 and out["城市"].str.endswith("市").all()
