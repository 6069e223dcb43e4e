"""Resolve a parsed flowchart against the module registry: params, ports, edges, cycles."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pydantic import BaseModel

from dataops.errors import FlowchartError, Problem, RegistryError, Where, did_you_mean
from dataops.spec.models import Flowchart, Node
from dataops.spec.problems import module_problem, validate_params
from module_library import ModuleSpec
from module_library.registry import get_module


@dataclass(frozen=True)
class Wire:
    """One resolved edge: an output port of one node into an input port of another."""

    source: str
    source_port: str
    target: str
    target_port: str


@dataclass(frozen=True)
class ValidFlowchart:
    """A flowchart that passed every check; the compiler trusts it."""

    spec: Flowchart
    modules: dict[str, ModuleSpec]
    params: dict[str, BaseModel]
    wires: tuple[Wire, ...]
    order: tuple[str, ...]
    file: str | None = None
    text: str = ""
    nodes: dict[str, Node] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    def wires_into(self, node: str) -> list[Wire]:
        return [w for w in self.wires if w.target == node]


def wire(flowchart: Flowchart, *, file: str | None = None, text: str = "") -> ValidFlowchart:
    """Check modules, params and edges; raise one `FlowchartError` listing every problem."""
    name = flowchart.name
    problems: list[Problem] = []

    def where(node: str | None, fld: str | None) -> Where:
        return Where(name, node, fld, file)

    counts = Counter(n.id for n in flowchart.nodes)
    for node_id, count in counts.items():
        if count > 1:
            problems.append(Problem(where(node_id, "id"), f"duplicate node id '{node_id}' ({count} nodes use it)"))
    nodes = {n.id: n for n in flowchart.nodes}
    modules: dict[str, ModuleSpec] = {}
    params: dict[str, BaseModel] = {}
    for node in flowchart.nodes:
        try:
            spec = get_module(node.module)
        except RegistryError as exc:
            problems.append(module_problem(name, node, exc, file))
            continue
        modules[node.id] = spec
        model, found = validate_params(name, node.id, spec.name, spec.params, node.params, file)
        problems += found
        if model is not None:
            params[node.id] = model

    wires: list[Wire] = []
    first: dict[Wire, int] = {}  # each wire's first edge, to name it when the wire comes again
    dangling: set[tuple[str, str]] = set()  # inputs whose edge has a broken source, reported already
    for index, edge in enumerate(flowchart.edges):
        source = _endpoint(edge.source, "from", index, nodes, modules, where, problems)
        target = _endpoint(edge.target, "to", index, nodes, modules, where, problems)
        if source and target:
            w = Wire(source[0], source[1], target[0], target[1])
            if w in first:
                problems.append(
                    Problem(
                        where(w.target, f"edges[{index}]"),
                        f"duplicate edge {w.source}.{w.source_port} → {w.target}.{w.target_port} "
                        f"(edges[{first[w]}] is the same); remove one",
                    )
                )
                continue
            first[w] = index
            wires.append(w)
        elif target:
            dangling.add(target)
        elif edge.target.partition(".")[0] in nodes:
            dangling.add((edge.target.partition(".")[0], "*"))  # its port is reported already

    problems += _check_inputs(modules, wires, dangling, where)
    problems += _check_automation(flowchart, modules, where)
    order, cycle = _topological(list(nodes), wires)
    if cycle:
        path = " → ".join([*cycle, cycle[0]])
        problems.append(Problem(where(cycle[0], "edges"), f"the edges form a cycle: {path}"))
    if problems:
        raise FlowchartError(problems)
    return ValidFlowchart(flowchart, modules, params, tuple(wires), tuple(order), file, text, nodes)


def _endpoint(text, direction, index, nodes, modules, where, problems) -> tuple[str, str] | None:
    """Resolve 'node' or 'node.port' for one end of edge `index`."""
    fld = f"edges[{index}].{direction}"
    node_id, _, port = text.partition(".")
    if node_id not in nodes:
        hint = did_you_mean(node_id, nodes)
        problems.append(Problem(where(None, fld), f"no node '{node_id}'{hint}"))
        return None
    spec = modules.get(node_id)
    if spec is None:
        return None  # its unknown module is reported already
    own = list(spec.outputs) if direction == "from" else [p.name for p in spec.inputs]
    other = [p.name for p in spec.inputs] if direction == "from" else list(spec.outputs)
    kind, other_kind = ("output", "input") if direction == "from" else ("input", "output")
    if not port:
        required = own if direction == "from" else [p.name for p in spec.inputs if not p.optional]
        if len(required) == 1:  # an optional input is never the default one
            return node_id, required[0]
        if not own:
            problems.append(Problem(where(node_id, fld), f"'{node_id}' ({spec.name}) has no {kind}s"))
        else:
            choices = ", ".join(f"'{node_id}.{p}'" for p in own)
            problems.append(
                Problem(where(node_id, fld), f"'{node_id}' ({spec.name}) has several {kind}s; name one: {choices}")
            )
        return None
    if port in own:
        return node_id, port
    if port in other:
        problems.append(
            Problem(
                where(node_id, fld),
                f"'{node_id}.{port}' is an {other_kind}, not an {kind} ({spec.name} {kind}s: {', '.join(own) or 'none'})",
            )
        )
        return None
    hint = did_you_mean(port, own)
    problems.append(
        Problem(where(node_id, fld), f"{spec.name} has no {kind} '{port}' ({kind}s: {', '.join(own) or 'none'}){hint}")
    )
    return None


def _check_inputs(
    modules: dict[str, ModuleSpec], wires: list[Wire], dangling: set[tuple[str, str]], where
) -> list[Problem]:
    incoming: dict[tuple[str, str], list[str]] = defaultdict(list)
    for w in wires:
        incoming[(w.target, w.target_port)].append(w.source)
    problems = []
    for node_id, spec in modules.items():
        for port in spec.inputs:
            sources = incoming.get((node_id, port.name), [])
            if not sources and not port.optional and not {(node_id, port.name), (node_id, "*")} & dangling:
                problems.append(Problem(where(node_id, port.name), f"input '{port.name}' has no incoming edge"))
            elif len(sources) > 1 and not port.many:
                problems.append(
                    Problem(
                        where(node_id, port.name),
                        f"input '{port.name}' takes one edge but has {len(sources)} (from {', '.join(sources)}); combine tables with 'union' or 'join' first",
                    )
                )
    return problems


def _check_automation(flowchart: Flowchart, modules: dict[str, ModuleSpec], where) -> list[Problem]:
    """A watch binds files to a source node's path; notify URLs must be ones Apprise can send to."""
    problems = []
    watch = flowchart.triggers.watch if flowchart.triggers else None
    if watch is not None:
        spec = modules.get(watch.node)
        sources = [n for n, m in modules.items() if m.kind == "source" and "path" in m.params.model_fields]
        if watch.node not in {n.id for n in flowchart.nodes}:
            problems.append(
                Problem(
                    where(None, "triggers.watch.node"), f"no node '{watch.node}'{did_you_mean(watch.node, sources)}"
                )
            )
        elif spec is not None and watch.node not in sources:
            listing = ", ".join(sources) or "none"
            problems.append(
                Problem(
                    where(watch.node, "triggers.watch.node"),
                    f"'{watch.node}' ({spec.name}) is not a file source node; a watch binds files to one (sources: {listing})",
                )
            )
    for index, target in enumerate(flowchart.notify):
        refused = _notify_url_problem(target.url)
        if refused:
            problems.append(Problem(where(None, f"notify[{index}].url"), refused))
    return problems


def _notify_url_problem(url: str) -> str | None:
    """Allowed `${VAR}`s only, a URL Apprise understands, and, when literal, a scheme and host it may reach."""
    import apprise  # only flowcharts with notify pay for the import

    from dataops.env_vars import REFERENCE, refusal
    from dataops.outbound import notification_problem, scheme_problem

    refused = refusal(url)
    if refused:
        return refused
    if not apprise.Apprise().add(REFERENCE.sub("placeholder", url)):  # ${VAR}s are filled at send time
        return "not a notification URL Apprise understands (e.g. mailto://user:pass@host, json://host/path, dingtalk://token)"
    if REFERENCE.search(url):  # the host is checked once filled
        return scheme_problem(url.partition(":")[0])
    return notification_problem(url)


def _topological(node_ids: list[str], wires: list[Wire]) -> tuple[list[str], list[str]]:
    """Kahn's order in file order; if some nodes remain, one cycle among them."""
    successors: dict[str, list[str]] = defaultdict(list)
    indegree = dict.fromkeys(node_ids, 0)
    for w in wires:
        successors[w.source].append(w.target)
        indegree[w.target] += 1
    ready = [n for n in node_ids if indegree[n] == 0]
    order = []
    while ready:
        current = ready.pop(0)
        order.append(current)
        for nxt in successors[current]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    done = set(order)
    remaining = [n for n in node_ids if n not in done]
    if not remaining:
        return order, []
    # Every remaining node has a remaining predecessor; walking back must repeat a node: a cycle.
    left = set(remaining)
    predecessors: dict[str, list[str]] = defaultdict(list)
    for w in wires:
        predecessors[w.target].append(w.source)
    path: list[str] = []
    seen: dict[str, int] = {}
    current = remaining[0]
    while current not in seen:
        seen[current] = len(path)
        path.append(current)
        current = next(p for p in predecessors[current] if p in left)
    cycle = list(reversed(path[seen[current] :]))
    position = {node: index for index, node in enumerate(node_ids)}
    first = min(cycle, key=position.__getitem__)  # start where the file first mentions the cycle
    start = cycle.index(first)
    return order, cycle[start:] + cycle[:start]
