// A params form generated from a module's JSON Schema (pydantic's model_json_schema()).
//
// Required fields come first; defaults show as placeholders (an empty field keeps the default);
// descriptions are help text. Strings and numbers get inputs, enums selects (with what each value
// means, from `x-enum-descriptions`), booleans switches, arrays of strings a tag list, lists of
// objects rows of the same controls, anything else a JSON text area. Column fields offer the
// columns reaching the node; a source or sink's `path` has a file browser over the data root.

import { attachCompletion } from "./autocomplete.js";
import { el } from "./dom.js";
import { fileBrowser } from "./file_browser.js";

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

function kindOf(schema, defs) {
  if (schema.complex) return "json";
  if (Array.isArray(schema.enum)) return "enum";
  if (schema.type === "string") return "string";
  if (schema.type === "integer" || schema.type === "number") return "number";
  if (schema.type === "boolean") return "boolean";
  if (schema.type === "array" && schema.items) {
    const item = resolve(schema.items, defs);
    if (item.type === "string" && !item.enum) return "tags";
    if (item.type === "object" && item.properties) return "rows";
  }
  return "json";
}

// A skeleton value for a complex field (e.g. a mapping of columns), shown as its placeholder.
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

// The datalist behind a column field, and the picker selects that offer the same columns.
function datalist(columns) {
  datalistCount += 1;
  const list = el("datalist", { id: `columns-${datalistCount}`, className: "column-list" });
  fillColumns(list, columns);
  return list;
}

// Offer `columns` in a column field's picker (also called when validation or a probe answers later).
export function fillColumns(list, columns) {
  const names = columns || [];
  list.replaceChildren(...names.map((column) => el("option", { value: column })));
  const form = list.closest("form.params-form");
  if (form) form.columns = names; // rows added later start from these
  const pickers = form ? form.querySelectorAll(`select.column-picker[data-list="${list.id}"]`) : [];
  pickers.forEach((picker) => fillPicker(picker, names));
}

function fillPicker(picker, columns) {
  const prompt = columns.length ? "pick a column…" : "no columns known yet";
  picker.replaceChildren(el("option", { value: "", text: prompt }), ...columns.map((c) => el("option", { value: c, text: c })));
}

// A select beside a column field: choosing a column sets it (or adds it, for a list).
function columnPicker(columnList, columns, choose) {
  const picker = el("select", { className: "column-picker", "data-list": columnList.id, title: "the columns reaching this node" });
  fillPicker(picker, columns);
  picker.addEventListener("change", () => {
    if (picker.value) choose(picker.value);
    picker.value = "";
  });
  return picker;
}

// schema: the module's params JSON Schema; params: the node's current params (not modified);
// columns: upstream column names or null; onChange(newParams) after each committed edit;
// files: {module, kind} for a source or sink, whose `path` gets the file browser.
export function paramsForm(schema, params, { columns, onChange, files = null }) {
  const defs = schema.$defs || {};
  const properties = schema.properties || {};
  const required = new Set(schema.required || []);
  const names = Object.keys(properties);
  const ordered = [...names.filter((n) => required.has(n)), ...names.filter((n) => !required.has(n))];
  const form = el("form", { className: "params-form", autocomplete: "off" });
  form.columns = columns || [];
  form.addEventListener("submit", (e) => e.preventDefault());
  if (!ordered.length) form.append(el("p", { className: "muted", text: "This module takes no params." }));

  const commit = (name, value) => {
    const next = { ...params };
    if (value === undefined) delete next[name];
    else next[name] = value;
    params = next;
    onChange(next);
  };

  const context = { defs, files, form };
  for (const name of ordered) {
    const set = (v) => commit(name, v);
    form.append(fieldRow(name, resolve(properties[name], defs), `param-${name}`, params[name], required.has(name), set, context));
  }
  return form;
}

// One labelled field: the same for a top-level param and for a field of a row.
function fieldRow(name, field, id, value, isRequired, set, context, { compact = false } = {}) {
  const kind = kindOf(field, context.defs);
  const label = el("label", { for: id, className: "param-label" }, el("span", { text: field.title || name }));
  if (isRequired) label.append(el("span", { className: "required", text: " *", title: "required" }));
  if (compact && field.description) label.title = field.description;
  const row = el("div", { className: `param kind-${kind}`, "data-param": name }, label);
  const sql = SQL_NAMES.has(name) && kind === "string";
  const picker = isColumnField(name) && (kind === "string" || kind === "tags");
  const columnList = picker || sql || kind === "json" ? datalist(context.form.columns) : null;
  const options = { picker: picker ? columnList : null, context, name, isRequired };
  row.append(control(kind, field, id, value, set, options));
  if (columnList) row.append(columnList);
  if (sql || kind === "json") {
    // JSON params name columns too (mapping keys, aggregations, rules): complete them there
    attachCompletion(row.querySelector(`[id="${id}"]`), () => [...columnList.options].map((o) => o.value), { sql });
  }
  if (field.description && !compact) row.append(el("small", { className: "help", text: field.description }));
  return row;
}

function control(kind, field, id, value, set, { picker, context, name, isRequired }) {
  if (kind === "enum") return enumSelect(field, id, value, set, isRequired);
  if (kind === "boolean") return toggle(field, id, value, set);
  if (kind === "rows") return objectRows(field, id, value, set, context);
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
    input.value = value === undefined || value === null ? "" : String(value);
    const commit = () => set(input.value === "" ? undefined : input.value);
    input.addEventListener("change", commit);
    if (picker) {
      input.setAttribute("list", picker.id);
      const choose = (column) => {
        input.value = column;
        commit();
      };
      return el("div", { className: "with-picker" }, input, columnPicker(picker, context.form.columns, choose));
    }
    if (name === "path" && context.files) {
      const pick = (path) => {
        input.value = path;
        commit();
      };
      return fileBrowser(input, { ...context.files, current: () => input.value, pick });
    }
    return input;
  }
  if (kind === "tags") return tagList(id, field, Array.isArray(value) ? value : [], picker, context, set);
  return jsonArea(id, field, value, set, context.defs);
}

function enumSelect(field, id, value, set, isRequired) {
  const meanings = field["x-enum-descriptions"] || {};
  const select = el("select", { id, name: id });
  const unset = isRequired ? "— choose —" : placeholderFor(field) || "(none)";
  select.append(el("option", { value: "", text: unset }));
  for (const option of field.enum) {
    const meaning = meanings[String(option)];
    const text = meaning ? `${option} — ${meaning}` : String(option);
    select.append(el("option", { value: String(option), text, title: meaning }));
  }
  select.value = value === undefined || value === null ? "" : String(value);
  select.addEventListener("change", () => {
    const chosen = field.enum.find((o) => String(o) === select.value);
    set(select.value === "" ? undefined : chosen);
  });
  return select;
}

// A switch that shows the default while unset; "default" unsets it again.
function toggle(field, id, value, set) {
  const box = el("input", { id, name: id, type: "checkbox", role: "switch" });
  const state = el("span", { className: "switch-state" });
  const reset = el("button", { type: "button", className: "link-button", text: "use default", title: "unset: the module's default applies" });
  const show = (current) => {
    const unset = current === undefined || current === null;
    const shown = unset ? field.default : current;
    box.checked = Boolean(shown);
    box.indeterminate = unset && (shown === undefined || shown === null);
    const word = box.indeterminate ? "not set" : shown ? "on" : "off";
    state.textContent = unset ? `${word} (default)` : word;
    reset.hidden = unset;
  };
  box.addEventListener("change", () => {
    set(box.checked);
    show(box.checked);
  });
  reset.addEventListener("click", () => {
    set(undefined);
    show(undefined);
  });
  show(value);
  return el("div", { className: "switch-line" }, el("span", { className: "switch" }, box, el("span", { className: "slider" })), state, reset);
}

// A list of objects (aggregations, rules, window functions): one row of fields per item. Emits
// what the JSON box would: each row's set fields in schema order, rows left empty dropped.
function objectRows(field, id, value, set, context) {
  const item = resolve(field.items, context.defs);
  const keys = Object.keys(item.properties);
  const required = new Set(item.required || []);
  let items = Array.isArray(value) ? value.map((v) => (v && typeof v === "object" ? { ...v } : {})) : [];
  const rows = el("div", { className: "object-rows-list" });
  const noun = (field.title || "row").toLowerCase().replace(/s$/, "");
  const add = el("button", { type: "button", className: "add-row", text: `+ Add ${noun}` });

  const emit = () => {
    const kept = items
      .map((obj) => Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]])))
      .filter((obj) => Object.keys(obj).length);
    set(kept.length ? kept : undefined);
  };
  const render = () => {
    rows.replaceChildren(
      ...items.map((obj, i) => {
        const row = el("fieldset", { className: "object-row", "data-row": String(i) });
        for (const key of keys) {
          const setField = (v) => {
            if (v === undefined) delete obj[key];
            else obj[key] = v;
            emit();
          };
          const sub = resolve(item.properties[key], context.defs);
          row.append(fieldRow(key, sub, `${id}-${i}-${key}`, obj[key], required.has(key), setField, context, { compact: true }));
        }
        const remove = el("button", { type: "button", className: "remove-row", title: `remove this ${noun}`, text: "×" });
        remove.addEventListener("click", () => {
          items = items.filter((_, j) => j !== i);
          render();
          emit();
        });
        row.append(remove);
        return row;
      }),
    );
  };
  add.addEventListener("click", () => {
    items = [...items, {}];
    render();
    const first = rows.lastElementChild && rows.lastElementChild.querySelector("input, select");
    if (first) first.focus();
  });
  render();
  return el("div", { className: "object-rows", id }, rows, add);
}

function tagList(id, field, values, columnList, context, set) {
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
  const push = (parts) => {
    if (!parts.length) return;
    items = [...items, ...parts];
    render();
    set(items);
  };
  const add = () => {
    const parts = input.value.split(",").map((s) => s.trim()).filter(Boolean);
    input.value = "";
    push(parts);
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
  if (!columnList) return box;
  const picker = columnPicker(columnList, context.form.columns, (column) => push(items.includes(column) ? [] : [column]));
  return el("div", { className: "with-picker" }, box, picker);
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
