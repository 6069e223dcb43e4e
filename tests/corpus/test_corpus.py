"""The bad-input corpus (cases.yaml) through the real `dataops` command, in a throw-away workspace.

Flowchart cases go through one `dataops validate` of all their files; the chains of each
category become the branches of one flowchart `corpus_<category>`, run once with `dataops run`
(a failing branch never stops the others, so every case gets its own outcome). Every case must
end in `ok` or in its located message, with no traceback, nothing written outside the data root
and no partial file; afterwards the same workspace still runs a sample flowchart.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest
import yaml

from tests.corpus.make_corpus import TEXTS, make_corpus

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]
MANIFEST = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
CANARY = "outside the data root: nobody may read or replace this\n"
TRACEBACK = re.compile(r"Traceback|Stack Trace|File \"[^\"]+\", line \d+")  # Python's, or Dagster's error info
ESCAPES = [Path("/tmp/dataops-corpus-escape.json"), Path("/tmp/dataops-corpus-copy.csv"), Path("/tmp/dataops-pwned")]


@dataclass(frozen=True)
class Case:
    category: str
    name: str
    expect: list[str] | None  # None: the input is readable
    file: str | None = None
    nodes: list[dict[str, Any]] = field(default_factory=list)
    stage: str = "validate"
    field: str | None = None
    columns: list[str] | None = None
    rows: int | None = None

    @classmethod
    def read(cls, category: str, entry: dict[str, Any]) -> Case:
        expect = None if entry["expect"] == "ok" else list(entry["expect"])
        stage = entry.get("stage", "validate" if "file" in entry else "run")
        return cls(
            category,
            entry["case"],
            expect,
            entry.get("file"),
            entry.get("nodes", []),
            stage,
            entry.get("field"),
            entry.get("columns"),
            entry.get("rows"),
        )

    @property
    def flowchart(self) -> str:
        return f"corpus_{self.category}" if self.stage == "run" else f"corpus_{self.name}"


CASES = [Case.read(category, entry) for category, entries in MANIFEST.items() for entry in entries]


@dataclass
class Outcome:
    """What the command said about one case."""

    ok: bool
    text: str  # the problem lines (validate) or the failure message (run)
    output: Path | None = None


@dataclass
class Corpus:
    workspace: Path
    outcomes: dict[str, Outcome]
    transcripts: list[subprocess.CompletedProcess[str]]
    before: set[str]
    run_ids: list[str]

    def call(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return dataops(self.workspace, *args, timeout=timeout)


def dataops(workspace: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATAOPS_", "DAGSTER_"))}
    env.update(
        PYTHONPATH=str(PROJECT),
        DATAOPS_DATA_ROOT=str(workspace / "data"),
        DATAOPS_FLOWCHARTS=str(workspace / "flowcharts"),
        DATAOPS_PLUGINS=str(workspace / "plugins"),
        DATAOPS_STORAGE_ROOT=str(workspace / "storage"),
        DAGSTER_HOME=str(workspace / "dagster_home"),
        DATAOPS_WARM="off",  # cold, each case its own process: no warm run server left behind by the suite
    )
    return subprocess.run(
        [sys.executable, "-m", "dataops.cli.main", *args],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def chain_nodes(case: Case) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The case's chain as nodes and edges; the last node is named after the case."""
    nodes, edges = [], []
    for index, item in enumerate(case.nodes):
        last = index == len(case.nodes) - 1
        node_id = case.name if last else f"{case.name}_{index + 1}"
        params = dict(item.get("params", {}))
        params.update({key: TEXTS[text]() for key, text in item.get("generated", {}).items()})
        node = {"id": node_id, "module": item["module"], "params": params}
        if "timeout" in item:
            node["timeout"] = item["timeout"]
        nodes.append(node)
        if index:
            edges.append({"from": nodes[index - 1]["id"], "to": node_id})
    if case.expect is None:  # a readable input goes all the way to a file
        out = {"module": "write_csv", "params": {"path": f"out/corpus/{case.name}.csv"}}
        nodes.append({"id": f"{case.name}_out", **out})
        edges.append({"from": nodes[-2]["id"], "to": f"{case.name}_out"})
    return nodes, edges


def write_flowchart(path: Path, name: str, cases: list[Case]) -> None:
    nodes, edges = [], []
    for case in cases:
        more_nodes, more_edges = chain_nodes(case)
        nodes += more_nodes
        edges += more_edges
    document = {"name": name, "description": "bad-input corpus", "nodes": nodes, "edges": edges}
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=1 << 20), encoding="utf-8")


def tree(root: Path, skip: tuple[str, ...] = ()) -> set[str]:
    """Every path under `root` except those under the `skip` folders (symlinks not followed)."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath) == root:
            dirnames[:] = [name for name in dirnames if name not in skip]
        rel = Path(dirpath).relative_to(root)
        found.update(str(rel / name) for name in dirnames + filenames)
    return found


def build_workspace(workspace: Path) -> None:
    data = workspace / "data"
    shutil.copytree(PROJECT / "data", data, ignore=shutil.ignore_patterns("out"))
    for sub in ("flowcharts", "plugins", "dagster_home", "outside"):
        (workspace / sub).mkdir()
    (workspace / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    shutil.copytree(HERE / "data", data / "corpus")
    generated = make_corpus(workspace / "generated")
    for name, path in generated.items():
        if name.startswith("data/"):
            shutil.copy(path, data / "corpus" / Path(name).name)
    (workspace / "outside" / "secret.csv").write_text(CANARY, encoding="utf-8")
    (data / "corpus" / "link_to_outside.csv").symlink_to(workspace / "outside" / "secret.csv")
    (data / "corpus" / "link_to_outside_dir").symlink_to(workspace / "outside", target_is_directory=True)


def read_validate(result: subprocess.CompletedProcess[str], files: dict[str, Case]) -> dict[str, Outcome]:
    """`file: problem` lines and `ok: file (...)` lines, per case."""
    lines: dict[str, list[str]] = defaultdict(list)
    oks = set()
    for line in (result.stdout + result.stderr).splitlines():
        for file in files:
            if line.startswith(f"{file}:"):
                lines[file].append(line)
            elif line.startswith(f"ok: {file} ("):
                oks.add(file)
    return {case.name: Outcome(file in oks, "\n".join(lines[file])) for file, case in files.items()}


def read_run(result: subprocess.CompletedProcess[str], cases: list[Case], data: Path) -> dict[str, Outcome]:
    """One outcome per case from the progress lines and the failure blocks of `dataops run`."""
    failures = {}
    for block in result.stderr.split("  failing node: ")[1:]:
        head, _, message = block.partition("\n")
        failures[head.split(" (")[0]] = message.strip()
    succeeded = set(re.findall(r"^  ✓ (\S+)", result.stdout, re.MULTILINE))
    outcomes = {}
    for case in cases:
        nodes, _ = chain_nodes(case)
        last = nodes[-1]["id"]
        failed = [n["id"] for n in nodes if n["id"] in failures]
        text = "\n".join(f"{node}: {failures[node]}" for node in failed)
        output = data / "out" / "corpus" / f"{case.name}.csv"
        outcomes[case.name] = Outcome(not failed and last in succeeded, text, output if output.exists() else None)
    return outcomes


@pytest.fixture(scope="module")
def corpus() -> Iterator[Corpus]:
    # Not under pytest's basetemp: concurrent pytest sessions prune each other's old ones.
    with tempfile.TemporaryDirectory(prefix="dataops-corpus-") as folder:
        yield run_corpus(Path(folder))


def run_corpus(workspace: Path) -> Corpus:
    build_workspace(workspace)
    files: dict[str, Case] = {}
    for case in CASES:
        if case.stage != "validate":
            continue
        if case.file:
            source = workspace / case.file if case.file.startswith("generated/") else HERE / case.file
            target = workspace / "flowcharts" / f"{case.name}{source.suffix}"
            shutil.copy(source, target)
        else:
            target = workspace / "flowcharts" / f"{case.name}.yaml"
            write_flowchart(target, case.flowchart, [case])
        files[f"flowcharts/{target.name}"] = case
    runs = {category: [c for c in CASES if c.category == category and c.stage == "run"] for category in MANIFEST}
    for category, cases in runs.items():
        write_flowchart(workspace / "flowcharts" / f"corpus_{category}.yaml", f"corpus_{category}", cases)
    for escape in ESCAPES:
        escape.unlink(missing_ok=True)
    before = tree(workspace, skip=("data", "storage", "dagster_home"))

    result = dataops(workspace, "validate", *files)
    transcripts = [result]
    outcomes = read_validate(result, files)
    run_ids = []
    for category, cases in runs.items():
        result = dataops(workspace, "run", f"flowcharts/corpus_{category}.yaml")
        transcripts.append(result)
        run_ids += re.findall(r"run ([0-9a-f-]{36})", result.stdout)[:1]
        outcomes.update(read_run(result, cases, workspace / "data"))
    return Corpus(workspace, outcomes, transcripts, before, run_ids)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.category}-{c.name}" for c in CASES])
def test_case(corpus: Corpus, case: Case) -> None:
    outcome = corpus.outcomes[case.name]
    if case.expect is None:
        assert outcome.ok, f"{case.name} should be readable, but: {outcome.text}"
        if case.stage == "run":
            assert outcome.output is not None, f"{case.name}: nothing written"
            written = pd.read_csv(outcome.output, dtype=str, keep_default_na=False, nrows=None)
            if case.columns is not None:
                assert list(written.columns) == case.columns
            if case.rows is not None:
                assert len(written) == case.rows
        return
    assert not outcome.ok, f"{case.name} should fail, but it passed"
    assert not TRACEBACK.search(outcome.text), outcome.text
    for fragment in case.expect:
        assert fragment in outcome.text, f"{case.name}: {fragment!r} not in:\n{outcome.text}"
    if case.stage == "run":
        where = f"{case.flowchart} › {case.name}" + (f" › {case.field}" if case.field else "")
        assert f"{case.name}: {where}" in outcome.text, f"{case.name}: location {where!r} not in:\n{outcome.text}"
    else:
        assert outcome.text.startswith("flowcharts/"), outcome.text  # every problem names its file


def test_commands_end_normally_without_tracebacks(corpus: Corpus) -> None:
    for result in corpus.transcripts:
        assert result.returncode == 1, (result.args, result.returncode, result.stderr[-3000:])
        assert not TRACEBACK.search(result.stdout + result.stderr), result.stderr[-3000:]


def test_nothing_written_outside_the_data_root(corpus: Corpus) -> None:
    after = tree(corpus.workspace, skip=("data", "storage", "dagster_home"))
    assert after - corpus.before == set()
    assert (corpus.workspace / "outside" / "secret.csv").read_text(encoding="utf-8") == CANARY
    assert sorted(p.name for p in (corpus.workspace / "outside").iterdir()) == ["secret.csv"]
    assert [str(p) for p in ESCAPES if p.exists()] == []


def test_no_partial_files(corpus: Corpus) -> None:
    leftovers = [p for root in ("data", "storage") for p in (corpus.workspace / root).rglob("*.tmp")]
    assert leftovers == []
    failed = {c.name for c in CASES if c.stage == "run" and c.expect is not None}
    written = {p.stem for p in (corpus.workspace / "data" / "out" / "corpus").glob("*")}
    assert written & failed == set()


def test_runs_are_recorded_as_finished(corpus: Corpus) -> None:
    with dg.DagsterInstance.from_config(str(corpus.workspace / "dagster_home")) as instance:
        statuses = [instance.get_run_by_id(run_id).status for run_id in corpus.run_ids]
    assert statuses == [dg.DagsterRunStatus.FAILURE] * len(corpus.run_ids)


def test_still_healthy_afterwards(corpus: Corpus) -> None:
    result = corpus.call("run", str(PROJECT / "flowcharts" / "sales_by_city.yaml"))
    assert result.returncode == 0, result.stderr
    assert (corpus.workspace / "data" / "out" / "sales_by_city.csv").is_file()


def test_the_corpus_covers_every_category() -> None:
    counts = {category: len(entries) for category, entries in MANIFEST.items()}
    assert len(CASES) >= 40 and min(counts.values()) >= 10, counts
    assert len({c.name for c in CASES}) == len(CASES), "case names must be unique"
