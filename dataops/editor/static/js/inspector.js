// The right-hand panel: the selected node (id, label, params form, upload, last run) or the flowchart.

import { ID_PATTERN } from "./rules.js";
import { paramsForm } from "./schema_form.js";
import { el } from "./dom.js";

function textField(id, label, value, { placeholder, onCommit, help }) {
  const input = el("input", { id, type: "text", placeholder, spellcheck: "false" });
  input.value = value || "";
  input.addEventListener("change", () => onCommit(input.value.trim(), input));
  return el("div", { className: "param" }, el("label", { for: id, className: "param-label", text: label }), input, help ? el("small", { className: "help", text: help }) : null);
}

export function problemList(problems) {
  if (!problems.length) return null;
  const list = el("ul", { className: "node-problem-list" });
  for (const p of problems) list.append(el("li", { text: `${p.field ? `${p.field}: ` : ""}${p.message}` }));
  return list;
}

// node: {id, module, label, params}; spec: module description or undefined; handlers from main.js.
export function nodeInspector(node, spec, problems, handlers) {
  const panel = el("div", { className: "inspector-node", "data-node": node.id });
  panel.append(el("h2", { text: node.label || node.id }));
  panel.append(
    el(
      "p",
      { className: "module-line" },
      el("code", { text: node.module }),
      el("span", { text: spec ? ` — ${spec.description}` : " — unknown module (not registered)" }),
    ),
  );
  const issues = problemList(problems);
  if (issues) panel.append(issues);
  panel.append(
    textField("node-id", "Node id", node.id, {
      help: "Unique in the flowchart: letters, digits and _.",
      onCommit: (value, input) => {
        const refusal = !ID_PATTERN.test(value)
          ? `'${value}' is not a valid node id: use letters, digits and _, not starting with a digit`
          : handlers.idTaken(value)
            ? `another node is called '${value}' already`
            : null;
        if (refusal) {
          input.value = node.id;
          handlers.refuse(refusal);
        } else handlers.update({ id: value });
      },
    }),
  );
  panel.append(textField("node-label", "Label", node.label, { placeholder: "display name (any text)", onCommit: (v) => handlers.update({ label: v }) }));

  // The form and the JSON box show the same params: an edit in one is shown in the other.
  let form = null;
  const files = spec && spec.kind !== "transform" ? { module: spec.name, kind: spec.kind } : null;
  const build = (params, columns) =>
    paramsForm(spec.params_schema, params, {
      columns,
      files,
      onChange: (next) => {
        handlers.update({ params: next });
        raw.show(next);
      },
    });
  const raw = rawParams(node.params || {}, (params) => {
    handlers.update({ params });
    if (!form) return;
    const fresh = build(params, form.columns); // keeps the columns offered so far
    form.replaceWith(fresh);
    form = fresh;
  });
  if (spec) {
    panel.append(el("h3", { text: "Params" }));
    if (spec.kind === "source") panel.append(uploadBox(handlers));
    form = build(node.params || {}, []);
    panel.append(form);
  }
  panel.append(raw);
  panel.append(el("section", { className: "run-preview", id: "run-preview" }));
  const remove = el("button", { type: "button", className: "danger", text: "Delete node" });
  remove.addEventListener("click", handlers.remove);
  panel.append(remove);
  return panel;
}

function uploadBox(handlers) {
  const input = el("input", { type: "file", id: "upload-input", accept: ".csv,.tsv,.txt,.json,.jsonl,.xlsx,.xls,.parquet,.feather,.arrow" });
  input.addEventListener("change", () => {
    if (input.files && input.files[0]) handlers.upload(input.files[0]);
  });
  return el(
    "div",
    { className: "upload-box" },
    el("label", { for: "upload-input", className: "param-label", text: "Upload a data file" }),
    input,
    el("small", { className: "help", text: "Stored under uploads/ in the data root and set as this node's path." }),
  );
}

// All params as one JSON object; details.show(params) puts the form's latest edit in it.
function rawParams(params, commit) {
  const details = el("details", { className: "raw-params" }, el("summary", { text: "Params as JSON" }));
  const area = el("textarea", { rows: 6, spellcheck: "false", id: "raw-params" });
  area.value = JSON.stringify(params, null, 2);
  const error = el("small", { className: "field-error" });
  area.addEventListener("change", () => {
    try {
      const parsed = JSON.parse(area.value || "{}");
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("params are a JSON object");
      error.textContent = "";
      commit(parsed);
    } catch (e) {
      error.textContent = e.message;
    }
  });
  details.show = (next) => {
    area.value = JSON.stringify(next, null, 2);
    error.textContent = "";
  };
  details.append(area, error);
  return details;
}

export function flowchartInspector(meta, summary, handlers) {
  const panel = el("div", { className: "inspector-flowchart" });
  panel.append(el("h2", { text: "Flowchart" }));
  panel.append(textField("flowchart-description", "Description", meta.description, { placeholder: "free text", onCommit: handlers.describe }));
  panel.append(el("p", { className: "muted", text: summary }));
  panel.append(
    el(
      "p",
      { className: "help" },
      el("span", { text: "Select a node to edit its params. Delete: select and press Del, or right-click. Pan: drag the background. Zoom: Ctrl+wheel." }),
    ),
  );
  return panel;
}
