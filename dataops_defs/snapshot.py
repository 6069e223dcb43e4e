"""The flowchart texts a code location was built from, pinned for its runs.

At initialisation the texts are read from the flowcharts folder and stored as the code
location's reconstruction metadata; a run worker reconstructing the definitions reads them back from there, so a run
executes the version it was launched with even if the file changed meanwhile.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from dagster._core.definitions.definitions_load_context import DefinitionsLoadContext, DefinitionsLoadType

from dataops.spec import FLOWCHART_SUFFIXES

METADATA_KEY = "dataops/flowcharts"


@dataclass(frozen=True)
class FlowchartSource:
    file: str
    text: str


def read_folder(folder: Path) -> list[FlowchartSource]:
    """Every flowchart file in `folder`, in name order (unreadable files keep an empty text)."""
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in FLOWCHART_SUFFIXES and p.is_file())
    return [FlowchartSource(str(p), _read(p)) for p in files]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return f"# unreadable: {exc}"


def current_sources(folder: Path) -> list[FlowchartSource]:
    """The pinned texts when reconstructing for a run; else the folder's files, pinned for later."""
    context = DefinitionsLoadContext.get()
    if context.load_type == DefinitionsLoadType.RECONSTRUCTION:
        pinned = context.reconstruction_metadata.get(METADATA_KEY)
        if pinned is not None:
            return [FlowchartSource(**item) for item in json.loads(pinned)]
    sources = read_folder(folder)
    # Dagster stores pending reconstruction metadata with the code location's load data and
    # hands it to run workers, which rebuild the jobs from it instead of from the files.
    context.add_to_pending_reconstruction_metadata(
        METADATA_KEY, json.dumps([asdict(s) for s in sources], ensure_ascii=False)
    )
    return sources
