"""The editor's view of the flowcharts folder (`dataops.flowcharts` reads it): list, find by name, save,
and each file's version token, which lets a save refuse to overwrite an edit made on disk since opening."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from dataops import flowcharts, history
from dataops.files import write_text_atomically


@dataclass(frozen=True)
class StoredFlowchart:
    """One file: its flowchart name (the file stem when it declares none), parsed document, text as read
    and version token (`version_of` that text; None when the file cannot be read)."""

    name: str
    path: Path
    document: dict[str, Any] | None
    error: str | None = None
    text: str = field(default="", compare=False, repr=False)
    version: str | None = field(default=None, compare=False)

    @property
    def format(self) -> Literal["json", "yaml"]:
        return "json" if self.path.suffix.lower() == ".json" else "yaml"

    @property
    def description(self) -> str | None:
        value = (self.document or {}).get("description")
        return value if isinstance(value, str) else None


def scan(folder: Path) -> list[StoredFlowchart]:
    """Every flowchart file in `folder`, by file name."""
    return [_stored(source) for source in flowcharts.read_folder(folder)]


def _stored(source: flowcharts.FlowchartSource) -> StoredFlowchart:
    version = None if source.error is not None else version_of(source.text)
    try:
        document = flowcharts.read_document(source)
    except ValueError as exc:
        return StoredFlowchart(flowcharts.name_of(source), source.path, None, str(exc), source.text, version)
    name = flowcharts.name_in(document) or source.path.stem
    return StoredFlowchart(name, source.path, document, None, source.text, version)


def find(folder: Path, name: str) -> list[StoredFlowchart]:
    """The files defining flowchart `name`, `<name>.json` (the one the editor writes) first."""
    found = [f for f in scan(folder) if f.name == name]
    return sorted(found, key=lambda f: f.path.name != f"{name}.json")


def version_of(text: str) -> str:
    """A file's version token: the SHA-256 of its text as read (UTF-8, without a BOM), in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Per folder, each file's (mtime ns, size, flowchart name) when last seen, for `current_version`.
_names: dict[Path, dict[Path, tuple[int, int, str]]] = {}


def current_version(folder: Path, name: str) -> tuple[Path, str | None] | None:
    """The file `find(folder, name)` would open first and its version token, without parsing every file
    each time (a page asks every few seconds): a file's flowchart name is read again only when it changed."""
    before, seen = _names.get(folder, {}), {}
    named = []
    for path in flowcharts.list_files(folder):
        try:
            stat = path.stat()
        except OSError:
            continue
        cached = before.get(path)
        if cached is None or cached[:2] != (stat.st_mtime_ns, stat.st_size):
            cached = (stat.st_mtime_ns, stat.st_size, flowcharts.name_of(flowcharts.read(path)))
        seen[path] = cached
        if cached[2] == name:
            named.append(path)
    _names[folder] = seen
    if not named:
        return None
    first = flowcharts.read(min(named, key=lambda path: path.name != f"{name}.json"))
    return first.path, None if first.error is not None else version_of(first.text)


def to_json(document: dict[str, Any]) -> str:
    """The file text a document is saved as: the size `MAX_BYTES` applies to is this text's."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def write_json(folder: Path, name: str, text: str) -> Path:
    """`<folder>/<name>.json`, replaced atomically and synced: it is the user's work."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_file(folder / f"{name}.json", text)


def write_file(path: Path, text: str) -> Path:
    """`path` replaced atomically and synced (a YAML flowchart saved in place), kept as a version in its
    history (after its text on disk, when a hand edit changed it since the last version)."""
    history.record_disk_edit(path)
    write_text_atomically(path, text, durable=True)
    history.record(path, text, "editor")
    return path


def remove(path: Path) -> None:
    """Delete a flowchart file; its text stays in its history (recorded first when no version holds it)."""
    history.record_disk_edit(path)
    path.unlink(missing_ok=True)
