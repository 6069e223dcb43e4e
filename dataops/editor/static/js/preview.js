// A node's output in the last run: a summary in the inspector and a wide drawer below the canvas
// that pages through the rows the run kept, with each column's statistics and histogram on top.

import { api } from "./api.js";
import { el } from "./dom.js";

const PAGE = 50;
const SVG = "http://www.w3.org/2000/svg";
const statsCache = new Map(); // "run/node/port" -> the stats answer (or its failure message)
let shown = null; // {runId, node, port, offset}: the drawer's content, so a stale answer is dropped

// container: the inspector's #run-preview; status: the node's state in the run (from the run's status).
export async function showNodePreview(container, { runId, runUrl, node, status, current }) {
  container.replaceChildren(el("h3", { text: "Last run" }), stateLine(status.state));
  if (status.error) container.append(el("pre", { className: "node-error", text: status.error }));
  if (!["succeeded", "failed"].includes(status.state)) {
    if (runUrl) container.append(runLink(runUrl));
    return;
  }
  const drawer = el("section", { className: "preview-drawer", id: "preview-drawer", "aria-label": `Output of ${node}` });
  shown = { runId, node, port: null, offset: 0 };
  try {
    const preview = await api("GET", pagePath(runId, node, null, 0));
    if (!current()) return;
    summary(container, preview, runUrl, drawer);
    container.append(drawer);
    renderDrawer(drawer, preview, runUrl);
  } catch (e) {
    if (current()) container.append(el("p", { className: "muted", text: `no preview: ${e.message}` }));
  }
}

function pagePath(runId, node, port, offset) {
  const query = new URLSearchParams({ offset, limit: PAGE });
  if (port) query.set("port", port);
  return `/api/runs/${encodeURIComponent(runId)}/nodes/${encodeURIComponent(node)}?${query}`;
}

function stateLine(state) {
  return el("p", { className: `state-line state-${state}`, text: state.replace("_", " ") });
}

function runLink(url) {
  return el("a", { href: url, target: "_blank", rel: "noopener", text: "Open the run in Dagster ↗" });
}

function summary(container, preview, runUrl, drawer) {
  for (const output of preview.outputs) {
    const rows = output.row_count === null ? "?" : output.row_count.toLocaleString();
    container.append(
      el(
        "p",
        { className: "output-line" },
        el("strong", { text: output.port }),
        el("span", { className: "row-count", text: ` ${rows} rows` }),
        el("span", { text: ` · ${output.columns.length} columns` }),
      ),
    );
  }
  const open = el("button", { type: "button", className: "preview-open", text: "Show the rows ▾" });
  open.addEventListener("click", () => (drawer.hidden = false));
  container.append(open);
  if (runUrl) container.append(" ", runLink(runUrl));
}

function renderDrawer(drawer, preview, runUrl) {
  const close = el("button", { type: "button", className: "preview-close", title: "Close", text: "✕" });
  close.addEventListener("click", () => (drawer.hidden = true));
  const title = el(
    "div",
    { className: "preview-title" },
    el("strong", { text: preview.node }),
    stateLine(preview.state),
    portPicker(drawer, preview),
    el("span", { className: "spacer" }),
    runUrl ? runLink(runUrl) : null,
    close,
  );
  drawer.replaceChildren(title);
  if (preview.error) drawer.append(el("pre", { className: "node-error", text: preview.error }));
  if (!preview.page) {
    drawer.append(el("p", { className: "muted preview-note", text: preview.page_note || "no rows" }));
    drawer.dataset.ready = "true";
    return;
  }
  const body = el("div", { className: "preview-body" });
  drawer.append(pager(drawer, preview), body);
  body.append(pageTable(preview.page));
  drawer.dataset.ready = "true";
  loadStats(drawer, preview);
}

function portPicker(drawer, preview) {
  const ports = preview.outputs.map((o) => o.port).filter((p) => p !== "written");
  if (ports.length < 2 || !preview.page) return null;
  const select = el("select", { className: "preview-port", title: "Output port" });
  for (const port of ports) select.append(new Option(port, port, false, port === preview.page.port));
  select.addEventListener("change", () => goTo(drawer, preview, select.value, 0));
  return select;
}

function pager(drawer, preview) {
  const { offset, total_rows: total, rows } = preview.page;
  const last = Math.max(0, Math.floor((total - 1) / PAGE) * PAGE);
  const button = (id, text, title, target, disabled) => {
    const b = el("button", { type: "button", id, title, text, disabled });
    b.addEventListener("click", () => goTo(drawer, preview, preview.page.port, target));
    return b;
  };
  const range = rows.length
    ? `rows ${(offset + 1).toLocaleString()}–${(offset + rows.length).toLocaleString()} of ${total.toLocaleString()}`
    : `no rows (of ${total.toLocaleString()})`;
  return el(
    "div",
    { className: "preview-pager" },
    button("preview-first", "« First", "First page", 0, offset === 0),
    button("preview-prev", "‹ Prev", "Previous page", Math.max(0, offset - PAGE), offset === 0),
    el("span", { className: "preview-range", text: range }),
    button("preview-next", "Next ›", "Next page", offset + PAGE, offset + PAGE >= total),
    button("preview-last", "Last »", "Last page", last, offset >= last),
  );
}

async function goTo(drawer, preview, port, offset) {
  const want = { runId: preview.run_id, node: preview.node, port, offset };
  shown = want;
  drawer.dataset.ready = "false";
  try {
    const next = await api("GET", pagePath(preview.run_id, preview.node, port, offset));
    if (shown !== want) return;
    const scroll = drawer.querySelector(".preview-body");
    const left = scroll ? scroll.scrollLeft : 0;
    renderDrawer(drawer, next, drawer.querySelector(".preview-title a")?.href);
    drawer.querySelector(".preview-body").scrollLeft = left; // paging keeps the columns in view
  } catch (e) {
    drawer.append(el("p", { className: "field-error", text: `page not loaded: ${e.message}` }));
    drawer.dataset.ready = "true";
  }
}

async function loadStats(drawer, preview) {
  const port = preview.page.port;
  const key = `${preview.run_id}/${preview.node}/${port}`;
  if (!statsCache.has(key)) {
    const path = `/api/runs/${encodeURIComponent(preview.run_id)}/nodes/${encodeURIComponent(preview.node)}/stats?port=${encodeURIComponent(port)}`;
    statsCache.set(key, api("GET", path).catch((e) => ({ error: e.message })));
  }
  const stats = await statsCache.get(key);
  const table = drawer.querySelector("table.preview");
  if (!table || !drawer.isConnected) return;
  if (stats.error) {
    table.querySelector("tr.col-stats th").textContent = `no statistics: ${stats.error}`;
    return;
  }
  const cells = table.querySelectorAll("tr.col-stats th.stat");
  stats.columns.forEach((column, i) => cells[i] && cells[i].replaceChildren(...statCell(column)));
  drawer.dataset.stats = "ready";
}

function pageTable(page) {
  const names = el("tr", { className: "col-names" }, el("th", { className: "row-no", text: "#" }));
  const statsRow = el("tr", { className: "col-stats" }, el("th", { className: "row-no" }));
  for (const column of page.columns) {
    names.append(el("th", { title: column.type }, el("span", { className: "col-name", text: column.name }), el("small", { className: "col-type", text: column.type })));
    statsRow.append(el("th", { className: "stat", "data-column": column.name }, el("span", { className: "muted", text: "…" })));
  }
  const body = page.rows.map((row, i) =>
    el("tr", {}, el("td", { className: "row-no", text: (page.offset + i + 1).toLocaleString() }), ...row.map(cell)),
  );
  return el("table", { className: "preview preview-wide" }, el("thead", {}, names, statsRow), el("tbody", {}, ...body));
}

function cell(value) {
  if (value === null) return el("td", { className: "null", text: "∅" });
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return el("td", { className: typeof value === "number" ? "num" : null, title: text.length > 40 ? text : null, text });
}

function short(value) {
  if (value === null || value === undefined) return "–";
  const text = typeof value === "number" ? value.toLocaleString() : String(value);
  return text.length > 22 ? `${text.slice(0, 21)}…` : text;
}

function statCell(column) {
  const distinct = column.distinct === null ? "" : ` · ${column.distinct_approximate ? "≈" : ""}${column.distinct.toLocaleString()} distinct`;
  const parts = [histogram(column), el("div", { className: "stat-line stat-nulls", text: `${column.nulls.toLocaleString()} null${distinct}` })];
  if (column.min !== null || column.max !== null) {
    parts.push(
      el("div", { className: "stat-line" }, el("span", { className: "stat-min", title: `min ${column.min}`, text: short(column.min) }), " … ", el("span", { className: "stat-max", title: `max ${column.max}`, text: short(column.max) })),
    );
  }
  return parts;
}

// Bins (numbers, dates) or the most frequent values (text), as small bars with the counts as tooltips.
function histogram(column) {
  const bars = column.bins.length
    ? column.bins.map((b) => ({ count: b.count, label: `${short(b.start)} – ${short(b.end)}: ${b.count.toLocaleString()}` }))
    : column.top.map((t) => ({ count: t.count, label: `${short(t.value)}: ${t.count.toLocaleString()}` }));
  if (!bars.length) return null;
  const width = 120;
  const height = 28;
  const most = Math.max(...bars.map((b) => b.count), 1);
  const step = width / bars.length;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", `histogram ${column.bins.length ? "bins" : "top"}`);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  bars.forEach((bar, i) => {
    const h = bar.count ? Math.max(1, (bar.count / most) * height) : 0;
    const rect = document.createElementNS(SVG, "rect");
    rect.setAttribute("x", (i * step + 0.5).toFixed(2));
    rect.setAttribute("y", (height - h).toFixed(2));
    rect.setAttribute("width", Math.max(1, step - 1).toFixed(2));
    rect.setAttribute("height", h.toFixed(2));
    const title = document.createElementNS(SVG, "title");
    title.textContent = bar.label;
    rect.append(title);
    svg.append(rect);
  });
  return svg;
}
