// Autocompletion in SQL and JSON fields: the word before the caret is completed with the columns
// reaching the node (from validation's propagated schema) and, in SQL, DuckDB's function names.

import { api } from "./api.js";
import { el } from "./dom.js";

const SHOWN = 8;
const KEYWORDS = ["AND", "OR", "NOT", "IS NULL", "IS NOT NULL", "IN", "BETWEEN", "LIKE", "CASE WHEN", "CAST", "coalesce"];
const WORD = /[\p{L}\p{N}_]+$/u;
const PLAIN_NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;

let functionNames = null;

// DuckDB's function names, asked once per page.
function functions() {
  if (!functionNames) {
    functionNames = api("GET", "/api/sql/functions")
      .then((result) => result.functions)
      .catch(() => []);
  }
  return functionNames;
}

// A column as SQL: bare when it is a plain name (Chinese included), else double-quoted.
export function sqlName(column) {
  return PLAIN_NAME.test(column) ? column : `"${column.replaceAll('"', '""')}"`;
}

// field: an <input> or <textarea>; columns(): the current column names; sql: offer functions too.
export function attachCompletion(field, columns, { sql }) {
  const menu = el("ul", { className: "completions", role: "listbox" });
  menu.hidden = true;
  field.setAttribute("autocomplete", "off");
  field.after(menu);
  let items = [];
  let active = 0;

  const close = () => {
    menu.hidden = true;
    items = [];
  };

  const pick = (item) => {
    const caret = field.selectionStart;
    const before = field.value.slice(0, caret).replace(WORD, "");
    field.value = before + item.insert + field.value.slice(caret);
    const position = before.length + item.insert.length;
    field.setSelectionRange(position, position);
    close();
    field.focus();
  };

  const render = () => {
    menu.replaceChildren(
      ...items.map((item, i) => {
        const option = el("li", { role: "option", className: `completion kind-${item.kind}${i === active ? " active" : ""}` });
        option.append(el("span", { text: item.label }), el("small", { text: item.kind }));
        option.addEventListener("mousedown", (e) => {
          e.preventDefault(); // keep the focus in the field
          pick(item);
        });
        return option;
      }),
    );
    menu.style.top = `${field.offsetTop + field.offsetHeight}px`; // below the field (a flex row puts it at the top)
    menu.hidden = !items.length;
  };

  const update = async () => {
    const word = (field.value.slice(0, field.selectionStart).match(WORD) || [""])[0];
    if (!word) return close();
    const lower = word.toLowerCase();
    const inJson = !sql;
    const names = columns().map((c) => ({ label: c, kind: "column", insert: inJson ? c : sqlName(c) }));
    const fns = sql ? (await functions()).map((f) => ({ label: `${f}()`, kind: "function", insert: `${f}(` })) : [];
    const words = sql ? KEYWORDS.map((k) => ({ label: k, kind: "keyword", insert: `${k} ` })) : [];
    const all = [...names, ...words, ...fns];
    const starts = all.filter((i) => i.label.toLowerCase().startsWith(lower));
    const inside = names.filter((i) => !i.label.toLowerCase().startsWith(lower) && i.label.toLowerCase().includes(lower));
    items = [...starts, ...inside].filter((i) => i.label !== word).slice(0, SHOWN);
    active = 0;
    render();
  };

  field.addEventListener("input", update);
  field.addEventListener("blur", close);
  field.addEventListener("keydown", (e) => {
    if (menu.hidden) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      active = (active + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      render();
    } else if (e.key === "Enter" || e.key === "Tab") {
      e.preventDefault();
      pick(items[active]);
    } else if (e.key === "Escape") {
      e.preventDefault();
      close();
    }
  });
}
