"""A full disk under a sink's folder or under the intermediates: a clear error and no partial file.

The disk is a 2 MB tmpfs (mounting needs root; without it the tests skip and say why).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

DISK_BYTES = 2 << 20
FLOW = """
name: full
nodes:
  - {id: load, module: read_csv, params: {path: big.csv}}
  - {id: save, module: write_csv, params: {path: out/big_copy.csv}}
edges: [{from: load, to: save}]
"""


@pytest.fixture
def small_disk() -> Iterator[Callable[[Path], Path]]:
    """Mount a 2 MB tmpfs on a folder (created if missing); unmounted after the test."""
    mounted: list[Path] = []

    def mount(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(folder)], capture_output=True, text=True
        )
        if done.returncode:
            pytest.skip(f"cannot mount a small tmpfs to fill up: {done.stderr.strip() or done.returncode}")
        mounted.append(folder)
        return folder

    try:
        yield mount
    finally:
        for folder in mounted:
            subprocess.run(["umount", "--lazy", str(folder)], check=True)


@pytest.fixture
def big_csv(workspace: Path) -> Path:
    """About 6 MB of rows: more than the small disk holds as CSV or as an Arrow intermediate."""
    path = workspace / "data" / "big.csv"
    rows = "".join(f"{i},城市{i % 97},{i * 1.5:.2f},{'x' * 20}\n" for i in range(150_000))
    path.write_text("id,city,price,note\n" + rows, encoding="utf-8")
    return path


def test_sink_on_a_full_disk(workspace: Path, small_disk, big_csv: Path, flowchart, cli) -> None:
    out = small_disk(workspace / "data" / "out")
    (out / "big_copy.csv").write_text("the previous output\n", encoding="utf-8")
    flowchart("full", FLOW)
    result = cli("run", "flowcharts/full.yaml")
    assert result.returncode == 1
    assert "failing node: save (write_csv)" in result.stderr
    assert "full › save: cannot write csv file" in result.stderr
    assert "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["big_copy.csv"]  # no temporary left
    assert (out / "big_copy.csv").read_text(encoding="utf-8") == "the previous output\n"


def test_intermediates_on_a_full_disk(workspace: Path, small_disk, big_csv: Path, flowchart, cli) -> None:
    storage = small_disk(workspace / "small_storage")
    flowchart("full", FLOW)
    # Within one process the steps hand tables over in memory; a run that succeeds stores nothing.
    result = cli("run", "flowcharts/full.yaml", DATAOPS_STORAGE_ROOT=str(storage))
    assert result.returncode == 0, result.stderr
    assert [str(p) for p in storage.rglob("*") if p.is_file()] == []  # nothing written, nothing half-written
    assert (workspace / "data" / "out" / "big_copy.csv").is_file()
