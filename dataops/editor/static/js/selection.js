// Which nodes are selected: a click selects one, Shift/Ctrl+click adds or removes one, Shift+drag on
// the background selects every node the rectangle touches; dragging a selected node moves them all.
// Drawflow knows one selected node only; this keeps its idea and the "selected" classes in step.

export class Selection {
  constructor(graph) {
    this.graph = graph;
    this.ids = new Set(); // Drawflow ids
    this.dragStart = null; // where each selected node was when a drag began
    this.listen();
  }

  listen() {
    // On the canvas's parent, in the capture phase: before Drawflow's own handler, which selects one node only.
    this.graph.element.parentElement.addEventListener("mousedown", (e) => this.pointerDown(e), true);
    // After Drawflow's handler, which moves the "selected" class to the node it clicked.
    this.graph.element.addEventListener("mousedown", () => this.paint());
    this.graph.element.addEventListener("mousemove", () => this.dragAlong());
    // Drawflow records a dragged node one pointer step ahead of where it shows it: keep the one shown.
    this.graph.editor.on("nodeMoved", () => {
      for (const dfId of this.dragStart ? this.dragStart.keys() : []) {
        const node = this.graph.node(dfId);
        const el = this.graph.nodeElement(dfId);
        if (node && el) [node.pos_x, node.pos_y] = [el.offsetLeft, el.offsetTop];
      }
    });
  }

  // Taken from Drawflow, a click no longer moves the focus from a field to the canvas: do it here,
  // or the next Delete would go to the field.
  focus() {
    this.graph.element.focus({ preventScroll: true });
  }

  pointerDown(e) {
    if (e.button !== 0 && e.button !== 2) return;
    const target = e.target;
    if (!target.closest || !this.graph.element.contains(target)) return;
    const additive = e.shiftKey || e.ctrlKey || e.metaKey;
    if (target.closest(".drawflow-delete")) {
      if (this.ids.size > 1) {
        e.stopPropagation();
        this.graph.removeSelection();
      }
      return;
    }
    const nodeEl = target.closest(".drawflow-node");
    if (nodeEl && !target.closest(".input, .output")) {
      const dfId = nodeEl.id.slice(5);
      if (additive && e.button === 0) {
        e.stopPropagation();
        e.preventDefault();
        this.focus();
        const next = new Set(this.ids);
        if (next.has(dfId)) next.delete(dfId);
        else next.add(dfId);
        this.set(next);
        return;
      }
      const member = this.ids.has(dfId);
      if (!member) this.set([dfId]);
      this.dragStart = new Map([...this.ids].map((id) => [id, { x: this.graph.node(id).pos_x, y: this.graph.node(id).pos_y }]));
      window.addEventListener("mouseup", () => this.pointerUp(dfId, member && e.button === 0), { once: true });
      return;
    }
    if (target.closest(".input")) return;
    if (e.shiftKey && e.button === 0 && !target.closest("svg")) {
      e.stopPropagation();
      e.preventDefault();
      this.focus();
      this.band(e);
      return;
    }
    if (e.button === 0) this.set([]);
  }

  // A click (no drag) on one node of a selection selects that node alone.
  pointerUp(dfId, member) {
    const start = this.dragStart && this.dragStart.get(dfId);
    this.dragStart = null;
    const node = this.graph.node(dfId);
    if (member && start && node && node.pos_x === start.x && node.pos_y === start.y) this.set([dfId]);
  }

  // Drawflow drags the node under the pointer; the other selected nodes follow it.
  dragAlong() {
    const ed = this.graph.editor;
    if (!ed.drag || !this.dragStart || this.dragStart.size < 2 || !ed.ele_selected) return;
    const lead = ed.ele_selected.id.slice(5);
    const start = this.dragStart.get(lead);
    if (!start) return;
    const dx = ed.ele_selected.offsetLeft - start.x;
    const dy = ed.ele_selected.offsetTop - start.y;
    for (const [dfId, from] of this.dragStart) {
      if (dfId === lead || !this.graph.node(dfId)) continue;
      const node = this.graph.node(dfId);
      node.pos_x = from.x + dx;
      node.pos_y = from.y + dy;
      const el = this.graph.nodeElement(dfId);
      el.style.left = `${node.pos_x}px`;
      el.style.top = `${node.pos_y}px`;
      ed.updateConnectionNodes(`node-${dfId}`);
    }
  }

  // Shift+drag on the background draws a rectangle; the nodes it touches join the selection.
  band(start) {
    const frame = this.graph.element.getBoundingClientRect();
    const rubber = document.createElement("div");
    rubber.className = "rubber-band";
    this.graph.element.append(rubber);
    const before = new Set(this.ids);
    const move = (e) => {
      const left = Math.min(start.clientX, e.clientX);
      const top = Math.min(start.clientY, e.clientY);
      const right = Math.max(start.clientX, e.clientX);
      const bottom = Math.max(start.clientY, e.clientY);
      Object.assign(rubber.style, {
        left: `${left - frame.left}px`,
        top: `${top - frame.top}px`,
        width: `${right - left}px`,
        height: `${bottom - top}px`,
      });
      const hits = Object.keys(this.graph.data()).filter((dfId) => {
        const r = this.graph.nodeElement(dfId).getBoundingClientRect();
        return r.left < right && r.right > left && r.top < bottom && r.bottom > top;
      });
      this.set([...before, ...hits]);
    };
    const up = () => {
      window.removeEventListener("mousemove", move);
      rubber.remove();
    };
    window.addEventListener("mousemove", move);
    window.addEventListener("mouseup", up, { once: true });
  }

  set(dfIds) {
    const next = new Set([...dfIds].map(String).filter((dfId) => this.graph.node(dfId)));
    const same = next.size === this.ids.size && [...next].every((dfId) => this.ids.has(dfId));
    this.ids = next;
    this.paint();
    if (!same) this.announce();
  }

  announce() {
    this.graph.onSelect(this.ids.size === 1 ? [...this.ids][0] : null, this.ids.size);
  }

  paint() {
    for (const el of this.graph.element.querySelectorAll(".drawflow-node")) {
      el.classList.toggle("selected", this.ids.has(el.id.slice(5)));
    }
    // Drawflow's own idea of the selection (its right-click delete): the one node, or one of several.
    const ed = this.graph.editor;
    const only = this.ids.size === 1 ? this.graph.nodeElement([...this.ids][0]) : null;
    if (only) {
      ed.node_selected = only;
      ed.first_click = only;
    } else if (!ed.node_selected || !this.ids.has(ed.node_selected.id.slice(5))) {
      ed.node_selected = null;
    }
    this.graph.minimap.schedule();
  }
}
