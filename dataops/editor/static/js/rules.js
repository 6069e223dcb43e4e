// Which connections the canvas accepts; each refusal says why, in the validator's words.

// edges: [{from: nodeId, fromPort, to: nodeId, toPort}] already on the canvas (without the new one).
export function connectionRefusal(edges, edge, inputPort) {
  if (edge.from === edge.to) {
    return `a node cannot feed itself: '${edge.from}' → '${edge.to}' would be a cycle`;
  }
  if (inputPort && !inputPort.many) {
    const existing = edges.find((e) => e.to === edge.to && e.toPort === edge.toPort);
    if (existing) {
      return (
        `input '${edge.toPort}' of '${edge.to}' takes one edge and already has one (from '${existing.from}'); ` +
        "combine tables with 'union' or 'join' first"
      );
    }
  }
  const path = findPath(edges, edge.to, edge.from);
  if (path) {
    return `the edges would form a cycle: ${[edge.from, ...path].join(" → ")}`;
  }
  return null;
}

// A path of node ids from `start` to `goal` along the edges, or null.
function findPath(edges, start, goal) {
  const seen = new Set([start]);
  const queue = [[start]];
  while (queue.length) {
    const path = queue.shift();
    const last = path[path.length - 1];
    if (last === goal) return path;
    for (const e of edges) {
      if (e.from === last && !seen.has(e.to)) {
        seen.add(e.to);
        queue.push([...path, e.to]);
      }
    }
  }
  return null;
}

export const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

// An edge's end, "node" or "node.port", as [node, port] (port "" when not named).
export function splitEnd(text) {
  const value = String(text ?? "");
  const dot = value.indexOf(".");
  return dot < 0 ? [value, ""] : [value.slice(0, dot), value.slice(dot + 1)];
}

// The first free id `<base>_<n>` among `taken`.
export function freshId(base, taken) {
  const stem = base.replace(/[^A-Za-z0-9_]/g, "_").replace(/^(?=[0-9])/, "n_") || "node";
  for (let n = 1; ; n += 1) {
    const id = `${stem}_${n}`;
    if (!taken.has(id)) return id;
  }
}
