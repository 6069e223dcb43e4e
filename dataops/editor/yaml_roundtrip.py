"""Save an edited flowchart into its YAML file without losing what the user wrote there.

The editor holds the document as JSON values; writing that out as fresh YAML would drop the
file's comments, key order, quoting and flow style. Instead the file is loaded with ruamel.yaml's
round-trip loader and the document is merged into it: unchanged values keep their text, changed
ones are replaced in place, new keys are appended and removed ones dropped. Nodes are matched by
id and edges by their ends, so the comment on a node or an edge stays with it when others move.
"""

from __future__ import annotations

import io
import itertools
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.util import load_yaml_guess_indent


def merged_yaml(text: str, document: dict[str, Any]) -> str:
    """`text` (a YAML flowchart) updated to hold `document`, with its comments and layout kept."""
    _, sequence, offset = load_yaml_guess_indent(text)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long condition or description
    data = yaml.load(text)
    if not isinstance(data, CommentedMap):
        data = CommentedMap()
    _merge_map(data, document)
    offset = offset or 0
    yaml.indent(mapping=_mapping_indent(text), sequence=max(sequence or 2, offset + 2), offset=offset)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _mapping_indent(text: str) -> int:
    """How far a block mapping's keys sit under their parent key (2 unless the file says otherwise)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for line, following in itertools.pairwise(lines):
        parent = re.match(r"^( *)[^\s-][^:]*:\s*$", line)
        child = re.match(r"^( *)[^\s-]", following)
        if parent and child and len(child.group(1)) > len(parent.group(1)):
            return len(child.group(1)) - len(parent.group(1))
    return 2


def _merge_map(old: CommentedMap, new: dict[str, Any]) -> None:
    for key in [k for k in old if k not in new]:
        del old[key]
    for key, value in new.items():
        if key in old:
            old[key] = _merged(old[key], value, key)
        else:
            old[key] = _fresh(value)


def _merged(old: Any, new: Any, key: Any = None) -> Any:
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        _merge_map(old, new)
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        if key == "nodes":
            return _merge_list(old, new, lambda item: item.get("id") if isinstance(item, dict) else None)
        if key == "edges":
            return _merge_list(
                old, new, lambda item: (item.get("from"), item.get("to")) if isinstance(item, dict) else None
            )
        return _merge_list(old, new, None)
    if type(old) is type(new) or (_number(old) and _number(new)):
        return old if old == new else _styled(old, new)
    return new


def _merge_list(old: CommentedSeq, new: list[Any], identity: Any) -> CommentedSeq:
    """The items of `new` in its order; an item matching an old one (by `identity`, else by
    position) is merged into it, keeping its comments. The old list object keeps its style."""
    if identity is None:
        pairs = [(old[i] if i < len(old) else None, value) for i, value in enumerate(new)]
    else:
        by_identity = {identity(item): item for item in old}
        pairs = [(by_identity.get(identity(value)), value) for value in new]
    comments = {id(item): old.ca.items.get(index) for index, item in enumerate(old)}
    items = [_fresh(value) if item is None else _merged(item, value) for item, value in pairs]
    kept = [comments.get(id(item)) for item, _ in pairs]
    old.clear()
    old.ca.items.clear()
    for index, (item, comment) in enumerate(zip(items, kept, strict=True)):
        old.append(item)
        if comment is not None:
            old.ca.items[index] = comment
    return old


def _fresh(value: Any) -> Any:
    """A new value as the editor's files write it: small mappings of scalars (a position, a
    node's params) on one line, whole numbers without '.0'."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        mapping = CommentedMap((key, _fresh(item)) for key, item in value.items())
        if all(not isinstance(item, dict | list) for item in value.values()) and len(value) <= 4:
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        return CommentedSeq(_fresh(item) for item in value)
    return value


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _styled(old: Any, new: Any) -> Any:
    """A changed scalar keeps the old one's quoting style where it had one."""
    style = getattr(old, "style", None)
    if isinstance(new, str) and style:
        return type(old)(new)
    return new
