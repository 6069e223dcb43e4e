"""`dataops new-module`: a plugin module and its passing test; refusals with exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[3]


def test_scaffolded_module_is_listed_and_its_test_passes(cli, workspace: Path) -> None:
    result = cli("new-module", "shout_text")
    assert result.returncode == 0, result.stderr
    module_file = workspace / "plugins" / "shout_text.py"
    test_file = workspace / "plugins" / "tests" / "test_shout_text.py"
    assert result.stdout.splitlines()[:2] == [f"created {module_file}", f"created {test_file}"]
    listed = {m["name"]: m for m in json.loads(cli("modules", "--json").stdout)["modules"]}
    assert listed["shout_text"]["category"] == "custom"
    assert listed["shout_text"]["params_schema"]["required"] == ["column"]
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=workspace,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout


def test_existing_files_are_refused_and_kept(cli, workspace: Path) -> None:
    module_file = workspace / "plugins" / "mine.py"
    module_file.write_text("# my work\n", encoding="utf-8")
    result = cli("new-module", "mine")
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {module_file} exists already; nothing written"
    assert module_file.read_text(encoding="utf-8") == "# my work\n"
    assert not (workspace / "plugins" / "tests" / "test_mine.py").exists()


def test_a_registered_name_is_refused(cli) -> None:
    result = cli("new-module", "union")
    assert result.returncode == 1
    assert result.stderr.startswith("error: a module named 'union' exists already: module_library.builtin.combine")


def test_invalid_names_are_refused(cli, workspace: Path) -> None:
    for name in ("Shout", "2fast", "with-dash", "class", "名字"):
        result = cli("new-module", name)
        assert result.returncode == 2, name
        assert f"error: '{name}' is not a valid module name" in result.stderr
    assert list((workspace / "plugins").iterdir()) == []
