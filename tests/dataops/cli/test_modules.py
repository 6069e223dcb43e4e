"""`dataops modules`: every module with category, ports and params schema."""

from __future__ import annotations

import json


def test_json_lists_every_module_with_schema(cli) -> None:
    result = cli("modules", "--json")
    assert result.returncode == 0, result.stderr
    modules = {m["name"]: m for m in json.loads(result.stdout)["modules"]}
    for name in (
        "read_csv",
        "write_csv",
        "select_columns",
        "filter_rows",
        "derive_column",
        "group_aggregate",
        "sort_rows",
        "join",
    ):
        assert name in modules
    join = modules["join"]
    assert join["category"] == "combine"
    assert [p["name"] for p in join["inputs"]] == ["left", "right"] and join["outputs"] == ["result"]
    assert join["params_schema"]["properties"]["how"]["default"] == "inner"
    assert modules["read_csv"]["params_schema"]["required"] == ["path"]


def test_text_listing_groups_by_category(cli) -> None:
    result = cli("modules")
    assert result.returncode == 0
    assert "combine:" in result.stdout and "  join" in result.stdout
