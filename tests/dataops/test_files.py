"""Atomic replacement: the target is the old file or the whole new one, and no temporary stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from upath import UPath

from dataops.files import atomic_target, write_text_atomically


def test_the_block_writes_a_temporary_that_replaces_the_target(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    with atomic_target(target) as temporary:
        temporary.write_text("new", encoding="utf-8")
        assert temporary.parent == tmp_path and temporary.name.startswith(".")
        assert target.read_text(encoding="utf-8") == "old"  # readers see the old file meanwhile
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_a_failing_block_keeps_the_old_file_and_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError, match="disk full"), atomic_target(target) as temporary:
        temporary.write_text("half", encoding="utf-8")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_a_block_that_writes_nothing_fails_and_leaves_no_trace(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), atomic_target(tmp_path / "never.csv"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_target_name_of_255_bytes_can_be_written(tmp_path: Path) -> None:
    """The temporary's name does not grow with the target's: any legal name can be replaced."""
    name = "销" * 80 + "x" * 11 + ".csv"  # 240 + 11 + 4 = 255 bytes in UTF-8
    assert len(name.encode()) == 255
    path = write_text_atomically(tmp_path / name, "a,b\n", durable=True)
    assert path.read_text(encoding="utf-8") == "a,b\n"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_durable_replacement_of_unicode_text(tmp_path: Path) -> None:
    target = write_text_atomically(tmp_path / "f.json", '{"名": "销售"}\n', durable=True)
    assert target.read_bytes() == '{"名": "销售"}\n'.encode()


def test_fsspec_paths_are_replaced_too() -> None:
    target = UPath("memory:///dataops-files-test/out.arrow")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"old")
    with atomic_target(target) as temporary:
        temporary.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in target.parent.iterdir()] == ["out.arrow"]
