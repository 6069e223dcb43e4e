// Copy and paste of nodes as spec text: what is copied is the part of the document the selection covers.

import { freshId, splitEnd } from "./rules.js";

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
    return port ? `${renamed.get(id)}.${port}` : renamed.get(id);
  };
  const copy = JSON.parse(JSON.stringify(clip));
  const nodes = copy.nodes.map((node) => {
    const at = node.position || { x: 80, y: 80 };
    return { ...node, id: renamed.get(node.id), position: { x: at.x + offset, y: at.y + offset } };
  });
  return { nodes, edges: copy.edges.map((e) => ({ from: rename(e.from), to: rename(e.to) })) };
}
