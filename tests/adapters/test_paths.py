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


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("in\x00box/x.csv", r"path 'in\\x00box/x.csv' contains a NUL byte \(\\x00\), which no file name can hold"),
        ("a\ud800.csv", r"path 'a\\ud800.csv' is not valid Unicode text \(character 2\)"),
        (
            "inbox/" + "n" * 296 + ".csv",
            r"path component 'n{60}…' \(300 characters\) is 300 bytes long; a file or folder name is limited "
            r"to 255 bytes \(in UTF-8, a Chinese character takes 3\)",
        ),
        ("报" * 86 + ".csv", r"path component '报{60}…' \(90 characters\) is 262 bytes long; .* limited to 255 bytes .*"),
        (
            "d/" * 2_500 + "f.csv",
            r"path 'd/d/d/.*…' \(5,005 characters\) is [\d,]+ bytes long inside the data root; "
            r"paths are limited to 4,095 bytes",
        ),
    ],
    ids=["nul", "surrogate", "long-name", "long-chinese-name", "long-path"],
)
def test_paths_no_system_could_open_are_refused_naming_the_node(tmp_path: Path, path: str, message: str) -> None:
    """These used to escape as a bare ValueError or OSError ('File name too long') with a traceback."""
    with pytest.raises(AdapterError, match=rf"^f › n › path: {message}$"):
        resolve_data_path(path, tmp_path, where=Where("f", "n", "path"))


def test_names_of_255_bytes_and_long_paths_within_the_limit_are_fine(tmp_path: Path) -> None:
    name = "报" * 83 + ".csv"  # 253 bytes
    assert resolve_data_path(f"a/{name}", tmp_path) == tmp_path.resolve() / "a" / name
    assert resolve_data_path("n" * 255, tmp_path).name == "n" * 255
    deep = "d/" * 1_000 + "f.csv"
    assert resolve_data_path(deep, tmp_path) == tmp_path.resolve() / deep
