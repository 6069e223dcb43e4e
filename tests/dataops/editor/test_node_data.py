"""Kept outputs of editor runs: only each flowchart's newest runs keep theirs."""

from __future__ import annotations

from pathlib import Path

from dataops.editor.node_data import keep_latest


def _run(storage: Path, run_id: str) -> None:
    (storage / run_id / "sales__flowchart.sales__load").mkdir(parents=True)
    (storage / run_id / "sales__flowchart.sales__load" / "result.arrow").write_bytes(b"x")


def test_only_the_newest_runs_of_a_flowchart_keep_their_outputs(tmp_path: Path) -> None:
    for n in range(5):
        _run(tmp_path, f"run-{n}")
        assert keep_latest(str(tmp_path), "sales", f"run-{n}", keep=3) == ([f"run-{n - 3}"] if n >= 3 else [])
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["run-2", "run-3", "run-4"]
    _run(tmp_path, "other-0")
    assert keep_latest(str(tmp_path), "other", "other-0", keep=3) == []  # each flowchart counts its own
    assert keep_latest(str(tmp_path), "sales", "run-4", keep=3) == []  # the same run twice is one run
    assert (tmp_path / ".editor-runs" / "sales.txt").read_text().split() == ["run-2", "run-3", "run-4"]
    assert (tmp_path / "other-0").is_dir()


def test_a_run_whose_outputs_are_already_gone_is_dropped_quietly(tmp_path: Path) -> None:
    keep_latest(str(tmp_path), "sales", "never-written", keep=1)
    assert keep_latest(str(tmp_path), "sales", "next", keep=1) == ["never-written"]
