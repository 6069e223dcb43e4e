"""Data-root confinement."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from adapters.paths import resolve_data_path
from dataops.errors import AdapterError, Where


def test_relative_paths_resolve_inside_the_root(tmp_path: Path) -> None:
    assert resolve_data_path("a/b.csv", tmp_path) == tmp_path.resolve() / "a" / "b.csv"
    assert resolve_data_path("a/../b.csv", tmp_path) == tmp_path.resolve() / "b.csv"


@pytest.mark.parametrize("path", ["../x.csv", "/etc/passwd", "a/../../x.csv", "~/x.csv"])
def test_escapes_are_refused_naming_the_node(tmp_path: Path, path: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(AdapterError, match=r"^f › n › path: '.*' resolves outside the data root"):
        resolve_data_path(path, root, where=Where("f", "n", "path"))


def test_absolute_path_inside_the_root_is_fine(tmp_path: Path) -> None:
    assert resolve_data_path(str(tmp_path / "x.csv"), tmp_path) == tmp_path.resolve() / "x.csv"


def test_symlink_pointing_out_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret.csv").write_text("s\n")
    os.symlink(tmp_path / "secret.csv", root / "link.csv")
    with pytest.raises(AdapterError, match="resolves outside the data root"):
        resolve_data_path("link.csv", root)


@pytest.mark.parametrize("path", [r"C:\data\x.csv", r"..\x.csv", r"\\server\share\x.csv"])
def test_windows_paths_get_a_hint(tmp_path: Path, path: str) -> None:
    with pytest.raises(AdapterError, match="is a Windows path; use forward slashes"):
        resolve_data_path(path, tmp_path)
