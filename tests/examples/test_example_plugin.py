"""The example plugin package, pip-installed into a temporary folder, shows up through its entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
EXAMPLE = PROJECT / "examples" / "dataops-example-plugin"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package installed with pip into its own folder (built from a copy: the checkout stays clean)."""
    root = tmp_path_factory.mktemp("example_plugin")
    shutil.copytree(EXAMPLE, root / "src", ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    target = root / "site"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*pip, "--no-warn-script-location", "--target", str(target), str(root / "src")],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return target


def _env(site: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(PROJECT)])}


def test_installed_package_registers_mask_phone(site: Path, workspace: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dataops.cli.main", "modules", "--json"],
        cwd=workspace,
        env=_env(site),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    assert listing["plugin_problems"] == []
    modules = {m["name"]: m for m in listing["modules"]}
    mask_phone = modules["mask_phone"]
    assert mask_phone["category"] == "privacy"
    assert mask_phone["description"] == "Mask Chinese mobile numbers: 13812341234 becomes 138****1234."
    assert mask_phone["params_schema"]["required"] == ["columns"]
    assert str(site) in mask_phone["origin"]


def test_without_the_package_there_is_no_mask_phone(workspace: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dataops.cli.main", "modules", "--json"],
        cwd=workspace,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "mask_phone" not in {m["name"] for m in json.loads(result.stdout)["modules"]}


def test_the_package_own_tests_pass(site: Path, workspace: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "tests")],
        cwd=workspace,
        env=_env(site),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
