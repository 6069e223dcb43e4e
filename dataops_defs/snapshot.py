"""The flowchart texts a code location was built from, pinned for its runs.

At initialisation the texts are read from the flowcharts folder (through `dataops.flowcharts`,
its one owner) and stored as the code location's reconstruction metadata; a run worker
reconstructing the definitions reads them back from there, so a run executes the version it was
launched with even if the file changed meanwhile.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from dagster._core.definitions.definitions_load_context import DefinitionsLoadContext, DefinitionsLoadType

from dataops.flowcharts import FlowchartSource, read_folder

METADATA_KEY = "dataops/flowcharts"


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
