// The editor page: wires the palette, canvas, inspector, validation, saving and runs together.

import { api, upload } from "./api.js";
import { ColumnSource } from "./columns.js";
import { Graph, typingIn } from "./graph.js";
import { History } from "./history.js";
import { flowchartInspector, nodeInspector, problemList } from "./inspector.js";
import { MODULE_MIME, renderPalette } from "./palette.js";
import { showNodePreview } from "./preview.js";
import { ID_PATTERN } from "./rules.js";
import { fillColumns } from "./schema_form.js";
import { checkDisk, resolveConflict, watchDisk } from "./conflict.js";

const $ = (id) => document.getElementById(id);
const NAME_HELP = "use letters, digits and _, not starting with a digit";

const state = {
  config: { dagster_url: "", max_upload_mb: 200 },
  modules: new Map(),
  meta: { name: "", description: "" },
  file: null,
  saved: null,
  selected: null,
  problems: [],
  schemas: {}, // node id to {inputs, outputs}: the columns on each port, from validation
  runId: null,
  run: null,
  launching: false, // between the Run click and the launch's answer
  previews: new Map(),
};
const history = new History();
let graph;
let columns;
let messageTimer;
let recordTimer;
let validateTimer;
let validateSeq = 0;

function showMessage(text, kind = "info") {
  const box = $("message");
  box.textContent = text;
  box.className = `message-${kind}`;
  box.hidden = false;
  clearTimeout(messageTimer);
  messageTimer = setTimeout(() => (box.hidden = true), kind === "error" || kind === "warn" ? 15000 : 6000);
}

function currentDoc() {
  return graph.toDoc(state.meta);
}

// Changed since opened, saved or started empty (nothing is loaded before the first of these).
function dirty() {
  return state.saved !== null && JSON.stringify(currentDoc()) !== state.saved;
}

function onChange() {
  showState();
  clearTimeout(recordTimer);
  recordTimer = setTimeout(() => {
    history.record(JSON.stringify(currentDoc()));
    updateButtons();
  }, 0);
  scheduleValidate();
}

function updateButtons() {
  $("undo-btn").disabled = !history.canUndo;
  $("redo-btn").disabled = !history.canRedo;
  $("save-btn").classList.toggle("dirty", !state.file || dirty());
  showState();
}

// "3 nodes, 2 edges · saved as x.yaml", as the canvas is now: kept current on every change.
function summary() {
  const doc = currentDoc();
  const chosen = graph.selected.size > 1 ? ` · ${graph.selected.size} selected` : "";
  const file = !state.file ? "not saved yet" : dirty() ? `${state.file}, changed since saved` : `saved as ${state.file}`;
  const count = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;
  return `${count(doc.nodes.length, "node")}, ${count(doc.edges.length, "edge")}${chosen} · ${file}`;
}

// The summary line and, on an empty canvas, the way to start.
function showState() {
  const line = $("flowchart-summary");
  if (line) line.textContent = summary();
  const empty = !Object.keys(graph.data()).length;
  const start = $("canvas-start");
  // Emptied: the problems give way at once; the first node's problems come with its validation.
  const emptied = empty && start.hidden;
  start.hidden = !empty;
  $("canvas-hint").hidden = empty;
  if (emptied) setProblems(state.problems);
}

// ---- validation ---------------------------------------------------------------------------

function scheduleValidate() {
  document.body.dataset.validated = "pending"; // "done" once the latest document's answer is shown
  clearTimeout(validateTimer);
  validateTimer = setTimeout(() => {
    validateTimer = null;
    validateNow();
  }, 350);
}

async function validateNow() {
  const seq = ++validateSeq;
  try {
    const result = await api("POST", "/api/validate", currentDoc());
    if (seq !== validateSeq) return;
    setProblems(result.problems);
    state.schemas = result.schemas || {};
    graph.setSchemas(state.schemas);
    fillPickers();
    if (seq === validateSeq && !validateTimer) document.body.dataset.validated = "done";
  } catch (e) {
    showMessage(`validation failed: ${e.message}`, "error");
    if (seq === validateSeq && !validateTimer) document.body.dataset.validated = "done";
  }
}

function setProblems(problems) {
  state.problems = problems;
  const placed = graph.setProblems(problems);
  const onNodes = new Set([...placed.values()].flat());
  const list = $("problems");
  list.replaceChildren();
  const badge = $("validity");
  $("problem-count").textContent = "";
  if (!Object.keys(graph.data()).length) {
    // An empty flowchart is not a mistake yet: what it lacks is said once there is a node.
    const none = document.createElement("li");
    none.className = "none";
    none.textContent = "Nothing to check yet: add a node to start.";
    list.append(none);
    badge.textContent = "empty";
    badge.className = "badge";
    return;
  }
  for (const p of [...problems].sort((a, b) => onNodes.has(a) - onNodes.has(b))) {
    const item = document.createElement("li");
    item.className = onNodes.has(p) ? "on-node" : "general";
    item.textContent = `${p.location || "flowchart"}: ${p.message}`;
    const dfId = p.node ? graph.dfIdOf(p.node) : null;
    if (dfId !== null) item.addEventListener("click", () => graph.select(dfId));
    list.append(item);
  }
  if (!problems.length) {
    const none = document.createElement("li");
    none.className = "none";
    none.textContent = "No problems: the flowchart is valid.";
    list.append(none);
  }
  $("problem-count").textContent = problems.length ? `(${problems.length})` : "";
  badge.textContent = problems.length ? `${problems.length} problem${problems.length === 1 ? "" : "s"}` : "valid ✓";
  badge.className = `badge ${problems.length ? "bad" : "good"}`;
  const holder = document.querySelector(".inspector-node .problems-holder");
  if (holder && state.selected) {
    holder.replaceChildren(problemList(placed.get(state.selected) || []) || "");
  }
}

// ---- inspector ----------------------------------------------------------------------------

function onSelect(dfId) {
  state.selected = dfId;
  renderInspector();
}

function renderInspector() {
  const container = $("inspector");
  const dfId = state.selected;
  const entry = dfId ? graph.node(dfId) : null;
  if (!entry) {
    state.selected = null;
    const panel = flowchartInspector(state.meta, summary(), {
      describe: (value) => {
        state.meta.description = value;
        onChange();
      },
    });
    panel.querySelector("p.muted").id = "flowchart-summary";
    container.replaceChildren(panel);
    return;
  }
  const node = entry.data;
  const mine = state.problems.filter((p) => p.node === node.id);
  const panel = nodeInspector(node, state.modules.get(node.module), mine, {
    update: (patch) => {
      graph.update(dfId, patch);
      if (patch.id !== undefined || patch.label !== undefined) renderInspector();
    },
    idTaken: (id) => id !== node.id && graph.nodeIds().has(id),
    refuse: (reason) => showMessage(reason, "error"),
    remove: () => graph.remove(dfId),
    upload: (file) => uploadFile(file, { dfId }),
  });
  const holder = document.createElement("div");
  holder.className = "problems-holder";
  const list = panel.querySelector(".node-problem-list");
  if (list) list.replaceWith(holder);
  else panel.querySelector(".module-line").after(holder);
  if (list) holder.append(list);
  container.replaceChildren(panel);
  fillPickers();
  showPreview(dfId);
}

// Offer the columns reaching the selected node in its column pickers and SQL fields.
function fillPickers() {
  const dfId = state.selected;
  if (!dfId || !graph.node(dfId)) return;
  columns.upstream(dfId).then((names) => {
    if (state.selected !== dfId) return;
    document.querySelectorAll("#inspector datalist.column-list").forEach((l) => fillColumns(l, names));
  });
}

async function showPreview(dfId) {
  const box = $("run-preview");
  const node = graph.node(dfId);
  const status = state.run && node ? state.run.nodes[node.data.id] : null;
  if (!box || !status) return;
  const current = () => state.selected === dfId && box.isConnected;
  await showNodePreview(box, { runId: state.runId, runUrl: state.run.url, node: node.data.id, status, current });
}

// ---- palette and modules ------------------------------------------------------------------

async function loadModules() {
  const result = await api("GET", "/api/modules");
  state.modules = new Map(result.modules.map((m) => [m.name, m]));
  $("plugin-problems").textContent = result.plugin_problems.map((p) => `plugin problem: ${p}`).join("\n");
  renderPalette($("palette-list"), state.modules, $("palette-search").value, addAtCenter);
}

// Remote modules come and go (docs/remote-modules.md): look every 2 s; a change reloads the palette.
let remoteSeen = "";
async function watchRemoteModules() {
  try {
    const result = await api("GET", "/api/remote");
    const seen = JSON.stringify(result.modules.map((m) => [m.name, m.version, m.available]));
    if (seen !== remoteSeen) {
      const first = remoteSeen === "";
      remoteSeen = seen;
      if (!first) await loadModules();
    }
  } catch (e) {
    // the editor is restarting: look again next time
  }
}

function addAtCenter(name) {
  const point = graph.visibleCenter();
  graph.addModule(name, point.x, point.y);
}

async function reloadModules() {
  try {
    const result = await api("POST", "/api/reload");
    await loadModules();
    restore(JSON.stringify(currentDoc()), { keepHistory: true });
    const dagster = result.dagster.ok ? "Dagster reloaded" : `Dagster not reloaded: ${result.dagster.message}`;
    showMessage(`${result.modules} modules; ${dagster}`, result.dagster.ok ? "ok" : "warn");
  } catch (e) {
    showMessage(e.message, "error");
  }
}

// ---- files: open, new, save, upload ---------------------------------------------------------

async function refreshOpenList() {
  const result = await api("GET", "/api/flowcharts");
  const select = $("open-select");
  select.replaceChildren(new Option("Open…", ""));
  for (const f of result.flowcharts) {
    const option = new Option(`${f.name} (${f.file})${f.error ? " — cannot open" : ""}`, f.name);
    option.disabled = Boolean(f.error);
    option.title = f.error || f.description || "";
    select.append(option);
  }
}

function setName(name) {
  state.meta.name = name;
  $("flowchart-name").value = name;
}

function restore(snapshot, { keepHistory = false } = {}) {
  const doc = JSON.parse(snapshot);
  state.meta = { name: "", description: doc.description || "" };
  setName(typeof doc.name === "string" ? doc.name : "");
  const dropped = graph.load(doc);
  graph.setRunState(state.run && state.run.nodes);
  if (!keepHistory) history.reset(JSON.stringify(currentDoc()));
  state.selected = null;
  renderInspector();
  scheduleValidate();
  updateButtons();
  return dropped;
}

async function openFlowchart(name) {
  if (dirty() && !window.confirm("Discard the unsaved changes?")) return;
  try {
    const result = await api("GET", `/api/flowcharts/${encodeURIComponent(name)}`);
    state.run = null;
    state.runId = null;
    $("run-status").replaceChildren();
    // Opened is saved: the file on disk is this document until the first change.
    state.file = result.file;
    state.disk = { name, version: result.version }; // the base of the next save
    state.saved = null;
    const dropped = restore(JSON.stringify(result.document));
    state.saved = JSON.stringify(currentDoc());
    graph.fit();
    setProblems(result.problems);
    validateNow(); // the columns on every port
    updateButtons();
    window.history.replaceState(null, "", `?flowchart=${encodeURIComponent(name)}`);
    if (dropped.length) showMessage(`Edges that name no existing node or port were left out: ${dropped.join(", ")}`, "warn");
  } catch (e) {
    showMessage(e.message, "error");
  }
}

function newFlowchart() {
  if (dirty() && !window.confirm("Discard the unsaved changes?")) return;
  state.run = null;
  state.runId = null;
  state.file = null;
  $("run-status").replaceChildren();
  state.saved = null;
  restore(JSON.stringify({ name: "", nodes: [], edges: [] }));
  state.saved = JSON.stringify(currentDoc()); // new is not saved yet (no file), but not changed either
  graph.fit();
  window.history.replaceState(null, "", window.location.pathname);
  updateButtons();
}

async function save({ force = false } = {}) {
  const name = state.meta.name;
  if (!ID_PATTERN.test(name)) {
    showMessage(name ? `'${name}' is not a valid flowchart name: ${NAME_HELP}` : `Name the flowchart first (${NAME_HELP})`, "error");
    $("flowchart-name").focus();
    return null;
  }
  const doc = currentDoc();
  // The version this edit started from (the file as opened or last saved here; "new": none), so that a save
  // over an edit made on disk meanwhile is refused and offers the choice (conflict.js) instead of losing it.
  const base = state.file && state.disk && state.disk.name === name ? state.disk.version : "new";
  const path = `/api/flowcharts/${name}?${force ? "force=true" : `base=${base}`}`;
  let result;
  try {
    try {
      result = await api("PUT", path, doc);
    } catch (e) {
      if (e.status === 409 && e.body && e.body.disk_changes) {
        const choice = await resolveConflict(e.body);
        if (choice === "mine") return save({ force: true });
        if (choice === "theirs") {
          restore(JSON.stringify(e.body.document), { keepHistory: true });
          history.record(JSON.stringify(currentDoc())); // one Undo brings my version back
          state.file = e.body.file;
          state.disk = { name, version: e.body.version };
          state.saved = JSON.stringify(currentDoc());
          updateButtons();
          checkDisk();
          showMessage(`Took ${e.body.file} as it is on disk; Undo (Ctrl+Z) brings your version back`, "ok");
        } else {
          showMessage(`Not saved: ${e.message.split("; ")[0]}. Save again to choose which version to keep`, "warn");
        }
        return null;
      }
      if (e.status !== 409 || !window.confirm(`${e.message}.\n\nReplace?`)) throw e;
      result = await api("PUT", `${path}&replace=true`, doc);
    }
  } catch (e) {
    showMessage(`not saved: ${e.message}`, "error");
    return null;
  }
  state.saved = JSON.stringify(doc);
  state.file = result.file;
  state.disk = { name, version: result.version };
  checkDisk();
  setProblems(result.problems);
  updateButtons();
  if (!state.selected) renderInspector();
  refreshOpenList();
  window.history.replaceState(null, "", `?flowchart=${encodeURIComponent(name)}`);
  const replaced = result.replaced.length ? ` (replaced ${result.replaced.join(", ")})` : "";
  const reload = result.reload.ok ? "Dagster reloaded" : `Dagster not reloaded: ${result.reload.message}`;
  const kept = force ? " (the version that was on disk is kept in History)" : "";
  showMessage(`Saved ${result.file}${replaced}${kept}; ${reload}`, result.reload.ok ? "ok" : "warn");
  return result;
}

async function uploadFile(file, { dfId = null, point = null } = {}) {
  const limit = state.config.max_upload_mb * 1024 * 1024;
  if (file.size > limit) {
    showMessage(`${file.name} is ${(file.size / 1048576).toFixed(1)} MiB; the upload limit is ${state.config.max_upload_mb} MiB`, "error");
    return;
  }
  showMessage(`Uploading ${file.name}…`);
  let result;
  try {
    result = await upload(file);
  } catch (e) {
    showMessage(`upload refused: ${e.message}`, "error");
    return;
  }
  let target = dfId;
  if (target === null) {
    if (!result.source_module) {
      showMessage(`Uploaded ${result.path}, but no source module reads this file type`, "warn");
      return;
    }
    target = graph.addModule(result.source_module, point.x, point.y);
  }
  const params = { ...(graph.node(target).data.params || {}), path: result.path };
  graph.update(target, { params });
  if (state.selected === target) renderInspector();
  showMessage(`Uploaded ${file.name} → ${result.path}`, "ok");
}

// ---- runs -----------------------------------------------------------------------------------

async function run() {
  if (state.launching) return;
  state.launching = true;
  $("run-btn").disabled = true;
  // The click shows at once: the last run's markers go, and the badge says what happens now.
  state.runId = null;
  graph.setRunState(null);
  const needsSave = state.saved === null || dirty() || !state.file;
  showPendingRun(needsSave ? "SAVING" : "LAUNCHING");
  try {
    await launch(needsSave);
  } finally {
    state.launching = false;
    $("run-btn").disabled = false;
  }
}

async function launch(needsSave) {
  let problems = state.problems;
  if (needsSave) {
    const saved = await save();
    if (!saved || !saved.reload.ok) {
      $("run-status").replaceChildren();
      if (saved) showMessage(`cannot run: ${saved.reload.message}`, "error");
      return;
    }
    problems = saved.problems;
    showPendingRun("LAUNCHING");
  }
  if (problems.length) {
    $("run-status").replaceChildren();
    showMessage(`Fix the ${problems.length} problem${problems.length === 1 ? "" : "s"} before running`, "error");
    return;
  }
  try {
    const launched = await api("POST", "/api/runs", { flowchart: state.meta.name });
    state.runId = launched.run_id;
    state.run = null;
    state.previews.clear();
    showRunStatus({ run_id: launched.run_id, url: launched.url, status: "QUEUED" });
    poll(launched.run_id, 0, Date.now());
  } catch (e) {
    $("run-status").replaceChildren();
    showMessage(`not launched: ${e.message}`, "error");
  }
}

function showPendingRun(what) {
  const badge = document.createElement("span");
  badge.className = "run-state run-pending";
  badge.textContent = `${what}…`;
  $("run-status").replaceChildren(badge);
}

async function poll(runId, failures, since) {
  if (runId !== state.runId) return;
  let status;
  try {
    status = await api("GET", `/api/runs/${runId}`);
  } catch (e) {
    if (failures > 5) {
      showMessage(`lost track of run ${runId}: ${e.message}`, "error");
      return;
    }
    setTimeout(() => poll(runId, failures + 1, since), 2000);
    return;
  }
  if (runId !== state.runId) return;
  const before = state.run;
  state.run = status;
  graph.setRunState(status.nodes);
  showRunStatus(status);
  const node = state.selected ? graph.node(state.selected) : null;
  const id = node && node.data.id;
  if (id && (!before || !before.nodes[id] || before.nodes[id].state !== (status.nodes[id] || {}).state)) {
    showPreview(state.selected);
  }
  if (!status.finished) {
    // Most runs of a flowchart being drawn end within seconds: look often at first.
    setTimeout(() => poll(runId, 0, since), Date.now() - since < 15000 ? 200 : 1000);
  } else if (status.status === "SUCCESS") {
    showMessage("Run succeeded: click a node to see its output", "ok");
  } else {
    const failed = Object.entries(status.nodes).filter(([, s]) => s.state === "failed");
    const where = failed.length ? ` at ${failed.map(([n]) => n).join(", ")}` : "";
    const why = failed.length ? failed[0][1].error : status.error;
    const detail = why ? `: ${why.split("\n")[0].slice(0, 240)}` : "";
    showMessage(`Run ${status.status.toLowerCase()}${where}${detail}`, "error");
  }
}

function showRunStatus(status) {
  const link = document.createElement("a");
  link.href = status.url;
  link.target = "_blank";
  link.rel = "noopener";
  link.textContent = `run ${status.run_id.slice(0, 8)} ↗`;
  const badge = document.createElement("span");
  badge.className = `run-state run-${status.status.toLowerCase()}`;
  badge.textContent = status.status;
  $("run-status").replaceChildren(link, " ", badge);
}

// ---- wiring ---------------------------------------------------------------------------------

function wireCanvasDrop() {
  const wrap = $("canvas-wrap");
  wrap.addEventListener("dragover", (e) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  });
  wrap.addEventListener("drop", (e) => {
    e.preventDefault();
    const point = graph.canvasPoint(e.clientX, e.clientY);
    const name = e.dataTransfer.getData(MODULE_MIME);
    if (name) {
      graph.addModule(name, point.x - 20, point.y - 20);
    } else if (e.dataTransfer.files && e.dataTransfer.files.length) {
      uploadFile(e.dataTransfer.files[0], { point });
    }
  });
}

function wireToolbar() {
  $("dagster-link").href = state.config.dagster_url;
  $("new-btn").addEventListener("click", newFlowchart);
  $("save-btn").addEventListener("click", save);
  $("run-btn").addEventListener("click", run);
  $("undo-btn").addEventListener("click", undo);
  $("redo-btn").addEventListener("click", redo);
  $("zoom-in-btn").addEventListener("click", () => graph.editor.zoom_in());
  $("zoom-out-btn").addEventListener("click", () => graph.editor.zoom_out());
  $("zoom-reset-btn").addEventListener("click", () => graph.editor.zoom_reset());
  $("fit-btn").addEventListener("click", () => graph.fit());
  $("start-open").addEventListener("click", () => {
    const select = $("open-select");
    select.focus();
    try {
      select.showPicker();
    } catch (e) {
      // no picker without a user gesture or in older browsers: the focused list is there to open
    }
  });
  $("reload-btn").addEventListener("click", reloadModules);
  $("palette-search").addEventListener("input", () =>
    renderPalette($("palette-list"), state.modules, $("palette-search").value, addAtCenter),
  );
  $("open-select").addEventListener("change", (e) => {
    const name = e.target.value;
    e.target.value = "";
    if (name) openFlowchart(name);
  });
  $("flowchart-name").addEventListener("change", (e) => {
    const name = e.target.value.trim();
    if (name && !ID_PATTERN.test(name)) showMessage(`'${name}' is not a valid flowchart name: ${NAME_HELP}`, "error");
    state.meta.name = name;
    onChange();
  });
  document.addEventListener("keydown", (e) => {
    const key = e.key.toLowerCase();
    const mod = e.ctrlKey || e.metaKey;
    if (mod && key === "s") {
      e.preventDefault();
      save();
      return;
    }
    if (typingIn(e.target)) return;
    if (mod && key === "z") {
      e.preventDefault();
      if (e.shiftKey) redo();
      else undo();
    } else if (mod && key === "y") {
      e.preventDefault();
      redo();
    }
  });
  window.addEventListener("beforeunload", (e) => {
    if (dirty()) e.preventDefault();
  });
}

function undo() {
  const snapshot = history.undo();
  if (snapshot !== null) restore(snapshot, { keepHistory: true });
}

function redo() {
  const snapshot = history.redo();
  if (snapshot !== null) restore(snapshot, { keepHistory: true });
}

async function boot() {
  try {
    state.config = await api("GET", "/api/config");
  } catch (e) {
    showMessage(e.message, "error");
  }
  graph = new Graph($("drawflow"), {
    modules: () => state.modules,
    onChange,
    onSelect,
    onRefuse: (reason) => showMessage(`connection refused: ${reason}`, "error"),
  });
  graph.editor.on("zoom", (zoom) => ($("zoom-reset-btn").textContent = `${Math.round(zoom * 100)}%`));
  columns = new ColumnSource(graph, () => state.modules, () => state.run, () => state.schemas);
  wireToolbar();
  wireCanvasDrop();
  try {
    await loadModules();
    await refreshOpenList();
  } catch (e) {
    showMessage(e.message, "error");
  }
  setInterval(watchRemoteModules, 2000);
  watchDisk(() => (state.file ? state.disk : null), () => save()); // the file changed on disk while open
  const wanted = new URLSearchParams(window.location.search).get("flowchart");
  if (wanted) await openFlowchart(wanted);
  else newFlowchart();
  document.body.dataset.ready = "true";
}

boot();
