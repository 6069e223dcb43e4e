// A params form generated from a module's JSON Schema (pydantic's model_json_schema()).
//
// Required fields come first; defaults show as placeholders (an empty field keeps the default);
// descriptions are help text. Strings, numbers, booleans and enums get plain inputs, arrays of
// strings a tag list, anything else a JSON text area. Column-like fields offer known columns.

import { attachCompletion } from "./autocomplete.js";
import { el } from "./dom.js";

const COLUMN_NAMES = new Set([
  "column", "columns", "by", "subset", "index", "on", "left_on", "right_on", "id_columns", "value_columns", "values",
  "partition_by", "order_by",
]);
// SQL text: completed with the columns reaching the node and DuckDB's function names.
const SQL_NAMES = new Set(["condition", "expression", "query"]);

export function isColumnField(name) {
  return COLUMN_NAMES.has(name) || /_columns?$/.test(name) || /_on$/.test(name);
}

let datalistCount = 0;

function resolve(schema, defs) {
  let current = schema || {};
  if (current.$ref) {
    const name = current.$ref.split("/").pop();
    current = { ...(defs[name] || {}), ...current, $ref: undefined };
  }
  if (Array.isArray(current.anyOf)) {
    const options = current.anyOf.map((s) => resolve(s, defs));
    const real = options.filter((s) => s.type !== "null");
    if (real.length === 1) {
      return { ...real[0], default: current.default, description: current.description, title: current.title, nullable: true };
    }
    return { ...current, complex: true };
  }
  return current;
}

function kindOf(schema) {
  if (schema.complex) return "json";
  if (Array.isArray(schema.enum)) return "enum";
  if (schema.type === "string") return "string";
  if (schema.type === "integer" || schema.type === "number") return "number";
  if (schema.type === "boolean") return "boolean";
  if (schema.type === "array" && schema.items && schema.items.type === "string" && !schema.items.enum) return "tags";
  return "json";
}

// A skeleton value for a complex field (e.g. a list of aggregation objects), shown as its placeholder.
function example(schema, defs, depth = 0) {
  const field = resolve(schema, defs);
  if (depth > 3) return null;
  if (field.default !== undefined && field.default !== null) return field.default;
  if (Array.isArray(field.enum)) return field.enum[0];
  if (field.type === "array") return [example(field.items || {}, defs, depth + 1)];
  if (field.type === "object" && field.properties) {
    const required = new Set(field.required || Object.keys(field.properties));
    return Object.fromEntries(
      Object.entries(field.properties).filter(([k]) => required.has(k)).map(([k, v]) => [k, example(v, defs, depth + 1)]),
    );
  }
  if (field.type === "object") {
    return field.additionalProperties ? { key: example(field.additionalProperties, defs, depth + 1) } : {};
  }
  return { string: "", integer: 0, number: 0, boolean: false }[field.type] ?? null;
}

function placeholderFor(schema) {
  if (schema.default === undefined || schema.default === null) return schema.nullable ? "(none)" : "";
  return `default: ${typeof schema.default === "object" ? JSON.stringify(schema.default) : schema.default}`;
}

function datalist(columns) {
  datalistCount += 1;
  const list = el("datalist", { id: `columns-${datalistCount}`, className: "column-list" });
  fillColumns(list, columns);
  return list;
}

// Offer `columns` in a column field's picker (also called when a probe answers later).
export function fillColumns(list, columns) {
  list.replaceChildren(...(columns || []).map((column) => el("option", { value: column })));
}

// schema: the module's params JSON Schema; params: the node's current params (not modified);
// columns: upstream column names or null; onChange(newParams) after each committed edit.
export function paramsForm(schema, params, { columns, onChange }) {
  const defs = schema.$defs || {};
  const properties = schema.properties || {};
  const required = new Set(schema.required || []);
  const names = Object.keys(properties);
  const ordered = [...names.filter((n) => required.has(n)), ...names.filter((n) => !required.has(n))];
  const form = el("form", { className: "params-form", autocomplete: "off" });
  form.addEventListener("submit", (e) => e.preventDefault());
  if (!ordered.length) form.append(el("p", { className: "muted", text: "This module takes no params." }));

  const commit = (name, value) => {
    const next = { ...params };
    if (value === undefined) delete next[name];
    else next[name] = value;
    params = next;
    onChange(next);
  };

  for (const name of ordered) {
    const field = resolve(properties[name], defs);
    const kind = kindOf(field);
    const id = `param-${name}`;
    const label = el("label", { for: id, className: "param-label" }, el("span", { text: field.title || name }));
    if (required.has(name)) label.append(el("span", { className: "required", text: " *", title: "required" }));
    const row = el("div", { className: `param kind-${kind}`, "data-param": name }, label);
    const sql = SQL_NAMES.has(name) && kind === "string";
    const picker = isColumnField(name) && kind !== "json";
    const columnList = picker || sql || kind === "json" ? datalist(columns) : null;
    row.append(control(kind, field, id, params[name], picker ? columnList : null, (v) => commit(name, v), required.has(name), defs));
    if (columnList) row.append(columnList);
    if (sql || kind === "json") {
      // JSON params name columns too (mapping keys, aggregations, rules): complete them there
      attachCompletion(row.querySelector(`#${id}`), () => [...columnList.options].map((o) => o.value), { sql });
    }
    if (field.description) row.append(el("small", { className: "help", text: field.description }));
    form.append(row);
  }
  return form;
}

function control(kind, field, id, value, columnList, set, isRequired, defs) {
  if (kind === "enum") {
    const select = el("select", { id, name: id });
    select.append(el("option", { value: "", text: isRequired ? "— choose —" : placeholderFor(field) || "(none)" }));
    for (const option of field.enum) select.append(el("option", { value: String(option), text: String(option) }));
    select.value = value === undefined || value === null ? "" : String(value);
    select.addEventListener("change", () => {
      const chosen = field.enum.find((o) => String(o) === select.value);
      set(select.value === "" ? undefined : chosen);
    });
    return select;
  }
  if (kind === "boolean") {
    const box = el("input", { id, name: id, type: "checkbox" });
    box.checked = value === undefined || value === null ? Boolean(field.default) : Boolean(value);
    box.addEventListener("change", () => set(box.checked));
    return box;
  }
  if (kind === "number") {
    const input = el("input", {
      id, name: id, type: "number", step: field.type === "integer" ? "1" : "any", placeholder: placeholderFor(field),
    });
    input.value = value === undefined || value === null ? "" : String(value);
    input.addEventListener("change", () => {
      const text = input.value.trim();
      set(text === "" ? undefined : Number(text));
    });
    return input;
  }
  if (kind === "string") {
    const input = el("input", { id, name: id, type: "text", placeholder: placeholderFor(field), spellcheck: "false" });
    if (columnList) input.setAttribute("list", columnList.id);
    input.value = value === undefined || value === null ? "" : String(value);
    input.addEventListener("change", () => set(input.value === "" ? undefined : input.value));
    return input;
  }
  if (kind === "tags") return tagList(id, field, Array.isArray(value) ? value : [], columnList, set);
  return jsonArea(id, field, value, set, defs);
}

function tagList(id, field, values, columnList, set) {
  let items = [...values];
  const box = el("div", { className: "tags" });
  const input = el("input", {
    id, name: id, type: "text", placeholder: items.length ? "add…" : placeholderFor(field) || "type, then Enter", spellcheck: "false",
  });
  if (columnList) input.setAttribute("list", columnList.id);
  const render = () => {
    box.querySelectorAll(".tag").forEach((t) => t.remove());
    items.forEach((item, i) => {
      const remove = el("button", { type: "button", title: `remove ${item}`, text: "×" });
      remove.addEventListener("click", () => {
        items = items.filter((_, j) => j !== i);
        render();
        set(items.length ? items : undefined);
      });
      box.insertBefore(el("span", { className: "tag" }, el("span", { text: item }), remove), input);
    });
  };
  const add = () => {
    const parts = input.value.split(",").map((s) => s.trim()).filter(Boolean);
    if (!parts.length) return;
    items = [...items, ...parts];
    input.value = "";
    render();
    set(items);
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === ",") {
      e.preventDefault();
      add();
    } else if (e.key === "Backspace" && input.value === "" && items.length) {
      items = items.slice(0, -1);
      render();
      set(items.length ? items : undefined);
    }
  });
  input.addEventListener("change", add);
  box.append(input);
  render();
  return box;
}

function jsonArea(id, field, value, set, defs) {
  const wrap = el("div", { className: "json-field" });
  const text = value === undefined ? "" : JSON.stringify(value, null, 1);
  const rows = Math.min(10, Math.max(3, text.split("\n").length));
  const hint = placeholderFor(field) || `JSON, e.g. ${JSON.stringify(example(field, defs))}`;
  const area = el("textarea", { id, name: id, rows, spellcheck: "false", placeholder: hint });
  area.value = text;
  const error = el("small", { className: "field-error" });
  area.addEventListener("change", () => {
    const text = area.value.trim();
    if (text === "") {
      error.textContent = "";
      set(undefined);
      return;
    }
    try {
      const parsed = JSON.parse(text);
      error.textContent = "";
      set(parsed);
    } catch (e) {
      error.textContent = `not valid JSON: ${e.message}`;
    }
  });
  wrap.append(area, error);
  return wrap;
}
