// The module palette: grouped by category, filtered by the search box, dragged onto the canvas.

export const MODULE_MIME = "application/x-dataops-module";

export function renderPalette(container, modules, query, onAdd) {
  const needle = query.trim().toLowerCase();
  const matches = [...modules.values()].filter(
    (m) => !needle || [m.name, m.category, m.description].some((text) => text.toLowerCase().includes(needle)),
  );
  const categories = new Map();
  for (const m of matches.sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name))) {
    if (!categories.has(m.category)) categories.set(m.category, []);
    categories.get(m.category).push(m);
  }
  container.replaceChildren();
  if (!matches.length) {
    const none = document.createElement("p");
    none.className = "muted";
    none.textContent = `No module matches '${query}'.`;
    container.append(none);
  }
  for (const [category, members] of categories) {
    const group = document.createElement("section");
    group.className = "palette-group";
    const title = document.createElement("h3");
    title.textContent = category;
    group.append(title);
    for (const m of members) group.append(item(m, onAdd));
    container.append(group);
  }
}

function item(module, onAdd) {
  const entry = document.createElement("div");
  entry.className = `palette-item kind-${module.kind}`;
  entry.draggable = true;
  entry.dataset.module = module.name;
  entry.title = `${module.description}\nDrag onto the canvas (or double-click).`;
  const name = document.createElement("span");
  name.className = "palette-name";
  name.textContent = module.name;
  const description = document.createElement("span");
  description.className = "palette-description";
  description.textContent = module.description;
  entry.append(name, description);
  entry.addEventListener("dragstart", (e) => {
    e.dataTransfer.setData(MODULE_MIME, module.name);
    e.dataTransfer.setData("text/plain", module.name);
    e.dataTransfer.effectAllowed = "copy";
  });
  entry.addEventListener("dblclick", () => onAdd(module.name));
  return entry;
}
