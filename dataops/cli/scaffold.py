"""`dataops new-module NAME`: a working plugin module and its test, ready to edit.

The module goes to `<plugins>/NAME.py`, the test to `<plugins>/tests/test_NAME.py`: beside the
plugin so the folder stays self-contained, and in a subfolder because every `*.py` directly in
the plugin folder is loaded as a plugin. Run the test with `pytest <plugins>/tests`.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path
from string import Template

import click

from module_library.discovery import discover
from module_library.registry import MODULES

NAME = re.compile(r"^[a-z][a-z0-9_]*$")

MODULE_TEMPLATE = Template('''\
"""The $name plugin module (the function's docstring is what the palette shows)."""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from module_library import ModuleParams, module, require_columns


class Params(ModuleParams):
    column: str = Field(description="Text column to change.")
    suffix: str = Field("!", description="Text appended to every value.")


@module(category="custom", params=Params)
def $name(data: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Append a suffix to every value of a text column (nulls stay null)."""
    require_columns(data, [params.column], field="column")
    return data.assign(**{params.column: data[params.column] + params.suffix})
''')

TEST_TEMPLATE = Template('''\
"""The $name plugin module on small tables: a result and an error."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dataops.errors import ModuleError
from module_library import get_module
from module_library.discovery import discover

PLUGINS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def spec():
    problems = [p for p in discover(PLUGINS) if Path(p.source).name == "$name.py"]
    assert not problems, problems
    return get_module("$name")


def test_appends_the_suffix(spec) -> None:
    data = pd.DataFrame({"城市": ["北京", None]})
    out = spec.run({"data": data}, spec.params(column="城市"))["result"].to_pandas()  # modules return Arrow
    pd.testing.assert_frame_equal(out, pd.DataFrame({"城市": ["北京!", None]}))


def test_unknown_column_is_named(spec) -> None:
    with pytest.raises(ModuleError, match="unknown column 'city'"):
        spec.run({"data": pd.DataFrame({"城市": ["北京"]})}, spec.params(column="city"))
''')


class ScaffoldError(Exception):
    """The files cannot be written; `exit_code` is 2 for a bad name, 1 for a conflict."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def scaffold_module(name: str, plugins: Path) -> list[Path]:
    """Write the module and its test into `plugins`; nothing is written if either exists."""
    if not NAME.match(name) or keyword.iskeyword(name):
        raise ScaffoldError(
            f"'{name}' is not a valid module name: use lower-case letters, digits and _, starting with a letter",
            exit_code=2,
        )
    module_file, test_file = plugins / f"{name}.py", plugins / "tests" / f"test_{name}.py"
    taken = [str(f) for f in (module_file, test_file) if f.exists()]
    if taken:
        raise ScaffoldError(f"{' and '.join(taken)} exist{'s' if len(taken) == 1 else ''} already; nothing written", 1)
    discover(plugins)
    existing = MODULES.get(name)
    if existing is not None:
        raise ScaffoldError(f"a module named '{name}' exists already: {existing.origin}", exit_code=1)
    test_file.parent.mkdir(parents=True, exist_ok=True)
    module_file.write_text(MODULE_TEMPLATE.substitute(name=name), encoding="utf-8")
    test_file.write_text(TEST_TEMPLATE.substitute(name=name), encoding="utf-8")
    return [module_file, test_file]


def new_module(name: str, plugins: Path) -> int:
    """The command: report the files written, or why not; returns the exit code."""
    try:
        written = scaffold_module(name, plugins)
    except ScaffoldError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: edit {written[0]}, then run: pytest {written[1]}")
    return 0
