"""Flowchart history: every save keeps a version beside the flowcharts, with who or what saved it.

A version is the exact text saved, in `<flowcharts>/.history/<file stem>/<UTC time>-<source><suffix>`,
written atomically and synced; the flowcharts folder ignores hidden folders, so versions are never
read as flowcharts. The editor, the CLI and `dataops history` all read the same files, so the history
survives restarts. `changes` is the readable structural diff of two versions: nodes, params, edges.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dataops import flowcharts
from dataops.files import write_text_atomically

FOLDER = ".history"
MAX_VERSIONS = 200  # per flowchart; the oldest are removed beyond it
SOURCES = ("editor", "cli", "disk", "revert")  # "disk": an edit found on disk that no save recorded
_NAME = re.compile(r"^(?P<time>\d{8}T\d{6}\.\d{6}Z)-(?P<source>[a-z]+)(?P<suffix>\.(?:json|ya?ml))$")


@dataclass(frozen=True)
class Version:
    """One saved text of a flowchart file: `id` names it (`<time>-<source>`)."""

    id: str
    time: datetime
    source: str
    path: Path

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def document(self) -> dict[str, Any] | None:
        """The parsed mapping, or None when this version was not a readable flowchart."""
        try:
            return flowcharts.read_document(flowcharts.FlowchartSource(str(self.path), self.text()))
        except (OSError, UnicodeDecodeError, ValueError):
            return None


def folder_of(path: Path) -> Path:
    """Where the versions of flowchart file `path` are kept."""
    return path.parent / FOLDER / path.stem


def versions(path: Path) -> list[Version]:
    """The versions of `path`, newest first (versions of its other suffixes too: a YAML file saved as JSON)."""
    folder = folder_of(path)
    if not folder.is_dir():
        return []
    found = []
    for file in folder.iterdir():
        match = _NAME.match(file.name)
        if match and file.is_file():
            time = datetime.strptime(match["time"], "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=UTC)
            found.append(Version(file.name[: -len(match["suffix"])], time, match["source"], file))
    return sorted(found, key=lambda v: v.id, reverse=True)


def log(path: Path) -> list[tuple[Version, list[str]]]:
    """The versions of `path`, newest first, each with its changes from the version before it."""
    found = versions(path)
    documents = [version.document() for version in found]
    return [
        (version, changes(documents[i + 1] if i + 1 < len(found) else None, documents[i]))
        for i, version in enumerate(found)
    ]


def find(path: Path, version_id: str) -> Version:
    """The version `version_id` of `path`; KeyError names the versions there are when it is not one."""
    for version in versions(path):
        if version.id == version_id:
            return version
    raise KeyError(f"{path.name} has no version {version_id!r} (see `dataops history {path.name}`)")


def record(path: Path, text: str, source: str) -> Version | None:
    """Keep `text` (just saved to `path`) as a version by `source`; None when it equals the newest one.

    An edit made on disk since the newest version (by hand, or by a tool that keeps no history) is
    kept first as a `disk` version, so no text that was ever saved is lost from the history.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown history source {source!r}; one of {', '.join(SOURCES)}")
    existing = versions(path)
    if existing and existing[0].text() == text:
        return None
    return _write(path, text, source)


def record_disk_edit(path: Path) -> Version | None:
    """Before replacing `path`: keep its current text when no version holds it (a hand edit, or no history yet)."""
    try:
        current = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    existing = versions(path)
    if existing and _same(existing[0], current):
        return None
    return _write(path, current, "disk")


def _same(version: Version, text: str) -> bool:
    try:
        return version.text().removeprefix("\ufeff") == text
    except (OSError, UnicodeDecodeError):
        return False


def _write(path: Path, text: str, source: str) -> Version:
    folder = folder_of(path)
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    newest = versions(path)
    if newest and newest[0].time >= now:  # two saves within a clock tick, or a clock set back: keep the order
        now = newest[0].time + _TICK
    version_id = f"{now:%Y%m%dT%H%M%S.%fZ}-{source}"
    target = write_text_atomically(folder / f"{version_id}{path.suffix.lower()}", text, durable=True)
    for old in versions(path)[MAX_VERSIONS:]:
        old.path.unlink(missing_ok=True)
    return Version(version_id, now, source, target)


def revert(path: Path, version_id: str) -> tuple[Path, Version]:
    """Write version `version_id`'s text back to `path` (atomically) and record it as a `revert` version.

    The version's own suffix wins: reverting a JSON file to a version saved as YAML writes the YAML
    file again and removes the JSON one. Returns the file written and the new version.
    """
    version = find(path, version_id)
    record_disk_edit(path)
    target = path.with_suffix(version.path.suffix)
    write_text_atomically(target, version.text(), durable=True)
    if target != path:
        path.unlink(missing_ok=True)
    new = _write(target, version.text(), "revert")
    return target, new


def changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[str]:
    """Readable lines for what changed from `old` to `new` (None: a first version): nodes added or removed,
    a node's module, label and params, edges added or removed, other top-level keys, and, last and in one
    line, the nodes moved on the canvas. An unreadable version says so."""
    if old is None and new is None:
        return []
    if new is None:
        return ["the file is not a readable flowchart in this version"]
    first = old is None
    old = old or {}
    lines: list[str] = []
    before, after = _nodes(old), _nodes(new)
    for node_id, node in after.items():
        if node_id not in before:
            lines.append(f"+ node {node_id} ({node.get('module', '?')})")
    for node_id, node in before.items():
        if node_id not in after:
            lines.append(f"- node {node_id} ({node.get('module', '?')})")
    common = [n for n in after if n in before]
    for node_id in common:
        lines.extend(_node_changes(node_id, before[node_id], after[node_id]))
    old_edges, new_edges = _edges(old), _edges(new)
    lines += [f"+ edge {edge}" for edge in new_edges if edge not in old_edges]
    lines += [f"- edge {edge}" for edge in old_edges if edge not in new_edges]
    for key in [k for k in {**old, **new} if k not in ("nodes", "edges") and not first]:
        if old.get(key) != new.get(key):
            lines.append(f"~ {key}: {_show(old.get(key))} → {_show(new.get(key))}")
    moved = [n for n in common if before[n].get("position") != after[n].get("position")]
    if moved:
        lines.append(f"~ moved on the canvas: {', '.join(moved)}")
    return lines


def _node_changes(node_id: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = []
    for key in ("module", "label"):
        if old.get(key) != new.get(key):
            lines.append(f"~ node {node_id}: {key} {_show(old.get(key))} → {_show(new.get(key))}")
    for key in [k for k in {**old, **new} if k not in ("id", "module", "label", "params", "position")]:
        if old.get(key) != new.get(key):
            lines.append(f"~ node {node_id}: {key} {_show(old.get(key))} → {_show(new.get(key))}")
    old_params, new_params = _mapping(old.get("params")), _mapping(new.get("params"))
    for name in {**old_params, **new_params}:
        if name not in old_params:
            lines.append(f"~ node {node_id}: param {name} set to {_show(new_params[name])}")
        elif name not in new_params:
            lines.append(f"~ node {node_id}: param {name} removed (was {_show(old_params[name])})")
        elif old_params[name] != new_params[name]:
            lines.append(f"~ node {node_id}: param {name} {_show(old_params[name])} → {_show(new_params[name])}")
    return lines


def _nodes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    nodes = document.get("nodes")
    found: dict[str, dict[str, Any]] = {}
    for node in nodes if isinstance(nodes, list) else []:
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            found[node["id"]] = node
    return found


def _edges(document: dict[str, Any]) -> list[str]:
    edges = document.get("edges")
    return [
        f"{edge.get('from')} → {edge.get('to')}"
        for edge in (edges if isinstance(edges, list) else [])
        if isinstance(edge, dict)
    ]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "…"


_TICK = datetime.resolution
