"""Discovery: plugin files join, broken ones are reported with file and line, the rest still load."""

from __future__ import annotations

from pathlib import Path

import pytest

from module_library import registry
from module_library.discovery import discover

PLUGIN = '''
import pandas as pd
from module_library import module

@module(category="custom")
def {name}(data: pd.DataFrame, params) -> pd.DataFrame:
    """A plugin module."""
    return data
'''


@pytest.fixture
def plugins(tmp_path: Path):
    yield tmp_path
    discover(tmp_path / "none")  # forget the test's plugin files


def test_a_plugin_file_registers_its_modules(plugins: Path) -> None:
    (plugins / "mine.py").write_text(PLUGIN.format(name="my_step"))
    assert discover(plugins) == []
    assert registry.MODULES["my_step"].category == "custom"
    assert "mine.py" in registry.MODULES["my_step"].origin


def test_syntax_error_names_file_and_line_and_others_still_load(plugins: Path) -> None:
    (plugins / "good.py").write_text(PLUGIN.format(name="good_step"))
    (plugins / "broken.py").write_text("import pandas\n\ndef oops(:\n")
    problems = discover(plugins)
    assert [str(p) for p in problems] == [f"{plugins / 'broken.py'}: line 3: syntax error: invalid syntax"]
    assert "good_step" in registry.MODULES


def test_import_time_error_names_the_line(plugins: Path) -> None:
    (plugins / "raises.py").write_text("x = 1\nraise RuntimeError('boom')\n")
    (problem,) = discover(plugins)
    assert problem.message == "line 2: RuntimeError: boom"


def test_duplicate_module_in_a_plugin_is_reported_not_fatal(plugins: Path) -> None:
    (plugins / "dup.py").write_text(PLUGIN.format(name="filter_rows"))
    (problem,) = discover(plugins)
    assert "duplicate module name 'filter_rows'" in problem.message
    assert registry.MODULES["filter_rows"].origin.startswith("module_library.builtin.rows")


def test_removed_or_changed_files_are_forgotten(plugins: Path) -> None:
    path = plugins / "mine.py"
    path.write_text(PLUGIN.format(name="step_v1"))
    discover(plugins)
    path.write_text(PLUGIN.format(name="step_v2"))
    discover(plugins)
    assert "step_v2" in registry.MODULES and "step_v1" not in registry.MODULES
    path.unlink()
    discover(plugins)
    assert "step_v2" not in registry.MODULES


def test_files_starting_with_underscore_are_ignored(plugins: Path) -> None:
    (plugins / "_helpers.py").write_text("raise RuntimeError('not a plugin')\n")
    assert discover(plugins) == []


LOOKS_AROUND = '''
import threading
from pathlib import Path
from module_library import MODULES

seen = []
reader = threading.Thread(target=lambda: seen.append(sorted(n for n in ("step_v1", "step_v2", "filter_rows") if n in MODULES)))
reader.start()
reader.join()
Path(__file__).with_name("seen.txt").write_text(repr(seen[0]))
'''


def test_lookups_while_discovery_runs_see_the_whole_previous_registry(plugins: Path) -> None:
    path = plugins / "mine.py"
    path.write_text(PLUGIN.format(name="step_v1"))
    discover(plugins)
    path.write_text(PLUGIN.format(name="step_v2") + LOOKS_AROUND)  # looks from another thread while it loads
    assert discover(plugins) == []
    assert (plugins / "seen.txt").read_text() == "['filter_rows', 'step_v1']"
    assert "step_v2" in registry.MODULES and "step_v1" not in registry.MODULES
