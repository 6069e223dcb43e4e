// Upstream columns for the column pickers: validation's propagated schema (derived and renamed
// columns included), else the last run's column schema, else a probe of the source file.

import { api } from "./api.js";

export class ColumnSource {
  constructor(graph, modules, lastRun, schemas) {
    this.graph = graph;
    this.schemas = schemas; // () => node id to {inputs, outputs} from /api/validate
    this.modules = modules; // () => Map of module descriptions
    this.lastRun = lastRun; // () => the last RunStatus or null
    this.probes = new Map();
  }

  // The column names reaching node `dfId` through its input edges.
  async upstream(dfId, depth = 0) {
    const node = this.graph.node(dfId);
    if (!node || depth > 25) return [];
    const known = depth === 0 ? this.propagated(node.data.id) : null;
    if (known) return known;
    const incoming = this.graph.edges().filter((e) => e.to === node.data.id);
    const lists = await Promise.all(incoming.map((e) => this.output(e.from, e.fromPort, depth)));
    return [...new Set(lists.flat())];
  }

  // The columns validation found on the node's inputs (on its outputs for a source); null if unknown.
  propagated(nodeId) {
    const mine = (this.schemas() || {})[nodeId];
    if (!mine) return null;
    const ports = Object.values(Object.keys(mine.inputs).length ? mine.inputs : mine.outputs).filter(Boolean);
    return ports.length ? [...new Set(ports.flatMap((p) => p.columns.map((c) => c.name)))] : null;
  }

  async output(nodeId, port, depth) {
    const schema = ((this.schemas() || {})[nodeId] || { outputs: {} }).outputs[port];
    if (schema) return schema.columns.map((c) => c.name);
    const run = this.lastRun();
    const known = run && run.nodes[nodeId] && run.nodes[nodeId].columns[port];
    if (known) return known;
    const dfId = this.graph.dfIdOf(nodeId);
    if (dfId === null) return [];
    const { data } = this.graph.node(dfId);
    const spec = this.modules().get(data.module);
    if (spec && spec.kind === "source") return this.probe(data);
    // Most transforms keep their input's columns: the nearest known upstream is a fair offer.
    return this.upstream(dfId, depth + 1);
  }

  probe(node) {
    const params = { ...(node.params || {}) };
    const path = params.path;
    if (typeof path !== "string" || !path) return Promise.resolve([]);
    delete params.path;
    const query = new URLSearchParams({ path, module: node.module, params: JSON.stringify(params), rows: "5" });
    const key = query.toString();
    if (!this.probes.has(key)) {
      const pending = api("GET", `/api/probe?${key}`)
        .then((result) => result.columns.map((c) => c.name))
        .catch(() => []);
      this.probes.set(key, pending);
    }
    return this.probes.get(key);
  }
}
