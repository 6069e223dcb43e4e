"""Results as Markdown sections of docs/benchmarks.md and PNG plots in docs/img/.

Each benchmark owns one section between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`;
re-running a benchmark replaces only its section, so the prose around them (analysis, profiles)
stays as written.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT, load_average, machine

DOC = ROOT / "docs" / "benchmarks.md"
IMAGES = ROOT / "docs" / "img"


@dataclass
class Target:
    """A goal from the issue: `measured` compared with `limit` (at most, or at least)."""

    label: str
    measured: float
    limit: float
    unit: str = "x"
    at_least: bool = False

    @property
    def met(self) -> bool:
        return self.measured >= self.limit if self.at_least else self.measured <= self.limit

    def __str__(self) -> str:
        sign = "≥" if self.at_least else "≤"
        verdict = "met" if self.met else "**missed**"
        return f"{self.label}: {self.measured:.2f}{self.unit} (target {sign} {self.limit:g}{self.unit}) — {verdict}"


@dataclass
class Section:
    """One benchmark's results: a table, its targets, plots and notes."""

    name: str
    title: str
    intro: str
    headers: Sequence[str]
    rows: list[Sequence[object]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    settings: str = ""

    def markdown(self) -> str:
        stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
        lines = [f"## {self.title}", "", self.intro, ""]
        lines.append(f"_Run {stamp}: {self.settings}; load average {load_average()}._")
        lines += ["", table(self.headers, self.rows), ""]
        if self.targets:
            lines += [f"- {target}" for target in self.targets] + [""]
        lines += [f"{note}\n" for note in self.notes]
        lines += [f"![{self.title}](img/{image})\n" for image in self.images]
        return "\n".join(lines).rstrip() + "\n"

    def text(self) -> str:
        """For the terminal: the table and the targets."""
        lines = [f"== {self.title} ({self.settings})", table(self.headers, self.rows)]
        lines += [f"  {target}" for target in self.targets]
        return "\n".join(lines)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---:" if i else "---" for i in range(len(headers))) + "|",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _literal(text: str, _match: re.Match[str]) -> str:
    return text


def write(sections: Sequence[Section], doc: Path = DOC) -> None:
    """Replace (or append) each section in the document, and refresh the machine line."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else HEADER
    for section in sections:
        block = f"<!-- bench:{section.name} -->\n{section.markdown()}<!-- /bench:{section.name} -->"
        pattern = re.compile(rf"<!-- bench:{section.name} -->.*?<!-- /bench:{section.name} -->", re.DOTALL)
        text = (
            pattern.sub(functools.partial(_literal, block), text)
            if pattern.search(text)
            else text.rstrip() + "\n\n" + block + "\n"
        )
    machine_line = f"<!-- bench:machine -->Machine: {machine()}.<!-- /bench:machine -->"
    text = re.sub(r"<!-- bench:machine -->.*?<!-- /bench:machine -->", lambda _m: machine_line, text, flags=re.DOTALL)
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")


HEADER = """# Benchmarks

`python -m bench` runs every benchmark below and rewrites its section (and the plots in
`docs/img/bench-*.png`); `python -m bench --help` lists the size flags.

<!-- bench:machine -->Machine: (filled in by the run).<!-- /bench:machine -->
"""


def bar_chart(
    name: str,
    title: str,
    groups: Sequence[str],
    series: dict[str, Sequence[float]],
    ylabel: str,
    *,
    log: bool = False,
) -> str:
    """A grouped bar chart saved as docs/img/bench-NAME.png; returns the file name."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 3.6), dpi=100, layout="tight")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    positions = np.arange(len(groups))
    width = 0.8 / max(len(series), 1)
    for i, (label, values) in enumerate(series.items()):
        bars = axes.bar(positions + (i - (len(series) - 1) / 2) * width, values, width, label=label)
        axes.bar_label(bars, fmt="%.3g", fontsize=7, padding=1)
    axes.set_xticks(
        positions,
        groups,
        rotation=20 if len(groups) > 4 else 0,
        fontsize=8,
        ha="right" if len(groups) > 4 else "center",
    )
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=10)
    if log:
        axes.set_yscale("log")
    axes.legend(fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    file = f"bench-{name}.png"
    IMAGES.mkdir(parents=True, exist_ok=True)
    figure.savefig(IMAGES / file)
    return file
