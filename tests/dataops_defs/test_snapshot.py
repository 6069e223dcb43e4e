"""The texts a code location was built from are pinned, and a reconstruction for a run reads those."""

from __future__ import annotations

import json
from pathlib import Path

from dagster._core.definitions.definitions_load_context import DefinitionsLoadContext, DefinitionsLoadType
from dagster._core.definitions.repository_definition import RepositoryLoadData

from dataops.flowcharts import FlowchartSource
from dataops_defs.snapshot import METADATA_KEY, current_sources

FIRST = "name: flow\nnodes:\n  - {id: load, module: read_csv, params: {path: 第一.csv}}\n"
SECOND = "name: flow\nnodes:\n  - {id: load, module: read_csv, params: {path: second.csv}}\n"


def _initialise(folder: Path) -> tuple[list[FlowchartSource], str]:
    context = DefinitionsLoadContext(load_type=DefinitionsLoadType.INITIALIZATION)
    with DefinitionsLoadContext.scoped(context):
        sources = current_sources(folder)
    return sources, context.get_pending_reconstruction_metadata()[METADATA_KEY]


def test_initialisation_reads_the_folder_and_pins_the_texts(tmp_path: Path) -> None:
    (tmp_path / "flow.yaml").write_text(FIRST, encoding="utf-8")
    (tmp_path / ".flow.yaml.swp.yaml").write_text(SECOND, encoding="utf-8")  # hidden: not a flowchart
    (tmp_path / "latin1.yaml").write_bytes("name: café\n".encode("latin-1"))
    sources, pinned = _initialise(tmp_path)
    assert [(Path(s.file).name, s.text) for s in sources] == [("flow.yaml", FIRST), ("latin1.yaml", "")]
    assert sources[1].error is not None and sources[1].error.startswith("cannot read the file: 'utf-8' codec")
    assert [FlowchartSource(**item) for item in json.loads(pinned)] == sources
    assert "第一.csv" in pinned  # stored as text, not \u escapes


def test_a_run_reconstructs_from_the_pinned_texts_even_after_the_file_changed(tmp_path: Path) -> None:
    (tmp_path / "flow.yaml").write_text(FIRST, encoding="utf-8")
    launched, pinned = _initialise(tmp_path)
    (tmp_path / "flow.yaml").write_text(SECOND, encoding="utf-8")
    (tmp_path / "new.yaml").write_text(SECOND, encoding="utf-8")
    load_data = RepositoryLoadData(reconstruction_metadata={METADATA_KEY: pinned})
    context = DefinitionsLoadContext(load_type=DefinitionsLoadType.RECONSTRUCTION, repository_load_data=load_data)
    with DefinitionsLoadContext.scoped(context):
        assert current_sources(tmp_path) == launched


def test_without_pinned_texts_a_reconstruction_reads_the_folder(tmp_path: Path) -> None:
    (tmp_path / "flow.yaml").write_text(SECOND, encoding="utf-8")
    context = DefinitionsLoadContext(load_type=DefinitionsLoadType.RECONSTRUCTION, repository_load_data=RepositoryLoadData())
    with DefinitionsLoadContext.scoped(context):
        assert current_sources(tmp_path) == [FlowchartSource(str(tmp_path / "flow.yaml"), SECOND)]
