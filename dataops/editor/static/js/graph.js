// The canvas: Drawflow draws and drags; this class maps it to and from the flowchart spec.
//
// Each Drawflow node carries the spec node in its data ({id, module, label, params}) plus the
// port names of its module, so a document can always be rebuilt from the canvas (and back).

import { copied, pasted } from "./clipboard.js";
import { Minimap } from "./minimap.js";
import { connectionRefusal, freshId, splitEnd } from "./rules.js";
import { Selection } from "./selection.js";

// Opening or fitting never zooms out further than this: below it labels are too small to read,
// and the minimap shows what does not fit.
const FIT_FLOOR = 0.8;
const PASTE_OFFSET = 40;

const STATE_CLASSES = ["queued", "running", "succeeded", "failed", "skipped", "not_run"].map((s) => `state-${s}`);
const STATE_TEXT = {
  queued: "queued",
  running: "running…",
  failed: "✗ failed",
  skipped: "skipped",
  not_run: "not run",
};

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Keys typed into a field belong to the field, never to the canvas.
export function typingIn(target) {
  return Boolean(target && target.closest && target.closest("input, textarea, select, [contenteditable]"));
}

function bounds(boxes) {
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  return { x, y, w: Math.max(...boxes.map((b) => b.x + b.w)) - x, h: Math.max(...boxes.map((b) => b.y + b.h)) - y };
}

function portIndex(cls) {
  return Number(String(cls).split("_")[1]) - 1;
}

export class Graph {
  constructor(element, { modules, onChange, onSelect, onRefuse }) {
    this.element = element;
    this.modules = modules; // () => Map of module name to its description
    this.onChange = onChange;
    this.onSelect = onSelect;
    this.onRefuse = onRefuse;
    this.quiet = 0;
    this.lastUp = null;
    this.connectionStart = null;
    this.clipboard = null;
    this.pastes = 0;
    const editor = new window.Drawflow(element);
    editor.zoom_min = 0.25;
    editor.zoom_max = 2;
    editor.start();
    this.editor = editor;
    this.minimap = new Minimap(element.parentElement, this);
    this.selection = new Selection(this);
    this.listen();
  }

  // Drawflow ids of the selected nodes.
  get selected() {
    return this.selection.ids;
  }

  listen() {
    const ed = this.editor;
    // Drawflow's coordinates assume the container never scrolls (focus or scrollIntoView can scroll it).
    this.element.addEventListener("scroll", () => {
      this.element.scrollLeft = 0;
      this.element.scrollTop = 0;
    });
    this.element.addEventListener("mouseup", (e) => (this.lastUp = e.target), true);
    this.element.addEventListener(
      "mousedown",
      (e) => {
        if (e.button === 0 && e.target.classList && e.target.classList.contains("input")) {
          this.onRefuse("wrong direction: connections start at an output port (the right side of a node) and end at an input");
        }
      },
      true,
    );
    // Drawflow deletes its one selected node on Delete wherever the key is pressed: the canvas's keys
    // are handled here first, and typing in the inspector's fields (or any form field) is kept away from them.
    window.addEventListener("keydown", (e) => this.key(e), true);
    ed.on("connectionStart", (c) => (this.connectionStart = c));
    ed.on("connectionCreated", (c) => this.connected(c));
    ed.on("connectionCancel", () => this.cancelled());
    ed.on("connectionRemoved", () => this.quiet || this.onChange("disconnect"));
    ed.on("nodeRemoved", (id) => {
      this.selected.delete(String(id));
      if (this.quiet) return;
      this.selection.announce();
      this.onChange("remove");
    });
    ed.on("nodeMoved", () => this.onChange("move"));
    const redraw = () => this.minimap.schedule();
    const pan = () => this.minimap.schedule(false);
    for (const event of ["mouseUp", "nodeCreated", "nodeRemoved", "connectionCreated", "connectionRemoved"]) ed.on(event, redraw);
    for (const event of ["translate", "zoom"]) ed.on(event, pan);
    ed.on("mouseMove", () => (ed.drag ? redraw() : ed.editor_selected && pan()));
    window.addEventListener("resize", pan);
  }

  key(e) {
    if (typingIn(e.target)) {
      if (e.key === "Delete" || e.key === "Backspace") e.stopPropagation();
      return;
    }
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase();
    if ((e.key === "Delete" || e.key === "Backspace") && this.selected.size) {
      e.preventDefault();
      e.stopPropagation();
      this.removeSelection();
    } else if (mod && key === "c" && this.selected.size) {
      this.copySelection(); // the browser still copies any text selected on the page
    } else if (mod && key === "v" && this.clipboard) {
      e.preventDefault();
      this.paste();
    } else if (mod && key === "a" && (e.target === document.body || this.element.parentElement.contains(e.target))) {
      e.preventDefault(); // elsewhere (a table, a panel) Ctrl+A still selects the page's text
      this.selection.set(Object.keys(this.data()));
    } else if (e.key === "Escape") {
      this.selection.set([]);
    }
  }

  select(dfId) {
    this.selection.set(dfId ? [dfId] : []);
  }

  removeSelection() {
    const doomed = [...this.selected];
    this.selection.set([]);
    this.silently(() => doomed.forEach((dfId) => this.editor.removeNodeId(`node-${dfId}`)));
    this.onChange("remove");
  }

  copySelection() {
    const ids = new Set([...this.selected].map((dfId) => this.node(dfId).data.id));
    this.clipboard = copied(this.toDoc({ name: "" }), ids);
    this.pastes = 0;
  }

  // Each paste lands a step further from the copied nodes, under fresh ids, and becomes the selection.
  paste() {
    this.pastes += 1;
    const doc = pasted(this.clipboard, this.nodeIds(), PASTE_OFFSET * this.pastes);
    let placed;
    this.silently(() => (placed = this.add(doc).byId));
    this.selection.set(placed.values());
    this.onChange("paste");
  }

  silently(action) {
    this.quiet += 1;
    try {
      return action();
    } finally {
      this.quiet -= 1;
    }
  }

  data() {
    return this.editor.drawflow.drawflow.Home.data;
  }

  node(dfId) {
    return this.data()[dfId];
  }

  nodeElement(dfId) {
    return document.getElementById(`node-${dfId}`);
  }

  dfIdOf(nodeId) {
    return Object.keys(this.data()).find((k) => this.data()[k].data.id === nodeId) ?? null;
  }

  nodeIds() {
    return new Set(Object.values(this.data()).map((n) => n.data.id));
  }

  edgeOf(c) {
    const source = this.node(c.output_id);
    const target = this.node(c.input_id);
    return {
      from: source.data.id,
      fromPort: source.data.ports.outputs[portIndex(c.output_class)],
      to: target.data.id,
      toPort: target.data.ports.inputs[portIndex(c.input_class)].name,
    };
  }

  edges() {
    const data = this.data();
    const found = [];
    for (const dfId of Object.keys(data)) {
      for (const [cls, output] of Object.entries(data[dfId].outputs)) {
        for (const c of output.connections) {
          found.push(this.edgeOf({ output_id: dfId, input_id: c.node, output_class: cls, input_class: c.output }));
        }
      }
    }
    return found;
  }

  connected(c) {
    if (this.quiet) return;
    const edge = this.edgeOf(c);
    const same = (e) => e.from === edge.from && e.fromPort === edge.fromPort && e.to === edge.to && e.toPort === edge.toPort;
    const others = this.edges().filter((e) => !same(e));
    const port = this.node(c.input_id).data.ports.inputs[portIndex(c.input_class)];
    const reason = connectionRefusal(others, edge, port);
    if (reason) {
      this.silently(() => this.editor.removeSingleConnection(c.output_id, c.input_id, c.output_class, c.input_class));
      this.onRefuse(reason);
      return;
    }
    this.onChange("connect");
  }

  cancelled() {
    const target = this.lastUp;
    const start = this.connectionStart;
    this.connectionStart = null;
    if (!target || !target.classList || !start) return;
    const owner = target.closest(".drawflow-node");
    const ownerId = owner ? owner.id.slice(5) : null;
    if (target.classList.contains("output")) {
      if (ownerId === String(start.output_id) && target.classList.contains(start.output_class)) return;
      this.onRefuse("wrong direction: an output connects to an input (the left side of a node), not to another output");
    } else if (target.classList.contains("input")) {
      this.onRefuse(
        ownerId === String(start.output_id)
          ? "a node cannot feed itself: that edge would be a cycle"
          : "these two ports are connected already",
      );
    }
  }

  portsFor(node, edges) {
    const spec = this.modules().get(node.module);
    if (spec) return { inputs: spec.inputs, outputs: spec.outputs };
    // An unknown module keeps the ports its edges name, so nothing is lost until it is fixed.
    const inputs = new Set();
    const outputs = new Set();
    for (const edge of edges || []) {
      const [from, fromPort] = splitEnd(edge && edge.from);
      const [to, toPort] = splitEnd(edge && edge.to);
      if (from === node.id) outputs.add(fromPort || "result");
      if (to === node.id) inputs.add(toPort || "data");
    }
    return { inputs: [...inputs].map((name) => ({ name, many: true, optional: false })), outputs: [...outputs] };
  }

  load(doc) {
    let dropped;
    this.silently(() => {
      this.editor.clear();
      this.selected.clear();
      this.editor.node_selected = null;
      dropped = this.add(doc).dropped;
    });
    this.minimap.schedule();
    return dropped;
  }

  // Place a document's nodes and edges beside what is on the canvas; edges that fit no port are dropped.
  add(doc) {
    const dropped = [];
    const byId = new Map();
    for (const node of doc.nodes || []) {
      if (!node || typeof node !== "object") continue;
      byId.set(node.id, this.place(node, this.portsFor(node, doc.edges)));
    }
    for (const edge of doc.edges || []) {
      const ends = this.resolve(edge, byId);
      if (!ends) {
        dropped.push(`${edge && edge.from} → ${edge && edge.to}`);
        continue;
      }
      this.editor.addConnection(ends.source, ends.target, `output_${ends.out + 1}`, `input_${ends.in + 1}`);
    }
    return { byId, dropped };
  }

  resolve(edge, byId) {
    if (!edge || typeof edge !== "object") return null;
    const [from, fromPort] = splitEnd(edge.from);
    const [to, toPort] = splitEnd(edge.to);
    const source = byId.get(from);
    const target = byId.get(to);
    if (source === undefined || target === undefined) return null;
    const outs = this.node(source).data.ports.outputs;
    const ins = this.node(target).data.ports.inputs;
    const required = ins.filter((p) => !p.optional);
    const out = fromPort ? outs.indexOf(fromPort) : outs.length === 1 ? 0 : -1;
    const inName = toPort || (required.length === 1 ? required[0].name : null);
    const inIndex = ins.findIndex((p) => p.name === inName);
    return out < 0 || inIndex < 0 ? null : { source, target, out, in: inIndex };
  }

  place(node, ports) {
    const spec = this.modules().get(node.module);
    const position = node.position || { x: 80, y: 80 };
    const data = {
      id: node.id,
      module: node.module,
      label: node.label || "",
      params: node.params && typeof node.params === "object" ? node.params : {},
      ports,
    };
    const kind = spec ? spec.kind : "unknown";
    const html = `
      <div class="node-box">
        <div class="node-title"></div>
        <div class="node-module">${escapeHtml(node.module)}</div>
        <div class="node-status"></div>
        <div class="node-problems"></div>
      </div>`;
    const dfId = this.editor.addNode(
      node.module, ports.inputs.length, ports.outputs.length, position.x, position.y, `kind-${kind}`, data, html,
    );
    this.decorate(String(dfId));
    return String(dfId);
  }

  decorate(dfId) {
    const el = this.nodeElement(dfId);
    const { data } = this.node(dfId);
    el.dataset.nodeId = data.id;
    el.dataset.module = data.module;
    el.querySelector(".node-title").textContent = data.label || data.id;
    el.querySelector(".node-title").title = data.label ? `${data.label} (${data.id})` : data.id;
    el.querySelectorAll(".inputs .input").forEach((port, i) => {
      const spec = data.ports.inputs[i];
      port.dataset.port = spec.name;
      port.dataset.tip = `input '${spec.name}'${spec.many ? " (takes several edges)" : ""}${spec.optional ? " (optional)" : ""}`;
      port.title = port.dataset.tip;
    });
    el.querySelectorAll(".outputs .output").forEach((port, i) => {
      port.dataset.port = data.ports.outputs[i];
      port.dataset.tip = `output '${data.ports.outputs[i]}': drag to an input`;
      port.title = port.dataset.tip;
    });
    const ports = Math.max(data.ports.inputs.length, data.ports.outputs.length);
    el.style.minHeight = `${Math.max(64, ports * 30 + 10)}px`;
  }

  addModule(name, x, y) {
    const id = freshId(name, this.nodeIds());
    const node = { id, module: name, params: {}, position: { x, y } };
    const dfId = this.silently(() => this.place(node, this.portsFor(node, [])));
    this.select(dfId);
    this.onChange("add");
    return dfId;
  }

  update(dfId, patch) {
    const current = this.node(dfId).data;
    this.editor.updateNodeDataFromId(dfId, { ...current, ...patch });
    this.decorate(dfId);
    this.onChange("edit");
  }

  remove(dfId) {
    this.editor.removeNodeId(`node-${dfId}`);
  }

  toDoc(meta) {
    const data = this.data();
    const nodes = Object.keys(data).map((dfId) => {
      const n = data[dfId];
      const node = { id: n.data.id, module: n.data.module };
      if (n.data.label) node.label = n.data.label;
      node.params = n.data.params || {};
      node.position = { x: Math.round(n.pos_x), y: Math.round(n.pos_y) };
      return node;
    });
    const portsById = new Map(Object.values(data).map((n) => [n.data.id, n.data.ports]));
    const edges = this.edges().map((e) => {
      const outs = portsById.get(e.from).outputs;
      const required = portsById.get(e.to).inputs.filter((p) => !p.optional);
      const shortFrom = outs.length === 1;
      const shortTo = required.length === 1 && required[0].name === e.toPort;
      return { from: shortFrom ? e.from : `${e.from}.${e.fromPort}`, to: shortTo ? e.to : `${e.to}.${e.toPort}` };
    });
    const doc = { name: meta.name };
    if (meta.description) doc.description = meta.description;
    return { ...doc, nodes, edges };
  }

  setProblems(problems) {
    const order = Object.keys(this.data());
    const byNode = new Map();
    for (const p of problems) {
      if (!p.node) continue;
      const indexed = /^nodes\[(\d+)\]$/.exec(p.node);
      const dfId = indexed ? order[Number(indexed[1])] : this.dfIdOf(p.node);
      if (dfId === undefined || dfId === null) continue;
      byNode.set(dfId, [...(byNode.get(dfId) || []), p]);
    }
    for (const dfId of order) {
      const el = this.nodeElement(dfId);
      const mine = byNode.get(dfId) || [];
      el.classList.toggle("has-problem", mine.length > 0);
      const badge = el.querySelector(".node-problems");
      const lines = mine.map((p) => `⚠ ${p.field ? `${p.field}: ` : ""}${p.message}`);
      badge.textContent = lines.join("\n");
      badge.title = lines.join("\n");
    }
    return byNode;
  }

  // Show the columns on each port (its tooltip) and edge (an SVG <title> on its path): `schemas` maps node id to
  // {inputs, outputs}, port name to {columns: [{name, type}], exact} or null (unknown before a run).
  setSchemas(schemas) {
    const listing = (port) => {
      if (!port) return "columns: known after a run";
      const lines = port.columns.map((c) => `  ${c.name}: ${c.type}`);
      return `${port.columns.length} column${port.columns.length === 1 ? "" : "s"}${port.exact ? "" : " (types sampled)"}:\n${lines.join("\n")}`;
    };
    const names = (port) => (port ? port.columns.map((c) => c.name).join(", ") : "");
    for (const dfId of Object.keys(this.data())) {
      const { data } = this.node(dfId);
      const mine = schemas[data.id] || { inputs: {}, outputs: {} };
      const el = this.nodeElement(dfId);
      el.querySelectorAll(".inputs .input").forEach((port, i) => {
        const found = mine.inputs[data.ports.inputs[i].name];
        port.title = `${port.dataset.tip}\n${listing(found)}`;
        port.dataset.columns = names(found);
      });
      el.querySelectorAll(".outputs .output").forEach((port, i) => {
        const found = mine.outputs[data.ports.outputs[i]];
        port.title = `${port.dataset.tip}\n${listing(found)}`;
        port.dataset.columns = names(found);
      });
    }
    for (const svg of this.element.querySelectorAll("svg.connection")) {
      const classes = [...svg.classList];
      const source = classes.find((c) => c.startsWith("node_out_node-"));
      const output = classes.find((c) => /^output_\d+$/.test(c));
      const node = source && this.node(source.slice("node_out_node-".length));
      if (!node || !output) continue;
      const port = node.data.ports.outputs[portIndex(output)];
      const found = (schemas[node.data.id] || { outputs: {} }).outputs[port];
      // inside the path: Drawflow takes an edge's path to be its svg's first child
      const path = svg.querySelector("path.main-path");
      if (!path) continue;
      let title = path.querySelector("title");
      if (!title) {
        title = document.createElementNS("http://www.w3.org/2000/svg", "title");
        path.append(title);
      }
      title.textContent = `${node.data.id}.${port} → ${listing(found)}`;
      svg.dataset.columns = names(found);
    }
  }

  setRunState(nodes) {
    for (const dfId of Object.keys(this.data())) {
      const el = this.nodeElement(dfId);
      el.classList.remove(...STATE_CLASSES);
      const status = nodes ? nodes[this.node(dfId).data.id] : null;
      const text = el.querySelector(".node-status");
      if (!status) {
        text.textContent = "";
        continue;
      }
      el.classList.add(`state-${status.state}`);
      const rows = status.row_count === null || status.row_count === undefined ? "" : ` ${status.row_count.toLocaleString()} rows`;
      text.textContent = status.state === "succeeded" ? `✓${rows}` : STATE_TEXT[status.state];
    }
  }

  // Every node's box in canvas coordinates, for fitting and the minimap.
  boxes() {
    return Object.entries(this.data()).map(([dfId, n]) => {
      const el = this.nodeElement(dfId);
      const spec = this.modules().get(n.data.module);
      return {
        dfId,
        id: n.data.id,
        x: n.pos_x,
        y: n.pos_y,
        w: el.offsetWidth,
        h: el.offsetHeight,
        kind: spec ? spec.kind : "unknown",
        selected: this.selected.has(dfId),
        source: Object.values(n.inputs).every((input) => !input.connections.length),
      };
    });
  }

  // [source Drawflow id, target Drawflow id] for every edge.
  links() {
    const found = [];
    for (const [dfId, n] of Object.entries(this.data())) {
      for (const output of Object.values(n.outputs)) found.push(...output.connections.map((c) => [dfId, String(c.node)]));
    }
    return found;
  }

  // The visible part of the canvas, in canvas coordinates.
  viewport() {
    const rect = this.element.getBoundingClientRect();
    const corner = this.canvasPoint(rect.x, rect.y);
    return { x: corner.x, y: corner.y, w: rect.width / this.editor.zoom, h: rect.height / this.editor.zoom };
  }

  // Whether the flowchart, at the current zoom, is larger than the canvas.
  overflows(boxes = this.boxes()) {
    const all = bounds(boxes);
    const zoom = this.editor.zoom;
    return all.w * zoom > this.element.clientWidth || all.h * zoom > this.element.clientHeight;
  }

  // Zoom so that canvas point `at` shows at `screen` (pixels from the canvas's top left corner).
  setView(zoom, at, screen) {
    const ed = this.editor;
    ed.zoom = zoom;
    ed.zoom_last_value = zoom;
    // Drawflow scales the canvas about its centre.
    ed.canvas_x = screen.x - at.x * zoom - (ed.precanvas.clientWidth / 2) * (1 - zoom);
    ed.canvas_y = screen.y - at.y * zoom - (ed.precanvas.clientHeight / 2) * (1 - zoom);
    ed.precanvas.style.transform = `translate(${ed.canvas_x}px, ${ed.canvas_y}px) scale(${zoom})`;
    ed.dispatch("zoom", zoom);
  }

  centerOn(point) {
    this.setView(this.editor.zoom, point, { x: this.element.clientWidth / 2, y: this.element.clientHeight / 2 });
  }

  // Zoom out (never in, never below FIT_FLOOR) and centre the flowchart. When it does not fit at the
  // floor, show its sources (where reading starts) at the left; the minimap shows the rest.
  fit(pad = 40) {
    const boxes = this.boxes();
    const width = this.element.clientWidth;
    const height = this.element.clientHeight;
    if (!boxes.length) {
      this.setView(1, { x: 0, y: 0 }, { x: 0, y: 0 });
      return;
    }
    const all = bounds(boxes);
    const zoom = Math.max(FIT_FLOOR, Math.min(1, (width - 2 * pad) / (all.w || 1), (height - 2 * pad) / (all.h || 1)));
    if (all.w * zoom <= width - 2 * pad + 1 && all.h * zoom <= height - 2 * pad + 1) {
      this.setView(zoom, { x: all.x + all.w / 2, y: all.y + all.h / 2 }, { x: width / 2, y: height / 2 });
      return;
    }
    const sources = bounds(boxes.filter((b) => b.source).length ? boxes.filter((b) => b.source) : boxes);
    if (sources.h * zoom <= height - 2 * pad) {
      this.setView(zoom, { x: sources.x, y: sources.y + sources.h / 2 }, { x: pad, y: height / 2 });
    } else {
      this.setView(zoom, { x: sources.x, y: sources.y }, { x: pad, y: pad });
    }
  }

  canvasPoint(clientX, clientY) {
    const rect = this.editor.precanvas.getBoundingClientRect();
    return { x: (clientX - rect.x) / this.editor.zoom, y: (clientY - rect.y) / this.editor.zoom };
  }

  visibleCenter() {
    const rect = this.element.getBoundingClientRect();
    const point = this.canvasPoint(rect.x + rect.width / 2, rect.y + rect.height / 3);
    return { x: point.x - 80, y: point.y - 30 };
  }
}
