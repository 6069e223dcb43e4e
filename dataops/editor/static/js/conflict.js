// A flowchart edited on disk while it is open here (docs/editor.md, Save): the dialog a refused save (409)
// opens, to keep mine or take the disk's, with what each side changed as the history panel words it (the
// server's differ); and a banner as soon as the file changes on disk, before a save finds out.

import { api } from "./api.js";
import { el } from "./dom.js";

const CHECK_EVERY_MS = 3000;
const KINDS = { "+": "added", "-": "removed", "~": "changed" };

function changeList(title, lines, none) {
  const items = lines.length ? lines : [none];
  return el(
    "section",
    { className: "conflict-changes" },
    el("h3", { text: title }),
    el("ul", {}, ...items.map((line) => el("li", { className: `change-${KINDS[line[0]] || "changed"}`, text: line }))),
  );
}

// Resolves to "mine" (overwrite the disk's version, which stays in the history), "theirs" (load the
// disk's version) or null (decide later: nothing is saved). `conflict` is the 409 body (SaveConflict).
export function resolveConflict(conflict) {
  const where = conflict.file || `'${conflict.name}'`;
  const head = conflict.error.split("; ")[0]; // what happened, in the server's words
  const textOnly = "(no change to nodes, params or edges: only text such as comments)";
  const sections = conflict.base_known
    ? [
        changeList("Changed on disk", conflict.disk_changes, textOnly),
        changeList("Your changes", conflict.your_changes, "(none)"),
      ]
    : [changeList("How the file on disk differs from yours", conflict.disk_changes, textOnly)];
  const theirs = conflict.document !== null;
  const mine = el("button", { type: "button", className: "primary conflict-mine", text: "Keep mine" });
  mine.title = `Save your version over ${where}; the version on disk stays in History`;
  const take = el("button", { type: "button", className: "conflict-theirs", text: "Take theirs", disabled: !theirs });
  take.title = theirs ? `Load ${where} as it is on disk; Undo brings your version back` : "There is no flowchart on disk to take";
  const later = el("button", { type: "button", className: "conflict-cancel", text: "Cancel" });
  later.title = "Keep editing; nothing is saved";
  const dialog = el(
    "dialog",
    { id: "conflict-dialog", "aria-labelledby": "conflict-title" },
    el("h2", { id: "conflict-title", text: head }),
    el("p", { text: "Nothing was saved. Choose the version to keep; the other one is not lost." }),
    ...sections,
    el("div", { className: "conflict-buttons" }, mine, take, later),
  );
  document.getElementById("conflict-dialog")?.remove();
  document.body.append(dialog);
  return new Promise((resolve) => {
    const close = (choice) => {
      dialog.close();
      dialog.remove();
      resolve(choice);
    };
    mine.addEventListener("click", () => close("mine"));
    take.addEventListener("click", () => close("theirs"));
    later.addEventListener("click", () => close(null));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault(); // Escape: as Cancel
      close(null);
    });
    dialog.showModal();
  });
}

// ---- the banner: the file changed on disk while open --------------------------------------------------

let opened = () => null; // {name, version} of the file as opened or last saved here, or null
let review = () => {};
let dismissed = null; // the disk version the user closed the banner for

function banner() {
  let box = document.getElementById("disk-banner");
  if (!box) {
    box = el("div", { id: "disk-banner", role: "status", hidden: true });
    (document.getElementById("canvas-wrap") || document.body).append(box);
  }
  return box;
}

function showBanner(disk) {
  const box = banner();
  const text = disk.file
    ? `${disk.file} was changed on disk since you opened it.`
    : `'${disk.name}' was deleted on disk since you opened it.`;
  const look = el("button", { type: "button", className: "disk-review", text: "Review…" });
  look.title = "Compare with the version on disk and choose which to keep";
  look.addEventListener("click", () => review());
  const close = el("button", { type: "button", className: "disk-dismiss", title: "Dismiss", text: "×" });
  close.addEventListener("click", () => {
    dismissed = disk.version;
    box.hidden = true;
  });
  box.replaceChildren(el("span", { text: `${text} Saving will ask which version to keep.` }), look, close);
  box.hidden = false;
}

// Ask for the file's version token alone (GET .../version, no document) and show or hide the banner.
export async function checkDisk() {
  const mine = opened();
  if (!mine) {
    banner().hidden = true;
    return;
  }
  let disk;
  try {
    disk = await api("GET", `/api/flowcharts/${encodeURIComponent(mine.name)}/version`);
  } catch (e) {
    return; // the editor is restarting: look again next time
  }
  const now = opened();
  if (!now || now.name !== mine.name || now.version !== mine.version) return; // saved or reopened meanwhile
  if (disk.version === mine.version || disk.version === dismissed) banner().hidden = true;
  else showBanner(disk);
}

// `current()`: {name, version} of the open flowchart's file, or null; `onReview`: what "Review…" does.
export function watchDisk(current, onReview) {
  opened = current;
  review = onReview;
  window.addEventListener("focus", checkDisk);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") checkDisk();
  });
  setInterval(() => {
    if (document.visibilityState === "visible") checkDisk();
  }, CHECK_EVERY_MS);
}
