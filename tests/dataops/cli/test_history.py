"""`dataops history FILE`: the versions with their changes, --record, --revert."""

from __future__ import annotations

from pathlib import Path


def test_record_list_and_revert(cli, workspace: Path) -> None:
    file = workspace / "flowcharts" / "sales_by_city.yaml"
    original = file.read_text(encoding="utf-8")
    result = cli("history", "flowcharts/sales_by_city.yaml")
    assert result.returncode == 0
    assert result.stdout.startswith("flowcharts/sales_by_city.yaml: no versions yet")

    assert cli("history", "flowcharts/sales_by_city.yaml", "--record").stdout.startswith("recorded ")
    file.write_text(original.replace("function: sum, as: 销售额", "function: max, as: 销售额"), encoding="utf-8")
    assert cli("history", "flowcharts/sales_by_city.yaml", "--record").returncode == 0

    result = cli("history", "flowcharts/sales_by_city.yaml")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith(" UTC  cli")
    assert lines[1].startswith("    ~ node by_city: param aggregations ") and "max" in lines[1]
    first = [line for line in lines if not line.startswith(" ")][1].split()[0]
    assert "    + node load (read_csv)" in lines

    result = cli("history", "flowcharts/sales_by_city.yaml", "--revert", first)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"reverted flowcharts/sales_by_city.yaml to {first} (recorded as ")
    assert file.read_text(encoding="utf-8") == original
    assert cli("history", "flowcharts/sales_by_city.yaml").stdout.splitlines()[0].endswith(" UTC  revert")


def test_unknown_version_and_missing_file(cli) -> None:
    result = cli("history", "flowcharts/sales_by_city.yaml", "--revert", "20260101T000000.000000Z-cli")
    assert result.returncode == 1
    assert result.stderr == (
        "error: sales_by_city.yaml has no version '20260101T000000.000000Z-cli' "
        "(see `dataops history sales_by_city.yaml`)\n"
    )
    result = cli("history", "flowcharts/nothing.yaml")
    assert result.returncode == 2
    assert result.stderr.startswith("error: no such file: flowcharts/nothing.yaml (and no history of it in ")
