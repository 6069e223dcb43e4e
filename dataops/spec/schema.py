"""Schema propagation: each node's columns before anything runs, and what is certain to fail.

A source's schema comes from its file's header or metadata (`adapters.schema`). Every other node's
comes from its own module, run on zero-row tables of its input schemas: the function is the one
description of what it makes of its input, and it refuses unknown columns (DuckDB binds SQL
conditions and expressions against the input's columns) the way a run would. A node whose
schema cannot be known (a source too large to sample, a module that fails on empty input, one
whose columns come from the values, like `pivot`) leaves its consumers unchecked: no guesses.

Types are `exact` when they come from metadata or a whole file and went through Arrow modules only;
a type mismatch is reported only then. Unknown columns, SQL syntax errors, unknown functions and
missing files are reported always.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from dataops.errors import DataOpsError, FlowchartError, Problem, Where
from dataops.spec.graph import ValidFlowchart
from dataops.spec.models import IDENTIFIER
from module_library import ModuleSpec
from module_library.expressions import sandbox

# Modules whose output columns are named by the input's values: zero rows say nothing about them.
COLUMNS_FROM_VALUES = frozenset({"pivot", "one_hot_encode"})
_CERTAIN = ("unknown column", "unknown function", "syntax error", "Parser Error", "no edge feeds")


@dataclass(frozen=True)
class PortSchema:
    """The columns on one port; `exact`: their types are the ones a run gets (not a sample's)."""

    schema: pa.Schema
    exact: bool

    def describe(self) -> dict[str, Any]:
        """Plain JSON for the editor: names and Arrow type names."""
        return {"columns": [{"name": f.name, "type": str(f.type)} for f in self.schema], "exact": self.exact}


@dataclass(frozen=True)
class SchemaReport:
    """Per node, the schema of each input and output port (None: unknown), and the problems found."""

    inputs: dict[str, dict[str, PortSchema | None]] = field(default_factory=dict)
    outputs: dict[str, dict[str, PortSchema | None]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        """Per node id, `inputs` and `outputs`: port name to `PortSchema.describe()` or None."""

        def ports(found: dict[str, PortSchema | None]) -> dict[str, Any]:
            return {port: None if schema is None else schema.describe() for port, schema in found.items()}

        return {
            node: {"inputs": ports(self.inputs.get(node, {})), "outputs": ports(self.outputs.get(node, {}))}
            for node in dict.fromkeys([*self.inputs, *self.outputs])
        }


SourceSchemaFn = Callable[..., Any]  # (spec, params, *, root, where) -> adapters.schema.SourceSchema | None


def check_schemas(
    flowchart: ValidFlowchart, *, root: Path, source_schema: SourceSchemaFn | None = None
) -> SchemaReport:
    """Propagate schemas through `flowchart` in topological order and report what must fail.

    `source_schema(spec, params, root=, where=)` reads a source node's schema, raising a
    `DataOpsError` for what a run would refuse; by default `adapters.schema.source_schema` in this
    process (the editor passes one that reads in a child process).
    """
    read = source_schema or _read_here
    report = SchemaReport()
    watched = flowchart.spec.triggers.watch.node if flowchart.spec.triggers and flowchart.spec.triggers.watch else None
    for node in flowchart.order:
        spec = flowchart.modules[node]
        params = flowchart.params[node]
        where = Where(flowchart.name, node, None, flowchart.file)
        inputs = _inputs(flowchart, node, spec, report)
        report.inputs[node] = {port: _merged(found) for port, found in inputs.items()}
        if spec.kind == "source":
            report.outputs[node] = {"result": _source(spec, params, root, where, node == watched, read, report)}
        elif spec.kind == "transform":
            report.outputs[node] = _transform(spec, params, inputs, where, report)
        else:
            report.outputs[node] = {}
    return report


def _read_here(spec: ModuleSpec, params: Any, *, root: Path, where: Where) -> Any:
    from adapters.schema import source_schema

    return source_schema(spec.format, params, root=root, where=where)


def _inputs(
    flowchart: ValidFlowchart, node: str, spec: ModuleSpec, report: SchemaReport
) -> dict[str, list[PortSchema | None]]:
    """Per input port, the schemas of the outputs wired into it (in edge order)."""
    found: dict[str, list[PortSchema | None]] = {port.name: [] for port in spec.inputs}
    for wire in flowchart.wires_into(node):
        found[wire.target_port].append(report.outputs.get(wire.source, {}).get(wire.source_port))
    return found


def _merged(found: list[PortSchema | None]) -> PortSchema | None:
    """One port's schema for display: the first edge's (a fan-in port shows its first table)."""
    return found[0] if found else None


def _source(spec, params, root, where, watched, source_schema, report) -> PortSchema | None:
    try:
        found = source_schema(spec, params, root=root, where=where)
    except DataOpsError as exc:
        if not watched:  # a watch puts each new file's path here; the one written may not exist yet
            report.problems.append(Problem(_located(exc.where, where, params), exc.message))
        return None
    return None if found is None else PortSchema(found.schema, found.exact)


def _transform(spec, params, inputs, where, report) -> dict[str, PortSchema | None]:
    unknown: dict[str, PortSchema | None] = dict.fromkeys(spec.outputs)
    for port in spec.inputs:
        found = inputs[port.name]
        if any(schema is None for schema in found) or (not found and not port.optional):
            return unknown
    shapes = tuple((port.name, tuple((str(s.schema), s.exact) for s in inputs[port.name])) for port in spec.inputs)
    key = (spec.name, id(spec.fn), params.model_dump_json(), shapes)
    with _dry_lock:
        answer = _dry_runs.get(key)
    if answer is None:
        answer = _dry_run(spec, params, inputs)
        with _dry_lock:
            _dry_runs[key] = answer
            while len(_dry_runs) > DRY_RUNS:
                _dry_runs.popitem(last=False)
    if isinstance(answer, DataOpsError):
        report.problems.append(Problem(_located(answer.where, where, params), answer.message))
        return unknown
    return unknown if answer is None else dict[str, PortSchema | None](answer)  # a copy: the cached one is shared


# Modules are pure: a node whose module, params and input schemas are unchanged since the last
# check (the editor checks on every edit) gives the same answer without running again.
DRY_RUNS = 1024
_dry_runs: OrderedDict[Any, Any] = OrderedDict()
_dry_lock = threading.Lock()


def _dry_run(spec, params, inputs) -> dict[str, PortSchema] | DataOpsError | None:
    """The module on zero-row tables: its outputs' schemas, the error to report, or None (unknown)."""
    given: dict[str, Any] = {}
    exact = spec.engine == "arrow"  # pandas modules on empty frames guess types (object columns)
    for port in spec.inputs:
        found = inputs[port.name]
        exact = exact and all(schema.exact for schema in found)
        tables = [schema.schema.empty_table() for schema in found]
        given[port.name] = tables if port.many else (tables[0] if tables else None)
    try:
        outputs = spec.run(given, params)
    except DataOpsError as exc:
        message = _message(exc.message, exc.where.field, params)
        if exact or any(part in message for part in _CERTAIN):
            return DataOpsError(message, exc.where)
        return None
    except Exception:  # a module that cannot take empty input: its consumers stay unchecked
        return None
    if spec.name in COLUMNS_FROM_VALUES:
        return None
    known = {f.name: f.type for tables in given.values() for t in _listed(tables) for f in t.schema}
    return {port: PortSchema(_typed(table.schema, known, exact), exact) for port, table in outputs.items()}


def _listed(value: Any) -> list[pa.Table]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _typed(schema: pa.Schema, known: dict[str, pa.DataType], exact: bool) -> pa.Schema:
    """Without pandas' metadata; from a pandas module (inexact), a column that came back untyped
    (an empty object column) takes the type its input column had."""
    fields = [
        f.with_type(known[f.name]) if not exact and pa.types.is_null(f.type) and f.name in known else f for f in schema
    ]
    return pa.schema(fields)


def _located(inner: Where, outer: Where, params: Any) -> Where:
    """The node's location with the error's field, as `params.<field>` where it names a param."""
    name = inner.field or ""
    head = name.split("[")[0].split(".")[0]
    if head and head in type(params).model_fields:
        name = f"params.{name}"
    return Where(outer.flowchart, outer.node, name or None, outer.file)


_UNKNOWN_FUNCTION = re.compile(
    r'Catalog Error: \w+ Function with name "?([^ "!]+)"? does not exist!(?: Did you mean "([^"]+)"\?)?'
)
_NO_MATCH = re.compile(r"Binder Error: No function matches the given name and argument types '([^']+)'")


def _message(message: str, field: str | None, params: Any) -> str:
    """DuckDB's errors in a sentence about the text the user typed: syntax errors located in it
    (not in our wrapper query), unknown functions with DuckDB's suggestion, type mismatches
    without DuckDB's list of every candidate signature."""
    unknown = _UNKNOWN_FUNCTION.search(message)
    if unknown:
        hint = f"; did you mean '{unknown.group(2)}'?" if unknown.group(2) else ""
        return f"unknown function '{unknown.group(1)}'{hint}"
    no_match = _NO_MATCH.search(message)
    if no_match:
        return f"type mismatch: no function {no_match.group(1)}; CAST the column to the type it needs"
    if message.startswith("Binder Error: "):
        return "type mismatch: " + message.removeprefix("Binder Error: ").split(" \t")[0]
    if "syntax error" not in message or not field:
        return message
    text = _value(params, field)
    if not isinstance(text, str):
        return message
    return syntax_problem(text, query=field == "query") or message


def _value(params: Any, path: str) -> Any:
    """The param at a field path such as `condition` or `rules[0].condition`."""
    value: Any = params
    for part in path.replace("]", "").replace("[", ".").split("."):
        if part.isdigit() and isinstance(value, list) and int(part) < len(value):
            value = value[int(part)]
        elif hasattr(value, part):
            value = getattr(value, part)
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    return value


def syntax_problem(text: str, *, query: bool = False) -> str | None:
    """DuckDB's parse of `text` alone (an expression, or with `query` a SELECT): None if it parses,
    else the error at a position in the user's own text, e.g. "syntax error after '>' at the end
    of `价格 >`: something is missing there"."""
    prefix = "" if query else "SELECT "
    with sandbox({}) as con:
        try:
            tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [prefix + text]).fetchall()[0][0])
        except duckdb.Error:
            return None
    if not tree.get("error") or tree.get("error_subtype") != "SYNTAX_ERROR":
        return None
    raw = (prefix + text).encode("utf-8")
    position = int(tree.get("position") or 0)
    offset = len(raw[:position].decode("utf-8", errors="ignore")) - len(prefix)
    near = str(tree.get("error_message", "")).partition("near ")[2].strip().strip('"')
    rest = text[offset + len(near) :].strip() if 0 <= offset <= len(text) else ""
    if near and not rest:
        return f"syntax error: `{text.strip()}` ends with '{near}', and something is missing after it"
    if near and offset >= 0:
        return f"syntax error at '{near}' (character {offset + 1} of `{text.strip()}`)"
    return f"syntax error in `{text.strip()}`"


def check_document(
    document: Any, *, file: str, root: Path, source_schema: SourceSchemaFn | None = None
) -> tuple[list[Problem], SchemaReport]:
    """Validate a flowchart as plain values (the editor's document) and propagate schemas through
    its valid part: while it has problems, the nodes and edges they name are left out and the rest
    is checked again, so a node still being filled in shows the columns that reach it."""
    from dataops.spec.loader import parse_mapping

    try:
        flowchart = parse_mapping(document, file=file)
        return _checked(flowchart, flowchart.name, root, source_schema, [])
    except FlowchartError as exc:
        problems = list(exc.problems)
    if not isinstance(document, dict) or not isinstance(document.get("nodes"), list):
        return problems, SchemaReport()
    nodes = [n for n in document["nodes"] if isinstance(n, dict)]
    edges = [e for e in document.get("edges") or [] if isinstance(e, dict)]
    seen = {(p.where.node, p.where.field, p.message) for p in problems}
    for round in range(PRUNE_ROUNDS):  # the name, triggers and notify matter to no schema: left out first
        try:
            pruned = parse_mapping({"name": "pruned", "nodes": nodes, "edges": edges}, file=file)
        except FlowchartError as again:
            found = list(again.problems)
        else:
            kept, report = _checked(pruned, document.get("name"), root, source_schema, problems)
            _inputs_of_left_out(document, report)
            return kept, report
        for p in found if round == 0 else ():  # found past the model stage: params, ports, edges
            if (p.where.node, p.where.field, p.message) not in seen and p.where.node:
                seen.add((p.where.node, p.where.field, p.message))
                problems.append(_renamed(p, document.get("name")))
        bad_nodes, bad_edges = _named(found, nodes)
        if not bad_nodes and not bad_edges:
            break
        nodes = [n for i, n in enumerate(nodes) if i not in bad_nodes and n.get("id") not in bad_nodes]
        ids = {n.get("id") for n in nodes}
        edges = [
            e
            for i, e in enumerate(edges)
            if i not in bad_edges and _node_of(e.get("from")) in ids and _node_of(e.get("to")) in ids
        ]
        if not nodes:
            break
    return problems, SchemaReport()


PRUNE_ROUNDS = 6


def _checked(flowchart, name, root, source_schema, problems) -> tuple[list[Problem], SchemaReport]:
    report = check_schemas(flowchart, root=root, source_schema=source_schema)
    return [*problems, *(_renamed(p, name) for p in report.problems)], report


def _renamed(problem: Problem, name: Any) -> Problem:
    """A problem found on the pruned copy, located in the flowchart as named (or unnamed)."""
    where = problem.where
    flowchart = name if isinstance(name, str) and re.match(IDENTIFIER, name) else None
    return Problem(Where(flowchart, where.node, where.field, where.file), problem.message)


def _node_of(endpoint: Any) -> Any:
    return endpoint.partition(".")[0] if isinstance(endpoint, str) else None


def _named(problems: list[Problem], nodes: list[dict[str, Any]]) -> tuple[set[Any], set[int]]:
    """The nodes (ids, or indexes for `nodes[i]`) and edge indexes that problems are about."""
    bad_nodes: set[Any] = set()
    bad_edges: set[int] = set()
    for problem in problems:
        node, fld = problem.where.node, problem.where.field or ""
        edge = re.match(r"^edges\[(\d+)\]", fld)
        if edge:
            bad_edges.add(int(edge.group(1)))
        elif node:
            indexed = re.match(r"^nodes\[(\d+)\]$", node)
            bad_nodes.add(int(indexed.group(1)) if indexed else node)
        elif fld.startswith("nodes["):
            bad_nodes.add(int(re.match(r"^nodes\[(\d+)\]", fld).group(1)))  # type: ignore[union-attr]
    return bad_nodes, bad_edges


def _inputs_of_left_out(document: dict[str, Any], report: SchemaReport) -> None:
    """A left-out node's inputs: the schemas of the kept outputs its edges come from."""
    from module_library.registry import MODULES

    modules = {n.get("id"): MODULES.get(str(n.get("module"))) for n in document["nodes"] if isinstance(n, dict)}
    for edge in document.get("edges") or []:
        if not isinstance(edge, dict) or not isinstance(edge.get("from"), str) or not isinstance(edge.get("to"), str):
            continue
        source, _, out_port = edge["from"].partition(".")
        target, _, in_port = edge["to"].partition(".")
        spec = modules.get(target)
        if target in report.outputs or source not in report.outputs or spec is None:
            continue
        outputs = report.outputs[source]
        out_port = out_port or (next(iter(outputs)) if len(outputs) == 1 else "")
        required = [p.name for p in spec.inputs if not p.optional]
        in_port = in_port or (required[0] if len(required) == 1 else "")
        if out_port in outputs and in_port in {p.name for p in spec.inputs}:
            report.inputs.setdefault(target, {}).setdefault(in_port, outputs[out_port])
