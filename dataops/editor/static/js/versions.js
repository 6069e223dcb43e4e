// The history panel: the versions every save keeps (GET /api/flowcharts/{name}/history), each with who
// or what saved it and what it changed, and "Revert" (POST .../revert), which reopens the flowchart.
// Independent of main.js: it reads the flowchart's name from the toolbar and reopens through the URL.

import { api } from "./api.js";
import { el } from "./dom.js";

const $ = (id) => document.getElementById(id);
const SOURCES = { editor: "saved in the editor", cli: "recorded by the CLI", revert: "reverted", disk: "edited outside" };

function currentName() {
  return $("flowchart-name").value.trim() || new URLSearchParams(window.location.search).get("flowchart") || "";
}

function panel() {
  let aside = $("history-panel");
  if (!aside) {
    aside = el("aside", { id: "history-panel", "aria-label": "History", hidden: true });
    document.body.append(aside);
  }
  return aside;
}

function changeLine(line) {
  const kind = { "+": "added", "-": "removed", "~": "changed" }[line[0]] || "changed";
  return el("li", { className: `change-${kind}`, text: line });
}

function versionItem(name, version, index, unsaved) {
  const when = new Date(version.time).toLocaleString();
  const button =
    index === 0
      ? el("span", { className: "current", text: "current" })
      : el("button", {
          type: "button",
          className: "revert-btn",
          disabled: unsaved,
          title: unsaved ? "Save or undo your changes first" : `Write this version back to ${name}`,
          text: "Revert",
        });
  if (button.tagName === "BUTTON") button.addEventListener("click", () => revert(name, version.id));
  const changes = version.changes.length ? version.changes : ["(no change to nodes, params or edges)"];
  return el(
    "li",
    { className: "version", "data-version": version.id },
    el("div", { className: "version-head" }, el("span", { text: when }), el("span", { className: `source source-${version.source}`, text: SOURCES[version.source] || version.source }), button),
    el("ul", { className: "changes" }, ...changes.map(changeLine)),
  );
}

async function show() {
  const aside = panel();
  const name = currentName();
  const close = el("button", { type: "button", id: "history-close", title: "Close", text: "×" });
  close.addEventListener("click", () => (aside.hidden = true));
  const list = el("ol", { id: "history-list" });
  aside.replaceChildren(el("header", {}, el("h2", { text: `History of ${name || "(unnamed)"}` }), close), list);
  aside.hidden = false;
  if (!name) {
    list.append(el("li", { className: "empty", text: "Name and save the flowchart: each save keeps a version." }));
    return;
  }
  let body;
  try {
    body = await api("GET", `/api/flowcharts/${encodeURIComponent(name)}/history`);
  } catch (error) {
    const text = error.status === 404 ? "No versions yet: each save keeps one." : error.message;
    list.append(el("li", { className: "empty", text }));
    return;
  }
  const unsaved = $("save-btn").classList.contains("dirty");
  if (unsaved && body.versions.length > 1) {
    list.append(el("li", { className: "empty", text: "Unsaved changes: save them (they become a version) or undo them to revert." }));
  }
  body.versions.forEach((version, index) => list.append(versionItem(name, version, index, unsaved)));
}

async function revert(name, id) {
  try {
    await api("POST", `/api/flowcharts/${encodeURIComponent(name)}/revert`, { version: id });
  } catch (error) {
    panel().prepend(el("p", { className: "history-error", role: "alert", text: error.message }));
    return;
  }
  window.location.assign(`${window.location.pathname}?flowchart=${encodeURIComponent(name)}&history=open`);
}

function start() {
  $("history-btn").addEventListener("click", () => (panel().hidden ? show() : (panel().hidden = true)));
  // A save or an open shows a message: refresh an open panel then, so the new version appears.
  new MutationObserver(() => {
    if (!panel().hidden) show();
  }).observe($("message"), { childList: true, characterData: true, subtree: true });
  if (new URLSearchParams(window.location.search).get("history") === "open") show();
}

start();
