// The file browser of a source or sink node's `path`: the data root's folders and the files the
// module's format reads (GET /api/files), picked by a click; a source can upload into the folder
// being browsed. Paths stay relative to the data root, as the upload's are.

import { api, upload } from "./api.js";
import { el } from "./dom.js";

const SUFFIXES = { csv: "csv", excel: "xlsx", json: "json", parquet: "parquet" }; // a sink's name before one is typed

function folderOf(path) {
  const parts = (path || "").split("/");
  return parts.slice(0, -1).join("/");
}

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function when(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" });
}

// input: the path's text field; module/kind: the node's module; current(): the path now;
// pick(path) sets the param. Returns the field with its Browse button and (hidden) panel.
export function fileBrowser(input, { module, kind, current, pick }) {
  const toggle = el("button", { type: "button", className: "browse-button", text: "Browse…", title: "pick a file under the data root" });
  const panel = el("div", { className: "file-browser", role: "group", "aria-label": "Files under the data root" });
  panel.hidden = true;
  let dir = "";

  const show = async (wanted, { fallback = true } = {}) => {
    let listing;
    try {
      listing = await api("GET", `/api/files?${new URLSearchParams({ dir: wanted, module })}`);
    } catch (e) {
      if (fallback && wanted !== "") return show("", { fallback: false });
      panel.replaceChildren(el("p", { className: "field-error", text: e.message }));
      return;
    }
    dir = listing.dir;
    panel.replaceChildren(crumbs(listing), entries(listing), actions(listing));
  };

  const crumbs = (listing) => {
    const line = el("div", { className: "crumbs" });
    const root = el("button", { type: "button", className: "link-button", text: "data root", "data-dir": "" });
    root.addEventListener("click", () => show(""));
    line.append(root);
    let path = "";
    for (const part of listing.dir ? listing.dir.split("/") : []) {
      path = path ? `${path}/${part}` : part;
      const target = path;
      const step = el("button", { type: "button", className: "link-button", text: part, "data-dir": target });
      step.addEventListener("click", () => show(target));
      line.append(el("span", { className: "muted", text: " / " }), step);
    }
    return line;
  };

  const entries = (listing) => {
    const list = el("ul", { className: "file-list" });
    if (listing.parent !== null) {
      const up = el("li", { className: "folder up", "data-dir": listing.parent, text: "↑ .." });
      up.addEventListener("click", () => show(listing.parent));
      list.append(up);
    }
    for (const folder of listing.folders) {
      const item = el("li", { className: "folder", "data-dir": folder.path, title: `modified ${when(folder.modified)}` });
      item.append(el("span", { className: "file-name", text: `📁 ${folder.name}/` }));
      item.addEventListener("click", () => show(folder.path));
      list.append(item);
    }
    for (const file of listing.files) {
      const chosen = file.path === current();
      const item = el("li", { className: `file${chosen ? " chosen" : ""}`, "data-path": file.path, title: `set path to ${file.path}` });
      item.append(
        el("span", { className: "file-name", text: file.name }),
        el("span", { className: "file-meta", text: `${size(file.size)} · ${when(file.modified)}` }),
      );
      item.addEventListener("click", () => {
        pick(file.path);
        panel.hidden = true;
      });
      list.append(item);
    }
    if (!listing.folders.length && !listing.files.length) {
      list.append(el("li", { className: "muted empty", text: kind === "sink" ? "no files of this format here yet" : "no readable files here" }));
    }
    return list;
  };

  const actions = (listing) => {
    const line = el("div", { className: "browser-actions" });
    const where = listing.dir ? `${listing.dir}/` : "the data root";
    if (listing.left_out) line.append(el("small", { className: "muted", text: `${listing.left_out} other entries not shown` }));
    if (kind === "source") {
      const file = el("input", { type: "file", className: "upload-here" });
      file.addEventListener("change", async () => {
        if (!file.files || !file.files[0]) return;
        const status = el("small", { className: "muted", text: `uploading ${file.files[0].name}…` });
        line.append(status);
        try {
          const result = await upload(file.files[0], listing.dir);
          pick(result.path);
          await show(listing.dir);
        } catch (e) {
          status.className = "field-error";
          status.textContent = `upload refused: ${e.message}`;
        }
      });
      line.append(el("label", { className: "upload-label" }, el("span", { text: `Upload into ${where}` }), file));
    } else {
      const name = (current() || "").split("/").pop() || `output.${SUFFIXES[module.replace(/^write_/, "")] || "csv"}`;
      const here = el("button", { type: "button", className: "link-button", text: `Write here: ${listing.dir ? `${listing.dir}/` : ""}${name}` });
      here.addEventListener("click", () => {
        pick(listing.dir ? `${listing.dir}/${name}` : name);
        panel.hidden = true;
      });
      line.append(here);
    }
    return line;
  };

  toggle.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    if (!panel.hidden) show(folderOf(current()) || dir);
  });
  return el("div", { className: "path-field" }, el("div", { className: "with-picker" }, input, toggle), panel);
}
