"""Positions for nodes that have none: left to right by topological depth, top to bottom in file order."""

from __future__ import annotations

from typing import Any

X0, Y0, DX, DY = 60.0, 60.0, 280.0, 120.0


def with_positions(document: dict[str, Any]) -> dict[str, Any]:
    """The document with a `position` on every node; positions already set are kept."""
    nodes = [n for n in document.get("nodes") or [] if isinstance(n, dict)]
    if all(_has_position(n) for n in nodes):
        return document
    ids: list[str] = [n["id"] for n in nodes if isinstance(n.get("id"), str)]
    depth = _depths(ids, _links(document.get("edges"), set(ids)))
    rows: dict[int, int] = {}
    placed = []
    for node in nodes:
        if _has_position(node):
            placed.append(node)
            continue
        node_id = node.get("id")
        level = depth.get(node_id, 0) if isinstance(node_id, str) else 0  # any JSON can be saved and opened
        row = rows.get(level, 0)
        rows[level] = row + 1
        placed.append({**node, "position": {"x": X0 + level * DX, "y": Y0 + row * DY}})
    return {**document, "nodes": placed}


def _has_position(node: dict[str, Any]) -> bool:
    position = node.get("position")
    return isinstance(position, dict) and all(isinstance(position.get(k), int | float) for k in ("x", "y"))


def _links(edges: Any, ids: set[str]) -> list[tuple[str, str]]:
    links = []
    for edge in edges if isinstance(edges, list) else []:
        if not isinstance(edge, dict):
            continue
        ends = [str(edge.get(key, "")).partition(".")[0] for key in ("from", "to")]
        if ends[0] in ids and ends[1] in ids and ends[0] != ends[1]:
            links.append((ends[0], ends[1]))
    return links


def _depths(ids: list[str], links: list[tuple[str, str]]) -> dict[str, int]:
    """Longest path from a node without inputs; a cycle stops growing after len(ids) rounds."""
    depth = dict.fromkeys(ids, 0)
    for _ in range(len(ids)):
        changed = False
        for source, target in links:
            if depth[target] < depth[source] + 1:
                depth[target] = depth[source] + 1
                changed = True
        if not changed:
            break
    return depth
