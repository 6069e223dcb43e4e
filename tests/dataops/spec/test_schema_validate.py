"""`dataops validate` reports what schema propagation finds, before anything runs (issue 18)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[3]

FLOWCHART = """\
name: wrong_column
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: big, module: filter_rows, params: {condition: "价钱 > 90"}}
  - {id: broken, module: filter_rows, params: {condition: "价格 >"}}
  - {id: other, module: read_csv, params: {path: nowhere.csv}}
edges:
  - {from: load, to: big}
  - {from: load, to: broken}
"""


def test_validate_reports_columns_syntax_and_files_before_a_run(workspace: Path) -> None:
    (workspace / "flowcharts" / "wrong.yaml").write_text(FLOWCHART, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "dataops.cli.main", "validate", "flowcharts/wrong.yaml"],
        cwd=workspace,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    data = workspace / "data"
    assert result.stderr.splitlines() == [
        f"flowcharts/wrong.yaml: wrong_column › other › params.path: csv file '{data / 'nowhere.csv'}' does not exist",
        "flowcharts/wrong.yaml: wrong_column › big › params.condition: unknown column '价钱' "
        "(available: 订单号, 城市, 产品, 价格, 数量, 日期, 客户); did you mean '价格'?",
        "flowcharts/wrong.yaml: wrong_column › broken › params.condition: syntax error: `价格 >` ends with '>', "
        "and something is missing after it",
    ]
    assert result.stdout == ""
