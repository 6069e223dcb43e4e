"""The flowcharts folder's one owner: which files are flowcharts, how they are read, and their names.

The Dagster code location (`dataops_defs.snapshot`), the editor and `dataops validate` all see
the folder through this module, so they agree on what is in it: every regular file with a
flowchart suffix whose name does not start with a dot (the dot names are temporaries and editor
swap files), read as UTF-8 with an optional BOM, at most `MAX_BYTES`. A flowchart's name is the
`name` it declares; the first file in name order that declares a name keeps it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dataops.errors import FlowchartError, Problem, Where
from dataops.spec import MAX_BYTES, ValidFlowchart, parse_flowchart
from dataops.spec.json_loader import load_json
from dataops.spec.models import IDENTIFIER
from dataops.spec.yaml_loader import load_yaml

FLOWCHART_SUFFIXES = (".yaml", ".yml", ".json")

# A declared name found by its line when the file does not parse, so a broken file keeps its name.
_NAME_LINES = (
    re.compile(r"^name:\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE),
    re.compile(r'"name"\s*:\s*"([A-Za-z_][A-Za-z0-9_]*)"'),
)


@dataclass(frozen=True)
class FlowchartSource:
    """One flowchart file as read: its path, its text, and why it could not be read (text is then "")."""

    file: str
    text: str
    error: str | None = None

    @property
    def path(self) -> Path:
        return Path(self.file)

    @property
    def json_format(self) -> bool:
        return self.path.suffix.lower() == ".json"


@dataclass(frozen=True)
class NameClash:
    """`file` declares `name`, which `first` (earlier in name order) declares already."""

    name: str
    file: str
    first: str


def is_flowchart_file(path: Path) -> bool:
    """True for a name with a flowchart suffix that is not hidden (the file need not exist)."""
    return path.suffix.lower() in FLOWCHART_SUFFIXES and not path.name.startswith(".")


def list_files(folder: Path) -> list[Path]:
    """The flowchart files in `folder`, by file name; none when the folder does not exist."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if is_flowchart_file(p) and p.is_file())


def read(path: Path) -> FlowchartSource:
    """The file's text, or why it cannot be used: not a flowchart suffix, too large, unreadable, not UTF-8."""
    if path.suffix.lower() not in FLOWCHART_SUFFIXES:
        return FlowchartSource(str(path), "", f"not a flowchart file (expected {', '.join(FLOWCHART_SUFFIXES)})")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return FlowchartSource(str(path), "", f"file is {size:,} bytes; flowcharts are limited to {MAX_BYTES:,}")
        return FlowchartSource(str(path), path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        return FlowchartSource(str(path), "", f"cannot read the file: {exc}")


def read_folder(folder: Path) -> list[FlowchartSource]:
    """Every flowchart file in `folder`, read, by file name."""
    return [read(p) for p in list_files(folder)]


def parse(source: FlowchartSource) -> ValidFlowchart:
    """The validated flowchart; `FlowchartError` for an unreadable file, as for an invalid one."""
    if source.error is not None:
        raise FlowchartError([Problem(Where(file=source.file), source.error)])
    return parse_flowchart(source.text, file=source.file, json_format=source.json_format)


def load_flowchart(path: Path | str) -> ValidFlowchart:
    """Read and validate one flowchart file; `FlowchartError` for an unreadable file, as for an invalid one."""
    return parse(read(Path(path)))


def read_document(source: FlowchartSource) -> dict[str, Any]:
    """The file's mapping as plain JSON values (YAML dates become strings), not yet validated.

    Raises:
        ValueError: the file is unreadable, not valid YAML/JSON, or not a mapping; the message says which.
    """
    if source.error is not None:
        raise ValueError(source.error)
    json_format = source.json_format
    try:
        raw = load_json(source.text) if json_format else load_yaml(source.text)
    except (json.JSONDecodeError, yaml.YAMLError, RecursionError) as exc:
        raise ValueError(f"not valid {'JSON' if json_format else 'YAML'}: {exc}") from None
    if not isinstance(raw, dict):
        raise ValueError("a flowchart file holds a mapping with name, nodes and edges")
    return json.loads(json.dumps(raw, default=str))


def name_in(document: dict[str, Any]) -> str | None:
    """The name a parsed document declares, when it is a valid flowchart name."""
    name = document.get("name")
    return name if isinstance(name, str) and re.match(IDENTIFIER, name) else None


def declared_name(source: FlowchartSource) -> str | None:
    """The name the file declares; for a file that does not parse, the one on its `name` line."""
    try:
        return name_in(read_document(source))
    except ValueError:
        pass
    for pattern in _NAME_LINES:
        if match := pattern.search(source.text):
            return match.group(1)
    return None


def name_of(source: FlowchartSource) -> str:
    """The flowchart's name: the declared one, else the file's stem."""
    return declared_name(source) or source.path.stem


def name_clashes(named: Iterable[tuple[str, str]]) -> list[NameClash]:
    """For (file, name) pairs in folder order: every file whose name an earlier file declares."""
    first: dict[str, str] = {}
    clashes = []
    for file, name in named:
        if name in first:
            clashes.append(NameClash(name, file, first[name]))
        first.setdefault(name, file)
    return clashes
