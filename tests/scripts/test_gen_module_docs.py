"""docs/modules.md carries the current table of built-in modules (regenerate with the script)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from module_library.discovery import discover
from module_library.registry import MODULES

PROJECT = Path(__file__).resolve().parents[2]


def test_the_committed_table_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/gen_module_docs.py", "--check"], cwd=PROJECT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_every_built_in_module_is_in_the_page() -> None:
    discover()
    page = (PROJECT / "docs" / "modules.md").read_text(encoding="utf-8")
    builtin = [name for name, spec in MODULES.items() if spec.origin.startswith("module_library.builtin")]
    assert len(builtin) >= 27
    missing = [name for name in builtin if f"| `{name}` |" not in page]
    assert not missing
