"""Fuzz the validation boundary: whatever the text, `parse_flowchart` returns or raises `FlowchartError`.

Three sources of input: arbitrary JSON-like documents, YAML built from its own syntax (anchors,
aliases, tags, flow and block collections), and mutations of the sample flowcharts in
`flowcharts/`, which stay close enough to valid to reach module params, edges and triggers.
Every example runs under a hard time limit, so a hang fails the test instead of stalling it.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataops.deadline import StepTimeout, time_limit
from dataops.errors import FlowchartError
from dataops.spec import parse_flowchart
from dataops.spec.yaml_loader import StrictYamlLoader
from module_library.discovery import discover
from module_library.registry import MODULES

discover()

PROJECT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    path.name: yaml.load(path.read_text(encoding="utf-8"), Loader=StrictYamlLoader)  # JSON is YAML too
    for path in sorted((PROJECT / "flowcharts").glob("*"))
    if path.suffix in (".yaml", ".yml", ".json")
}
LIMIT_SECONDS = 10
# DATAOPS_FUZZ_EXAMPLES raises the count for a longer hunt than the test suite's few seconds.
FUZZ = settings(
    max_examples=int(os.environ.get("DATAOPS_FUZZ_EXAMPLES", 300)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Text that means something to one of the checks: names, modules, ports, paths, cron, URLs, SQL.
WORDS = [
    "",
    " ",
    "name",
    "nodes",
    "edges",
    "from",
    "to",
    "id",
    "module",
    "params",
    "label",
    "position",
    "retries",
    "timeout",
    "triggers",
    "schedule",
    "cron",
    "timezone",
    "watch",
    "pattern",
    "node",
    "notify",
    "url",
    "on",
    "enabled",
    "executor",
    "in_process",
    "celery",
    "load",
    "save",
    "data",
    "result",
    "matched",
    "other",
    "load.result",
    "save.data",
    "split.matched",
    "../x.csv",
    "C:\\x.csv",
    "%2e%2e/x",
    "sales.csv",
    "out/x.csv",
    "* * * * *",
    "61 25 * * *",
    "@daily",
    "@yearly",
    "0 0 31 2 *",
    "Asia/Shanghai",
    "../../etc/passwd",
    "json://127.0.0.1/hook",
    "mailto://u:p@h",
    "file:///etc/passwd",
    "${HOME}",
    "${",
    "价格 > 1",
    "1) FROM x; (",
    "-- c",
    "SELECT 1",
    "COPY x TO 'y'",
    "城市",
    "lоad",
    "\u202e",
    "\x00",
    "\ud800",
    "true",
    "null",
    "1e400",
    "-0",
    *sorted(MODULES),
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS),
    st.text(max_size=20),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), inner, max_size=6),
    ),
    max_leaves=40,
)

YAML_TOKENS = [
    "name: x\n",
    "nodes:\n",
    "edges:\n",
    "  - ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ", ",
    ": ",
    "? ",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: *a\n",
    "!!python/object/apply:os.system ['true']",
    "!!python/name:os.system",
    "!!binary aGk=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!timestamp 2024-01-01",
    "!!float .nan",
    "!!int 0x1F",
    "!custom x",
    "---\n",
    "...\n",
    "|\n  text\n",
    ">-\n  folded\n",
    "'q''uote'",
    '"\\u0000"',
    '"\\ud800"',
    "# comment\n",
    "\t",
    "\n",
    "  ",
    "id: load",
    "module: read_csv",
    "params: {path: sales.csv}",
    "{from: a, to: b}",
    "%YAML 1.1\n",
    "%TAG ! tag:yaml.org,2002:python/\n",
    "\ufeff",
    "\x85",
    "yes",
    "on",
    "~",
    "0o17",
    "1_000",
    ".inf",
]
yaml_texts = st.lists(st.sampled_from(YAML_TOKENS), max_size=40).map("".join)


def check(text: str, *, json_format: bool = False) -> None:
    """The property: valid, or a `FlowchartError` whose problems each name the file."""
    try:
        with time_limit(LIMIT_SECONDS):
            parse_flowchart(text, file="fuzz.json" if json_format else "fuzz.yaml", json_format=json_format)
    except StepTimeout:
        raise AssertionError(f"validation took over {LIMIT_SECONDS} s on:\n{text[:2000]}") from None
    except FlowchartError as exc:
        assert exc.problems, "a FlowchartError must carry its problems"
        assert all(str(p).startswith("fuzz.") for p in exc.problems), exc


def dump(document: Any) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


@FUZZ
@given(documents)
def test_any_document(document: Any) -> None:
    check(dump(document))
    check(json.dumps(document, ensure_ascii=False), json_format=True)


@FUZZ
@given(st.text(max_size=200))
def test_any_text(text: str) -> None:
    check(text)
    check(text, json_format=True)


@FUZZ
@given(yaml_texts)
def test_yaml_syntax(text: str) -> None:
    check(text)


# -- mutations of the sample flowcharts ----------------------------------------------------------


def paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location in a document, as a tuple of keys and indexes."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += paths(value, (*prefix, index))
    return found


def parent_of(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        document = document[step]
    return document


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    document = copy.deepcopy(EXAMPLES[draw(st.sampled_from(sorted(EXAMPLES)))])
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        locations = [p for p in paths(document) if p]
        if not locations:
            break
        path = draw(st.sampled_from(locations))
        parent, key = parent_of(document, path), path[-1]
        action = draw(st.sampled_from(["replace", "delete", "duplicate", "insert", "swap_module", "rename"]))
        if action == "replace":
            parent[key] = draw(documents)
        elif action == "delete":
            del parent[key]
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif action == "insert" and isinstance(parent[key], dict):
            parent[key][draw(st.sampled_from(WORDS))] = draw(documents)
        elif action == "swap_module" and isinstance(parent[key], dict) and "module" in parent[key]:
            parent[key]["module"] = draw(st.sampled_from(sorted(MODULES)))
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(WORDS))] = parent.pop(key)
    return document


@FUZZ
@given(mutated())
def test_mutated_examples(document: Any) -> None:
    check(dump(document))
    check(json.dumps(document, ensure_ascii=False), json_format=True)


def test_the_examples_themselves_are_valid() -> None:
    for name, document in EXAMPLES.items():
        parse_flowchart(json.dumps(document, ensure_ascii=False), file=name, json_format=True)
