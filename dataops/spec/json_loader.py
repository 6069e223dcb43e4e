"""JSON for flowcharts: `json.loads`, except that a key repeated in one object is an error.

Python's `json` keeps the last of repeated keys without a word; the YAML loader refuses them, and
so does this, with the line and column of the repeat.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SPACE = re.compile(r"[ \t\n\r]*")


class _Repeated(Exception):
    def __init__(self, key: str, position: int = 0) -> None:
        super().__init__(key)
        self.key, self.position = key, position


def load_json(text: str) -> Any:
    """The document in `text`; raises `json.JSONDecodeError`, also for a repeated key."""
    try:
        return json.loads(text, object_pairs_hook=_unique)
    except _Repeated as repeated:
        found = _first_repeat(text) or repeated
        raise json.JSONDecodeError(f"duplicate key '{found.key}'", text, found.position) from None


def _first_repeat(text: str) -> _Repeated | None:
    """Where the first repeated key is: the C parser does not say, so walk the text (only on this path)."""
    try:
        _walk(text, 0, json.JSONDecoder())
    except _Repeated as found:
        return found
    except (ValueError, StopIteration, IndexError):  # malformed after all: the hook's key, at the start
        return None
    return None


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Repeated(key)
            seen.add(key)
    return result


def _walk(text: str, position: int, decoder: json.JSONDecoder) -> int:
    """Skip the value at `position` (valid JSON up to the repeat), raising `_Repeated` at a repeated key."""
    position = _past_space(text, position)
    opening = text[position : position + 1]
    if opening not in ("{", "["):
        return decoder.raw_decode(text, position)[1]
    closing = "}" if opening == "{" else "]"
    seen: set[str] | None = set() if opening == "{" else None
    position = _past_space(text, position + 1)
    if text.startswith(closing, position):
        return position + 1
    while True:
        if seen is not None:
            key, end = decoder.raw_decode(text, position)
            if key in seen:
                raise _Repeated(key, position)
            seen.add(key)
            position = _past_space(text, end) + 1  # past the ':'
        position = _past_space(text, _walk(text, position, decoder))
        if text.startswith(closing, position):
            return position + 1
        position = _past_space(text, position + 1)  # past the ','


def _past_space(text: str, position: int) -> int:
    """The first position at or after `position` that is not JSON whitespace."""
    match = _SPACE.match(text, position)
    return match.end() if match else position
