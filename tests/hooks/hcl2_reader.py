"""scaffold's HCL `Node` trees built by python-hcl2 instead of the hook's hand-written reader.

The hooks keep their own reader: python-hcl2 (Lark) costs 0.2-0.4 s more per commit-time hook
process, past the 0.3 s budget (benchmarks/bench_trust_hook.py). This module maps python-hcl2's
concrete syntax tree onto the same `Node` shape, so tests can hold the hand-written reader to a
real HCL parser on every rendered Terraform file, and the benchmark can time the alternative.
"""

from __future__ import annotations

from lark import Token, Tree

from scaffold.hooks.hcl import LABELS
from scaffold.hooks.tree import Node

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
# Rules that only wrap one meaningful child.
_WRAPPERS = frozenset({"expr_term", "object_elem_key", "string_part"})


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(_ESCAPES.get(text[i + 1], text[i : i + 2]))
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _is_comment(node: Tree[Token] | Token) -> bool:
    return isinstance(node, Tree) and node.data == "new_line_or_comment"


def _meaningful(tree: Tree[Token]) -> list[Tree[Token] | Token]:
    """Children that carry content: no punctuation tokens, no newlines or comments."""
    return [
        child
        for child in tree.children
        if isinstance(child, Tree) and child.data != "new_line_or_comment"
    ]


class _Converter:
    def __init__(self, source: str) -> None:
        self.source = source

    def text_of(self, tree: Tree[Token]) -> str:
        # a binary operation's tree ends after its trailing comment; the expression does not
        end = tree.meta.end_pos
        trailing = [c for c in tree.children if not _is_comment(c)]
        if trailing and trailing[-1] is not tree.children[-1]:
            last = trailing[-1]
            end = (last.end_pos if isinstance(last, Token) else last.meta.end_pos) or end
        return self.source[tree.meta.start_pos : end]

    def body(self, tree: Tree[Token]) -> dict[str, Node]:
        items: dict[str, Node] = {}
        for child in _meaningful(tree):
            assert isinstance(child, Tree)
            if child.data == "attribute":
                name = child.children[0]
                items[self.name(name)] = self.expression(child.children[2])
            elif child.data == "block":
                block = self.block(child)
                kind = self.name(child.children[0])
                existing = items.get(kind)
                blocks = existing.value if existing and isinstance(existing.value, list) else []
                items[kind] = Node([*blocks, block], child.meta.line)
        return items

    def name(self, node: Tree[Token] | Token) -> str:
        if isinstance(node, Token):
            return str(node)
        if node.data == "string":
            return self.string(node).text
        return "".join(str(token) for token in node.scan_values(lambda _: True))

    def block(self, tree: Tree[Token]) -> Node:
        labels: list[Node] = []
        items: dict[str, Node] = {}
        for child in tree.children[1:]:
            if not isinstance(child, Tree):
                continue
            if child.data == "body":
                items = self.body(child)
            elif child.data in ("string", "identifier"):
                labels.append(Node(self.name(child), child.meta.line))
        items[LABELS] = Node(labels, tree.meta.line)
        return Node(items, tree.meta.line)

    def string(self, tree: Tree[Token]) -> Node:
        parts: list[str] = []
        for part in tree.children:
            if not isinstance(part, Tree):
                continue  # the quotes
            for piece in part.children:
                if isinstance(piece, Token):
                    chars = str(piece)
                    parts.append(_unescape(chars) if piece.type == "STRING_CHARS" else chars)
                else:  # ${...} or %{...}: kept as written
                    parts.append(self.text_of(piece))
        return Node("".join(parts), tree.meta.line)

    def heredoc(self, token: Token) -> Node:
        first_newline = str(token).find("\n")
        lines = str(token)[first_newline + 1 :].rstrip("\n").split("\n")
        body = [line.rstrip("\r") for line in lines[:-1]]  # the last line is the marker
        return Node("\n".join(body), (token.line or 1) + 1)

    def expression(self, node: Tree[Token] | Token) -> Node:
        if isinstance(node, Token):
            return Node(str(node), node.line or 1)
        kind = node.data
        line = node.meta.line
        if kind in _WRAPPERS:
            inner = _meaningful(node) or node.children
            if len(inner) == 1:
                return self.expression(inner[0])
            # `( expression )`
            return self.expression(inner[0]) if inner else Node(None, line)
        if kind == "string":
            return self.string(node)
        if kind in ("heredoc_template", "heredoc_template_trim"):
            token = node.children[0]
            assert isinstance(token, Token)
            return self.heredoc(token)
        if kind in ("int_lit", "float_lit", "literal_value"):
            return Node(self.text_of(node), line)
        if kind == "tuple":
            return Node([self.expression(child) for child in _meaningful(node)], line)
        if kind == "object":
            return Node(self.object(node), line)
        if kind == "function_call":
            names = [child for child in node.children if isinstance(child, Tree)]
            arguments = next((c for c in names if c.data == "arguments"), None)
            args = tuple(self.expression(c) for c in _meaningful(arguments)) if arguments else ()
            return Node(None, line, expr=True, call=self.name(names[0]), args=args)
        # references, operators, conditionals, `for`, splats: their source text
        return Node(self.text_of(node), line, expr=True)

    def object(self, tree: Tree[Token]) -> dict[str, Node]:
        items: dict[str, Node] = {}
        for element in _meaningful(tree):
            assert isinstance(element, Tree)
            key_tree, value_tree = element.children[0], element.children[-1]
            key = self.expression(key_tree)
            name = key.text if isinstance(key.value, str) else ""
            value = self.expression(value_tree)
            items[name] = Node(value.value, key.line, value.expr, value.call, value.args)
        return items


def parse(source: str) -> Node:
    """The file's top-level body as a mapping node; raises on anything that is not HCL."""
    import hcl2

    tree = hcl2.parses_to_tree(source)
    body = next(c for c in tree.children if isinstance(c, Tree) and c.data == "body")
    return Node(_Converter(source + "\n").body(body), 1)


def comparable(node: Node) -> object:
    """A node as plain data, with unevaluated expressions compared without their whitespace
    (the hand-written reader joins tokens with single spaces; python-hcl2 keeps the source)."""
    if isinstance(node.value, dict):
        value: object = {k: comparable(v) for k, v in node.value.items()}
    elif isinstance(node.value, list):
        value = [comparable(v) for v in node.value]
    elif node.expr and isinstance(node.value, str):
        value = "".join(node.value.split())
    else:
        value = node.value
    return (value, node.line, node.expr, node.call, [comparable(a) for a in node.args])
