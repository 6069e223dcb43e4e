"""`dataops validate`: exit codes 0/1/2 and one line per problem."""

from __future__ import annotations

from pathlib import Path


def test_valid_files_exit_0(cli, workspace: Path) -> None:
    result = cli("validate", "flowcharts/sales_by_city.yaml", "flowcharts/orders_with_customers.json")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "ok: flowcharts/sales_by_city.yaml (sales_by_city: 6 nodes, 5 edges)",
        "ok: flowcharts/orders_with_customers.json (orders_with_customers: 6 nodes, 5 edges)",
    ]


def test_no_arguments_validates_the_flowcharts_folder(cli) -> None:
    result = cli("validate")
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 2


def test_invalid_file_exits_1_with_located_lines_and_no_traceback(cli, workspace: Path) -> None:
    (workspace / "flowcharts" / "bad.yaml").write_text(
        "name: bad\nnodes:\n  - {id: a, module: read_cvs, params: {path: x.csv}}\n"
        "  - {id: b, module: filter_rows, params: {conditon: x}}\nedges:\n  - {from: a, to: b}\n",
        encoding="utf-8",
    )
    result = cli("validate", "flowcharts/bad.yaml")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "flowcharts/bad.yaml: bad › a › module: unknown module 'read_cvs'; did you mean 'read_csv'?",
        "flowcharts/bad.yaml: bad › b › params.condition: missing required param 'condition' (filter_rows expects: condition)",
        "flowcharts/bad.yaml: bad › b › params.conditon: unknown param 'conditon'; did you mean 'condition'? (filter_rows expects: condition)",
    ]
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(cli) -> None:
    missing = cli("validate", "nope.yaml")
    assert missing.returncode == 2 and missing.stderr.strip() == "error: no such file: nope.yaml"
    assert cli("validate", "--bogus").returncode == 2


def test_strict_fails_on_duplicate_names_and_plugin_problems(cli, workspace: Path) -> None:
    copy = workspace / "flowcharts" / "copy.yaml"
    copy.write_text((workspace / "flowcharts" / "sales_by_city.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert cli("validate").returncode == 0
    strict = cli("validate", "--strict")
    assert strict.returncode == 1
    assert "flowcharts/sales_by_city.yaml: sales_by_city › name: also used by flowcharts/copy.yaml" in strict.stderr
    copy.unlink()
    (workspace / "plugins" / "broken.py").write_text("def oops(:\n")
    lenient = cli("validate")
    assert lenient.returncode == 0 and "warning: plugin" in lenient.stderr and "line 1: syntax error" in lenient.stderr
    assert cli("validate", "--strict").returncode == 1
