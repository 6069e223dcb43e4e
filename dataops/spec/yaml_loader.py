"""A YAML loader for untrusted flowcharts: safe types only, no duplicate keys, few aliases.

`load_yaml` parses with libyaml (C, 5x faster: a code location reloads every flowchart every
minute) and falls back to the pure-Python `StrictYamlLoader` for any document with an alias or
an error, so its checks and its messages decide those; both construct with the same strict rules.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import yaml

try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without libyaml: the pure-Python loader does it all
    CParser = None

MAX_ALIASES = 100
# What the aliases may add once expanded: ~90 nested aliases ("billion laughs") stand for 10^9
# values, harmless as shared nodes but not to whoever walks the document (json.dumps, a repr).
MAX_EXPANDED = 10_000
PLAIN_DEPTH = 64  # a flowchart nests about 6 deep; deeper documents take the strict loader's path


class StrictYamlLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and alias bombs ("billion laughs")."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._expanded = 0
        self._sizes: dict[int, int] = {}  # expanded size of each finished node, by id

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            self._aliases += 1
            target = self.anchors.get(event.anchor)
            problem = None
            if self._aliases > MAX_ALIASES:
                problem = f"more than {MAX_ALIASES} aliases; expand the document instead"
            elif target is not None and id(target) not in self._sizes:
                problem = f"the alias *{event.anchor} refers to a value that contains it"
            elif target is not None:
                self._expanded += self._sizes[id(target)]
                if self._expanded > MAX_EXPANDED:
                    problem = f"the aliases expand to more than {MAX_EXPANDED:,} values; expand the document instead"
            if problem:
                raise yaml.composer.ComposerError(None, None, problem, event.start_mark)
            return super().compose_node(parent, index)
        node = super().compose_node(parent, index)
        self._sizes[id(node)] = 1 + sum(self._sizes.get(id(child), 1) for child in _children(node))
        return node

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:  # `!!int x`, `!!timestamp x`: PyYAML fails
            tag = node.tag.removeprefix("tag:yaml.org,2002:")
            shown = repr(node.value) if isinstance(node, yaml.ScalarNode) else f"this {node.id}"
            raise yaml.constructor.ConstructorError(
                None, None, f"{shown} is not a valid !!{tag} value", node.start_mark
            ) from exc

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):  # `!!set [1]`, `!!map x`
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping, but found a {node.id}", node.start_mark
            )
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(
                    None, None, "merge keys (<<: *alias) are not supported; write the keys out", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # the base class refuses a list or mapping as a key, with its position
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


# YAML 1.1 reads yes/no/on/off as booleans; flowcharts use true/false only, so `on: [failure]`
# (a notify key) stays a string key. The table is copied first: it is shared with SafeLoader.
StrictYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(text: str) -> Any:
    """The document in `text`: libyaml for plain documents, `StrictYamlLoader` for the rest."""
    if CParser is None:
        return yaml.load(text, Loader=StrictYamlLoader)
    try:
        loader = _LibyamlLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None and _plain(node):
                return loader.construct_document(node)
        finally:
            loader.dispose()
    except (yaml.YAMLError, RecursionError):
        pass  # the strict loader raises it again, in its own words
    return yaml.load(text, Loader=StrictYamlLoader)


class _LibyamlLoader(CParser or object, StrictYamlLoader):  # type: ignore[misc]
    """libyaml's parser and composer with the strict constructor and resolver."""

    def __init__(self, stream: Any) -> None:
        CParser.__init__(self, stream)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


def _plain(root: Any) -> bool:
    """No node reached twice (libyaml composes an alias as the anchored node itself) and shallow
    nesting: anything else is left to the strict loader, whose limits and messages apply."""
    seen: set[int] = set()
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen or depth > PLAIN_DEPTH:
            return False
        seen.add(id(node))
        stack.extend((child, depth + 1) for child in _children(node))
    return True
