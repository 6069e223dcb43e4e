"""The editor's view of the flowcharts folder (`dataops.flowcharts` reads it): list, find by name, save."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dataops import flowcharts, history
from dataops.files import write_text_atomically


@dataclass(frozen=True)
class StoredFlowchart:
    """One file: its flowchart name (the file stem when it declares none) and parsed document."""

    name: str
    path: Path
    document: dict[str, Any] | None
    error: str | None = None

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
    try:
        document = flowcharts.read_document(source)
    except ValueError as exc:
        return StoredFlowchart(flowcharts.name_of(source), source.path, None, str(exc))
    return StoredFlowchart(flowcharts.name_in(document) or source.path.stem, source.path, document)


def find(folder: Path, name: str) -> list[StoredFlowchart]:
    """The files defining flowchart `name`, `<name>.json` (the one the editor writes) first."""
    found = [f for f in scan(folder) if f.name == name]
    return sorted(found, key=lambda f: f.path.name != f"{name}.json")


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
