"""Confine every user-supplied path to the data root."""

from __future__ import annotations

import re
from pathlib import Path

from dataops.errors import NOWHERE, AdapterError, Where

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]|^\\\\")


def resolve_data_path(path: str, root: Path, *, where: Where = NOWHERE) -> Path:
    """The absolute path of `path` (relative to `root`); anything resolving outside `root` is refused.

    Symlinks are followed before the check, so a link inside the root pointing out is refused too.
    """
    if _WINDOWS_DRIVE.match(path) or "\\" in path:
        raise AdapterError(f"'{path}' is a Windows path; use forward slashes relative to the data root", where)
    root = root.resolve()
    candidate = (root / Path(path).expanduser()).resolve()
    if not candidate.is_relative_to(root):
        raise AdapterError(
            f"'{path}' resolves outside the data root {root}; use a path inside it (e.g. 'inbox/file.csv')",
            where,
        )
    return candidate
