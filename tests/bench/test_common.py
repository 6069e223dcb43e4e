"""Benchmark helpers: deterministic data, measured processes, alternating runs."""

from __future__ import annotations

import sys

import pytest

from bench import common


def test_sales_table_is_deterministic_per_chunk_and_has_ten_columns() -> None:
    first, again = common.sales_table(1000), common.sales_table(1000)
    assert first.equals(again) and first.num_columns == 10
    assert not common.sales_table(1000, offset=1000).equals(first)
    assert common.sales_table(1000, offset=1000).column("order_id")[0].as_py() == 1000


def test_csv_is_written_in_chunks_with_one_header(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "WORK", tmp_path)
    monkeypatch.setattr(common, "CHUNK_ROWS", 400)
    lines = common.sales_csv(1000).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("order_id,city,") and len(lines) == 1001
    assert [line.split(",")[0] for line in lines[1:]] == [str(i) for i in range(1000)]


def test_run_process_measures_the_child_not_its_parent() -> None:
    ballast = bytearray(300 * 2**20)  # a big parent must not inflate the child's peak
    process = common.run_process([sys.executable, "-c", "print('hi')"])
    assert process.output == "hi\n" and process.seconds > 0 and process.peak_mib < 200
    del ballast


def test_run_process_stops_on_failure_with_the_output() -> None:
    with pytest.raises(SystemExit, match="boom"):
        common.run_process([sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"])


def test_alternate_interleaves_the_variants() -> None:
    order: list[str] = []
    runs = common.alternate({"a": lambda: order.append("a") or 1.0, "b": lambda: order.append("b") or 2.0}, 2)
    assert order == ["a", "b", "a", "b"] and runs == {"a": [1.0, 1.0], "b": [2.0, 2.0]}
