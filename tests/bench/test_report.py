"""The benchmark report: targets, Markdown tables, sections replaced in place, plots written."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import report
from bench.report import Section, Target, table, write


def test_a_target_says_whether_it_is_met_either_way() -> None:
    assert Target("ratio", 0.8, 1.0).met and not Target("ratio", 1.2, 1.0).met
    assert Target("speed-up", 25, 20, at_least=True).met and not Target("speed-up", 5, 20, at_least=True).met
    assert str(Target("ratio", 1.2, 1.0)) == "ratio: 1.20x (target ≤ 1x) — **missed**"
    assert str(Target("load", 4.2, 5, unit=" s")) == "load: 4.20 s (target ≤ 5 s) — met"


def test_table_formats_numbers_for_reading() -> None:
    assert table(["rows", "s"], [[1000000, 0.12345], [10, 12.5]]).splitlines() == [
        "| rows | s |",
        "|---|---:|",
        "| 1,000,000 | 0.123 |",
        "| 10 | 12.5 |",
    ]


def _section(name: str, value: float) -> Section:
    return Section(
        name=name, title=f"{name} title", intro="What it measures.", headers=["a"], rows=[[value]], settings="tiny"
    )


def test_write_replaces_only_the_sections_that_ran(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "machine", lambda: "2 cores")
    doc = tmp_path / "benchmarks.md"
    write([_section("one", 1.0), _section("two", 2.0)], doc)
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("<!-- bench:two -->", "Hand-written analysis.\n\n<!-- bench:two -->"), encoding="utf-8")
    write([_section("one", 3.0)], doc)
    text = doc.read_text(encoding="utf-8")
    assert "| 3.000 |" in text and "| 1.000 |" not in text and "| 2.000 |" in text
    assert "Hand-written analysis." in text
    assert text.count("<!-- bench:one -->") == 1 and "Machine: 2 cores." in text


def test_bar_chart_writes_a_png(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "IMAGES", tmp_path)
    name = report.bar_chart("test", "title", ["a", "b"], {"x": [1.0, 2.0], "y": [3.0, 4.0]}, "s", log=True)
    assert name == "bench-test.png" and (tmp_path / name).read_bytes().startswith(b"\x89PNG")
