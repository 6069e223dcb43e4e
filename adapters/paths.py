"""Confine every user-supplied path to the data root."""

from __future__ import annotations

import os
import re
from pathlib import Path

from dataops.errors import NOWHERE, AdapterError, Where

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]|^\\\\")
# Linux's limits (NAME_MAX, PATH_MAX with its terminating NUL): beyond them the system refuses the
# name with an OSError far from here, so they are checked here, where the node and field are known.
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 4095


def resolve_data_path(path: str, root: Path, *, where: Where = NOWHERE) -> Path:
    """The absolute path of `path` (relative to `root`); anything resolving outside `root` is refused.

    Symlinks are followed before the check, so a link inside the root pointing out is refused too.
    A path the system could not open at all (a NUL byte, a name over 255 bytes) is refused first.
    """
    _refuse_impossible(path, where)
    if _WINDOWS_DRIVE.match(path) or "\\" in path:
        raise AdapterError(f"'{path}' is a Windows path; use forward slashes relative to the data root", where)
    root = root.resolve()
    candidate = (root / Path(path).expanduser()).resolve()
    if not candidate.is_relative_to(root):
        raise AdapterError(
            f"'{path}' resolves outside the data root {root}; use a path inside it (e.g. 'inbox/file.csv')",
            where,
        )
    if (size := len(os.fsencode(candidate))) > MAX_PATH_BYTES:
        raise AdapterError(
            f"path {_shown(path)} is {size:,} bytes long inside the data root; paths are limited to "
            f"{MAX_PATH_BYTES:,} bytes",
            where,
        )
    return candidate


def _refuse_impossible(path: str, where: Where) -> None:
    shown = _shown(path)
    if "\x00" in path:
        raise AdapterError(f"path {shown} contains a NUL byte (\\x00), which no file name can hold", where)
    try:
        encoded = path.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate, e.g. from JSON's "\ud800"
        raise AdapterError(f"path {shown} is not valid Unicode text (character {exc.start + 1})", where) from None
    for component in encoded.split(b"/"):
        if len(component) > MAX_NAME_BYTES:
            name = _shown(component.decode("utf-8"))
            raise AdapterError(
                f"path component {name} is {len(component):,} bytes long; a file or folder name is limited "
                f"to {MAX_NAME_BYTES} bytes (in UTF-8, a Chinese character takes 3)",
                where,
            )


def _shown(text: str, limit: int = 60) -> str:
    """A quoted excerpt that shows control characters and stays short."""
    quoted = repr(text[:limit])
    return quoted if len(text) <= limit else f"{quoted[:-1]}…{quoted[-1]} ({len(text):,} characters)"
