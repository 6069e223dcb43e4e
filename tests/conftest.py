"""Shared fixtures: an isolated data root, flowcharts folder and Dagster home per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dataops.settings import get_settings

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project-like folder: data/ (a copy of the samples), flowcharts/, plugins/, dagster home.

    The DATAOPS_* variables point into it, so nothing a test does touches the repository.
    """
    data = tmp_path / "data"
    shutil.copytree(PROJECT / "data", data, ignore=shutil.ignore_patterns("out"))
    for sub in ("flowcharts", "plugins", "dagster_home"):
        (tmp_path / sub).mkdir()
    (tmp_path / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DATAOPS_DATA_ROOT", str(data))
    monkeypatch.setenv("DATAOPS_FLOWCHARTS", str(tmp_path / "flowcharts"))
    monkeypatch.setenv("DATAOPS_PLUGINS", str(tmp_path / "plugins"))
    monkeypatch.setenv("DATAOPS_STORAGE_ROOT", str(tmp_path / "storage"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
