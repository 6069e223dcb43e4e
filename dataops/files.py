"""Atomic file replacement: readers see the old file or the whole new one, never half of it."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, Self, TypeVar


class _RenamablePath(Protocol):
    """What a temporary needs of a path: `pathlib.Path` and fsspec's `UPath` both have it."""

    def with_name(self, name: str) -> Self: ...
    def rename(self, target: Self) -> object: ...
    def unlink(self) -> None: ...


P = TypeVar("P", bound=_RenamablePath)


def temporary_name() -> str:
    """A hidden name of fixed length: the target's own may be up to 255 bytes, the limit of any name."""
    return f".dataops-{uuid.uuid4().hex}.tmp"


@contextlib.contextmanager
def atomic_target(target: P, *, durable: bool = False) -> Iterator[P]:
    """A temporary path beside `target` to write; renamed over `target` when the block ends.

    If the block raises, the temporary is removed and `target` keeps its previous content. The
    rename is atomic for readers; `durable` also flushes the file and its folder to disk, so a
    crash right after cannot leave an empty or missing file (local paths only; it costs a disk
    sync, which user documents are worth and pipeline outputs that a run rewrites are not).
    """
    temporary = target.with_name(temporary_name())
    try:
        yield temporary
        if isinstance(temporary, Path):
            if durable:
                _sync(temporary)
            os.replace(temporary, str(target))  # `rename` refuses an existing target on Windows
            if durable:
                _sync(temporary.parent)
        else:  # fsspec's paths rename, replacing the target (they have no `replace`)
            temporary.rename(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def write_text_atomically(target: Path, text: str, *, durable: bool = False) -> Path:
    """`target` replaced by `text` in UTF-8 (see `atomic_target`); returns `target`."""
    with atomic_target(target, durable=durable) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return target


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
