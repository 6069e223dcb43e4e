// An overview of the whole flowchart in the canvas's corner: every node, the edges and the visible area.
// Shown while the flowchart is larger than the canvas; a click or a drag on it pans there.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 200;
const HEIGHT = 130;
const MARGIN = 40; // canvas pixels around the content, so the edge nodes are not glued to the frame

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

export class Minimap {
  // graph: boxes(), links(), viewport(), overflows(), centerOn(point)
  constructor(host, graph) {
    this.graph = graph;
    this.frame = null;
    this.whole = false; // whether the next frame redraws the nodes too, or only the visible area
    this.map = null;
    this.boxes = []; // the nodes as last drawn
    this.view = svg("rect", { class: "mini-view" });
    this.root = document.createElement("div");
    this.root.id = "minimap";
    this.root.hidden = true;
    this.root.title = "Overview: click or drag to look elsewhere";
    this.svg = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, role: "img", "aria-label": "Overview of the flowchart" });
    this.root.append(this.svg);
    host.append(this.root);
    let pressed = false;
    this.svg.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      e.stopPropagation();
      pressed = true;
      this.svg.setPointerCapture(e.pointerId);
      this.panTo(e);
    });
    this.svg.addEventListener("pointermove", (e) => pressed && this.panTo(e));
    this.svg.addEventListener("pointerup", () => (pressed = false));
    this.svg.addEventListener("pointercancel", () => (pressed = false));
  }

  // whole: the nodes or edges changed; otherwise only the visible area moved (a pan or a zoom).
  schedule(whole = true) {
    this.whole = this.whole || whole;
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      const redraw = this.whole;
      this.whole = false;
      if (redraw || !this.map) this.draw();
      else this.placeView();
    });
  }

  // The map is scaled to the nodes alone, so panning never rescales it (the visible area may leave it).
  draw() {
    const boxes = this.graph.boxes();
    this.boxes = boxes;
    this.root.hidden = !boxes.length || !this.graph.overflows(boxes);
    if (this.root.hidden) {
      this.map = null;
      return;
    }
    this.map = this.scale(boxes);
    const { k, x0, y0 } = this.map;
    const at = (x, y) => [(x - x0) * k, (y - y0) * k];
    const centres = new Map(boxes.map((b) => [b.dfId, b]));
    const shapes = [];
    for (const [from, to] of this.graph.links()) {
      const a = centres.get(from);
      const b = centres.get(to);
      if (!a || !b) continue;
      const [x1, y1] = at(a.x + a.w, a.y + a.h / 2);
      const [x2, y2] = at(b.x, b.y + b.h / 2);
      shapes.push(svg("line", { class: "mini-edge", x1, y1, x2, y2 }));
    }
    for (const b of boxes) {
      const [x, y] = at(b.x, b.y);
      const cls = `mini-node kind-${b.kind}${b.selected ? " selected" : ""}`;
      shapes.push(svg("rect", { class: cls, x, y, width: Math.max(2, b.w * k), height: Math.max(2, b.h * k), rx: 1.5, "data-node": b.id }));
    }
    this.svg.replaceChildren(...shapes, this.view);
    this.placeView();
  }

  placeView() {
    // a zoom can make the flowchart fit, or no longer fit
    if (this.root.hidden === (this.boxes.length > 0 && this.graph.overflows(this.boxes))) {
      this.draw();
      return;
    }
    if (!this.map) return;
    const { k, x0, y0 } = this.map;
    const view = this.graph.viewport();
    for (const [key, value] of Object.entries({ x: (view.x - x0) * k, y: (view.y - y0) * k, width: view.w * k, height: view.h * k })) {
      this.view.setAttribute(key, value);
    }
  }

  scale(boxes) {
    const x0 = Math.min(...boxes.map((b) => b.x)) - MARGIN;
    const y0 = Math.min(...boxes.map((b) => b.y)) - MARGIN;
    const x1 = Math.max(...boxes.map((b) => b.x + b.w)) + MARGIN;
    const y1 = Math.max(...boxes.map((b) => b.y + b.h)) + MARGIN;
    const k = Math.min(WIDTH / (x1 - x0), HEIGHT / (y1 - y0));
    // centre the content in the frame
    return { k, x0: x0 - (WIDTH / k - (x1 - x0)) / 2, y0: y0 - (HEIGHT / k - (y1 - y0)) / 2 };
  }

  panTo(e) {
    if (!this.map) return;
    const rect = this.svg.getBoundingClientRect();
    const { k, x0, y0 } = this.map;
    this.graph.centerOn({ x: x0 + (e.clientX - rect.left) / k, y: y0 + (e.clientY - rect.top) / k });
  }
}
