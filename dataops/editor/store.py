"""Flowchart files in the flowcharts folder: list them, find one by name, write JSON atomically."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dataops.spec import FLOWCHART_SUFFIXES
from dataops.spec.loader import MAX_BYTES
from dataops.spec.yaml_loader import StrictYamlLoader


@dataclass(frozen=True)
class StoredFlowchart:
    """One file: its flowchart name (the file stem when unreadable) and parsed document."""

    name: str
    path: Path
    text: str
    document: dict[str, Any] | None
    error: str | None = None

    @property
    def format(self) -> str:
        return "json" if self.path.suffix.lower() == ".json" else "yaml"

    @property
    def description(self) -> str | None:
        value = (self.document or {}).get("description")
        return value if isinstance(value, str) else None


def scan(folder: Path) -> list[StoredFlowchart]:
    """Every flowchart file in `folder` (hidden and temporary files skipped), by file name."""
    if not folder.is_dir():
        return []
    files = sorted(
        p for p in folder.iterdir() if p.suffix.lower() in FLOWCHART_SUFFIXES and p.is_file() and p.name[0] != "."
    )
    return [read(p) for p in files]


def read(path: Path) -> StoredFlowchart:
    try:
        if path.stat().st_size > MAX_BYTES:
            return StoredFlowchart(path.stem, path, "", None, f"larger than {MAX_BYTES:,} bytes")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return StoredFlowchart(path.stem, path, "", None, f"cannot read the file: {exc}")
    try:
        document = parse_document(text, json_format=path.suffix.lower() == ".json")
    except ValueError as exc:
        return StoredFlowchart(path.stem, path, text, None, str(exc))
    name = document.get("name")
    return StoredFlowchart(name if isinstance(name, str) and name else path.stem, path, text, document)


def parse_document(text: str, *, json_format: bool) -> dict[str, Any]:
    """The file's mapping as plain JSON values (YAML dates become strings)."""
    try:
        raw = json.loads(text) if json_format else yaml.load(text, Loader=StrictYamlLoader)
    except (json.JSONDecodeError, yaml.YAMLError, RecursionError) as exc:
        raise ValueError(f"not valid {'JSON' if json_format else 'YAML'}: {exc}") from None
    if not isinstance(raw, dict):
        raise ValueError("a flowchart file holds a mapping with name, nodes and edges")
    return json.loads(json.dumps(raw, default=str))


def find(folder: Path, name: str) -> list[StoredFlowchart]:
    """The files defining flowchart `name`, `<name>.json` first."""
    found = [f for f in scan(folder) if f.name == name]
    return sorted(found, key=lambda f: f.path.name != f"{name}.json")


def to_json(document: dict[str, Any]) -> str:
    """The file text a document is saved as: the size `MAX_BYTES` applies to is this text's."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def write_json(folder: Path, name: str, text: str) -> Path:
    """`<folder>/<name>.json`, written to a temporary file first so readers never see half of it."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.json"
    temporary = folder / f".{target.name}.{uuid.uuid4().hex}.tmp"
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target
