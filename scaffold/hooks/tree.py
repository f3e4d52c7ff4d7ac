"""A small document tree with line numbers, built from YAML/JSON (and by the HCL reader)."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml


@dataclass(frozen=True)
class Node:
    """A scalar (str), list or mapping, with the 1-based line it starts on.

    In a mapping, each value carries the line of its key: that is where a reader looks.
    `expr` marks text that is an unevaluated expression (a Terraform reference or call).
    """

    value: str | list[Node] | dict[str, Node] | None
    line: int
    expr: bool = False
    call: str = ""  # function name when this node is a call such as jsonencode(...)
    args: tuple[Node, ...] = field(default=())

    def get(self, key: str) -> Node | None:
        """Mapping lookup, case-insensitive as IAM and GitHub keys are in practice."""
        if not isinstance(self.value, dict):
            return None
        if key in self.value:
            return self.value[key]
        lowered = key.lower()
        for name, node in self.value.items():
            if name.lower() == lowered:
                return node
        return None

    def items(self) -> list[tuple[str, Node]]:
        return list(self.value.items()) if isinstance(self.value, dict) else []

    def elements(self) -> list[Node]:
        """A list's items; a single value stands for a one-item list (IAM allows both)."""
        if isinstance(self.value, list):
            return self.value
        if self.value is None:
            return []
        return [self]

    def strings(self) -> list[str]:
        """Every scalar in this node, flattened (lists of strings, or one string)."""
        return [e.value for e in self.elements() if isinstance(e.value, str)]

    @property
    def text(self) -> str:
        return self.value if isinstance(self.value, str) else ""


def from_yaml(text: str, first_line: int = 1) -> Node | None:
    """Compose YAML (or JSON, a subset) into a Node tree; None for an empty document.

    Raises yaml.YAMLError for invalid input. Nothing is constructed: no tags run, and
    `on:` stays the string it looks like.
    """
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is None:
        return None
    return _convert(root, first_line - 1, set())


def _convert(node: yaml.Node, offset: int, active: set[int]) -> Node:
    line = node.start_mark.line + 1 + offset
    if id(node) in active:  # a recursive alias: stop instead of looping
        return Node(None, line)
    if isinstance(node, yaml.ScalarNode):
        scalar = str(node.value)
        if node.tag.endswith(":null") and node.style is None and scalar in ("", "~", "null"):
            return Node(None, line)
        return Node(scalar, line)
    active = active | {id(node)}
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(item, offset, active) for item in node.value], line)
    assert isinstance(node, yaml.MappingNode)
    mapping: dict[str, Node] = {}
    merged: dict[str, Node] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
        value = _convert(value_node, offset, active)
        key_line = key_node.start_mark.line + 1 + offset
        if key == "<<":  # YAML merge keys: GitLab CI templates rely on them
            for base in value.elements():
                for k, v in base.items():
                    merged.setdefault(k, v)
            continue
        mapping[key] = Node(value.value, key_line, value.expr, value.call, value.args)
    for k, v in merged.items():
        mapping.setdefault(k, v)
    return Node(mapping, line)
