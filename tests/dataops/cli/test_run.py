"""`dataops run`: progress, exit codes, the run in the instance, overrides, no traceback."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd


def test_success_prints_each_node_and_records_the_run(cli, workspace: Path) -> None:
    result = cli("run", "flowcharts/sales_by_city.yaml")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("▶ sales_by_city  run ")
    nodes = [line.split()[1] for line in lines[1:-1]]
    assert nodes == ["load", "valid", "revenue", "by_city", "rank", "save"]
    assert "240 rows × 4 cols" in lines[1]  # pushdown: 4 of the 7 columns are ever used
    assert lines[-1].startswith("✓ sales_by_city succeeded in ")
    run_id = lines[0].split()[3]
    with dg.DagsterInstance.from_config(str(workspace / "dagster_home")) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS and run.job_name == "sales_by_city"
    out = pd.read_csv(workspace / "data" / "out" / "sales_by_city.csv")
    assert list(out.columns) == ["城市", "销售额", "订单数", "价格_mean"]
    assert out["销售额"].is_monotonic_decreasing


def test_failure_names_the_node_and_the_error_without_traceback(cli, workspace: Path) -> None:
    result = cli("run", "flowcharts/sales_by_city.yaml", "--set", "valid.condition=价钱 > 1")
    assert result.returncode == 1
    assert "✗ valid" in result.stdout
    assert "failing node: valid (filter_rows)" in result.stderr
    assert "sales_by_city › valid › condition: unknown column '价钱'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (workspace / "data" / "out" / "sales_by_city.csv").exists()


def test_set_overrides_a_param_for_one_run(cli, workspace: Path) -> None:
    result = cli(
        "run", "flowcharts/sales_by_city.yaml", "--set", "save.path=out/custom.csv", "--set", "rank.descending=false"
    )
    assert result.returncode == 0, result.stderr
    out = pd.read_csv(workspace / "data" / "out" / "custom.csv")
    assert out["销售额"].is_monotonic_increasing
    assert "save.csv" not in (workspace / "flowcharts" / "sales_by_city.yaml").read_text(encoding="utf-8")


def test_bad_overrides(cli) -> None:
    malformed = cli("run", "flowcharts/sales_by_city.yaml", "--set", "nodot=1")
    assert malformed.returncode == 2 and "expected NODE.PARAM=VALUE" in malformed.stderr
    unknown_node = cli("run", "flowcharts/sales_by_city.yaml", "--set", "nope.path=x")
    assert unknown_node.returncode == 2 and "sales_by_city has no node 'nope'" in unknown_node.stderr
    misspelt = cli("run", "flowcharts/sales_by_city.yaml", "--set", "save.pth=x")
    assert misspelt.returncode == 1
    assert "--set: sales_by_city › save › params.pth: unknown param 'pth'; did you mean 'path'?" in misspelt.stderr


def test_invalid_flowchart_exits_1_before_running(cli, workspace: Path) -> None:
    (workspace / "flowcharts" / "bad.yaml").write_text("name: bad\nnodes: []\n", encoding="utf-8")
    result = cli("run", "flowcharts/bad.yaml")
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "flowcharts/bad.yaml: bad › nodes: list should have at least 1 item after validation, not 0"
    )


def test_missing_dagster_yaml_works(cli, workspace: Path) -> None:
    (workspace / "dagster_home" / "dagster.yaml").unlink()
    assert cli("run", "flowcharts/orders_with_customers.json").returncode == 0
