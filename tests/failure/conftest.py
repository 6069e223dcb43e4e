"""Fault injection through real runs: the `workspace` fixture, plugin modules that misbehave, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tmp_path() -> Iterator[Path]:
    """Under the system's temp folder, not pytest's basetemp: concurrent pytest sessions prune
    each other's old basetemps, and these runs last long enough to lose theirs."""
    with tempfile.TemporaryDirectory(prefix="dataops-failure-") as folder:
        yield Path(folder)


def _writer(folder: Path, suffix: str) -> Callable[[str, str], Path]:
    """`write(name, text)`: the dedented text as `<folder>/<name><suffix>`."""

    def write(name: str, text: str) -> Path:
        path = folder / f"{name}{suffix}"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def plugin(workspace: Path) -> Callable[[str, str], Path]:
    """Write a plugin module file `<name>.py` into the workspace's plugins folder."""
    return _writer(workspace / "plugins", ".py")


@pytest.fixture
def flowchart(workspace: Path) -> Callable[[str, str], Path]:
    """Write a flowchart `<name>.yaml` into the workspace's flowcharts folder."""
    return _writer(workspace / "flowcharts", ".yaml")


@pytest.fixture
def cli(workspace: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`dataops ARGS...` in a subprocess with the workspace's environment (and `preexec_fn`, say a limit)."""

    def call(*args: str, preexec_fn: Callable[[], Any] | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dataops.cli.main", *args],
            cwd=workspace,
            env={**os.environ, "PYTHONPATH": str(PROJECT), **env},
            capture_output=True,
            text=True,
            timeout=300,
            preexec_fn=preexec_fn,
        )

    return call
