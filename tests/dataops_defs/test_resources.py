"""The shared resources: ops take the data root and time limit from the run settings resource."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from dataops.settings import Settings, get_settings
from dataops.spec import parse_flowchart
from dataops_defs.compiler import make_flowchart_job
from dataops_defs.resources import SETTINGS_KEY, RunSettings, make_resources
from module_library.discovery import discover

discover()

COPY = """
name: copy_orders
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: save, module: write_csv, params: {path: out/副本.csv}}
edges:
  - {from: load, to: save}
"""


def test_the_resource_is_bound_from_the_settings(tmp_path: Path) -> None:
    settings = Settings(data_root=tmp_path / "数据", step_timeout=30.0, storage_root=str(tmp_path / "storage"))
    run = make_resources(settings)[SETTINGS_KEY]
    assert isinstance(run, RunSettings)
    assert (run.data_root, run.step_timeout) == (str(tmp_path / "数据"), 30.0)
    assert run.data_root_resolved == (tmp_path / "数据").resolve()
    # Definitions.merge accepts a resource key twice only when it is the same object
    assert make_resources(settings)[SETTINGS_KEY] is run
    assert make_resources(settings)["io_manager"] is make_resources(settings)["io_manager"]


def test_ops_read_and_write_under_the_resources_data_root(workspace: Path) -> None:
    elsewhere = workspace / "另一个"
    shutil.copytree(workspace / "data", elsewhere)
    resources = {**make_resources(get_settings()), SETTINGS_KEY: RunSettings(data_root=str(elsewhere), step_timeout=None)}
    result = make_flowchart_job(parse_flowchart(COPY)).execute_in_process(resources=resources)
    assert result.success
    written = pd.read_csv(elsewhere / "out" / "副本.csv")
    assert len(written) == len(pd.read_csv(elsewhere / "sales.csv", encoding="gbk"))
    assert not (workspace / "data" / "out" / "副本.csv").exists()  # DATAOPS_DATA_ROOT was not asked
