// Copy and paste of nodes as spec text: what is copied is the part of the document the selection covers.

import { freshId } from "./rules.js";

function splitEnd(end) {
  const text = String(end);
  const dot = text.indexOf(".");
  return dot < 0 ? [text, ""] : [text.slice(0, dot), text.slice(dot)];
}

// The nodes of `doc` whose ids are in `ids`, with the edges between them (params and labels deep-copied).
export function copied(doc, ids) {
  const inside = (end) => ids.has(splitEnd(end)[0]);
  return JSON.parse(
    JSON.stringify({
      nodes: doc.nodes.filter((n) => ids.has(n.id)),
      edges: doc.edges.filter((e) => inside(e.from) && inside(e.to)),
    }),
  );
}

// The clipboard's nodes under ids free among `taken` (load_1 → load_2), moved by `offset`, with their edges renamed.
export function pasted(clip, taken, offset) {
  const names = new Set(taken);
  const renamed = new Map();
  for (const node of clip.nodes) {
    const id = freshId(node.id.replace(/_\d+$/, ""), names);
    names.add(id);
    renamed.set(node.id, id);
  }
  const rename = (end) => {
    const [id, port] = splitEnd(end);
    return `${renamed.get(id)}${port}`;
  };
  const copy = JSON.parse(JSON.stringify(clip));
  const nodes = copy.nodes.map((node) => {
    const at = node.position || { x: 80, y: 80 };
    return { ...node, id: renamed.get(node.id), position: { x: at.x + offset, y: at.y + offset } };
  });
  return { nodes, edges: copy.edges.map((e) => ({ from: rename(e.from), to: rename(e.to) })) };
}
