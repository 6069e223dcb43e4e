"""The example flowchart excel_join_database, run by `dataops run` and checked against a pandas reference."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pandas as pd

from tests.support.cli import dataops

PROJECT = Path(__file__).resolve().parents[2]
FLOWCHART = PROJECT / "flowcharts" / "excel_join_database.yaml"


def test_excel_join_database_matches_pandas(workspace: Path) -> None:
    shutil.copy(FLOWCHART, workspace / "flowcharts" / FLOWCHART.name)
    validated = dataops("validate", f"flowcharts/{FLOWCHART.name}", cwd=workspace)
    assert validated.returncode == 0, validated.stderr
    ran = dataops("run", f"flowcharts/{FLOWCHART.name}", cwd=workspace)
    assert ran.returncode == 0, ran.stdout + ran.stderr

    data = workspace / "data"
    regions = pd.read_excel(data / "regions.xlsx", sheet_name="区域", header=1, engine="openpyxl")
    with sqlite3.connect(data / "warehouse.sqlite") as connection:
        targets = pd.read_sql("SELECT 城市, 目标 FROM targets WHERE 年份 = 2026", connection)
    connection.close()
    cities = regions.merge(targets, on="城市", how="left")
    pd.testing.assert_frame_equal(pd.read_parquet(data / "out" / "city_targets.parquet"), cities)
    report = (
        cities.groupby(["区域", "经理"], as_index=False)
        .agg(区域目标=("目标", "sum"), 城市数=("城市", "count"))
        .sort_values("区域目标", ascending=False, ignore_index=True)
    )
    pd.testing.assert_frame_equal(pd.read_csv(data / "out" / "region_targets.csv"), report)
