"""A tolerant HCL reader: blocks, attributes, literals, objects, lists and calls with lines.

Enough of HCL 2 to find IAM policies in Terraform (jsonencode objects, heredoc JSON,
`aws_iam_policy_document` blocks). Expressions it does not model (operators, `for`,
conditionals, references) become text nodes marked `expr`; nothing is evaluated, and
malformed input never raises: the reader skips what it cannot place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scaffold.hooks.tree import Node

LABELS = "__labels__"  # key under which a block node keeps its labels

_TOKEN = re.compile(
    r"""
    (?P<nl>\r?\n)
  | (?P<space>[ \t\f\r]+)
  | (?P<comment>(\#|//)[^\n]*|/\*.*?\*/)
  | (?P<heredoc><<-?(?P<marker>[A-Za-z_][A-Za-z0-9_]*)[ \t]*\r?\n)
  | (?P<string>")
  | (?P<number>[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<op>==|!=|>=|<=|&&|\|\||=>|\.\.\.|[{}\[\]()=:,.?!<>+\-*/%])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # nl, heredoc, string, number, ident, op, other, eof
    text: str  # for strings and heredocs: the content
    line: int


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    pos, line = 0, 1
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None:  # unreachable: `other` matches any character
            break
        kind = m.lastgroup or "other"
        if kind == "marker":
            kind = "heredoc"
        if m.group("heredoc"):
            body, end, lines = _heredoc(source, m.end(), m.group("marker"))
            tokens.append(Token("heredoc", body, line + 1))
            line += 1 + lines
            pos = end
            continue
        if kind == "string":
            text, end = _string(source, m.end())
            tokens.append(Token("string", text, line))
            line += source.count("\n", pos, end)
            pos = end
            continue
        text = m.group(0)
        if kind == "nl":
            tokens.append(Token("nl", text, line))
        elif kind not in ("space", "comment"):
            tokens.append(Token(kind, text, line))
        line += text.count("\n")
        pos = m.end()
    tokens.append(Token("eof", "", line))
    return tokens


def _string(source: str, pos: int) -> tuple[str, int]:
    """Read a quoted string from just after its opening quote; `${...}` may nest quotes."""
    out: list[str] = []
    depth = 0
    while pos < len(source):
        ch = source[pos]
        if ch == "\\" and pos + 1 < len(source):
            nxt = source[pos + 1]
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, "\\" + nxt))
            pos += 2
            continue
        if depth == 0 and ch == '"':
            return "".join(out), pos + 1
        if depth == 0 and ch == "\n":  # unterminated: stop at the line's end
            return "".join(out), pos
        if source.startswith("${", pos) or source.startswith("%{", pos):
            depth += 1
            out.append(source[pos : pos + 2])
            pos += 2
            continue
        if ch == "}" and depth:
            depth -= 1
        elif ch == '"' and depth:  # a string inside an interpolation
            inner, end = _string(source, pos + 1)
            out.append('"' + inner + '"')
            pos = end
            continue
        out.append(ch)
        pos += 1
    return "".join(out), pos


def _heredoc(source: str, pos: int, marker: str) -> tuple[str, int, int]:
    """Body of a heredoc starting at `pos`, the position after it, and lines consumed."""
    lines: list[str] = []
    while pos < len(source):
        end = source.find("\n", pos)
        end = len(source) if end < 0 else end
        text = source[pos:end]
        pos = end + 1
        if text.strip() == marker:
            return "\n".join(lines), pos, len(lines) + 1
        lines.append(text.rstrip("\r"))
    return "\n".join(lines), len(source), len(lines)


_CLOSERS = {"(": ")", "[": "]", "{": "}"}
_TERMINATORS = frozenset({",", ")", "]", "}"})


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def after_newlines(self, ahead: int) -> Token:
        """The first token at or after `ahead` that is not a line break (`[\n for ...`)."""
        while self.peek(ahead).kind == "nl":
            ahead += 1
        return self.peek(ahead)

    def skip_newlines(self) -> None:
        while self.peek().kind == "nl":
            self.take()

    def body(self, closer: str | None) -> dict[str, Node]:
        items: dict[str, Node] = {}
        while True:
            self.skip_newlines()
            token = self.peek()
            if token.kind == "eof" or (closer and token.kind == "op" and token.text == closer):
                if token.kind != "eof":
                    self.take()
                return items
            if (
                token.kind == "ident"
                and self.peek(1).text in ("=", ":")
                and self.peek(1).kind == "op"
            ):
                self.take()
                self.take()
                items[token.text] = self.expression()
                continue
            if token.kind == "ident":
                block = self.block()
                if block is not None:
                    existing = items.get(token.text)
                    blocks = existing.value if existing and isinstance(existing.value, list) else []
                    items[token.text] = Node([*blocks, block], token.line)
                    continue
            self.take()  # not something we understand: skip it

    def block(self) -> Node | None:
        start = self.pos
        head = self.take()
        labels: list[Node] = []
        while self.peek().kind in ("string", "ident"):
            label = self.take()
            labels.append(Node(label.text, label.line))
        if self.peek().kind == "op" and self.peek().text == "{":
            self.take()
            items = self.body("}")
            items[LABELS] = Node(labels, head.line)
            return Node(items, head.line)
        self.pos = start
        return None

    def expression(self) -> Node:
        start = self.pos
        node = self.primary()
        token = self.peek()
        if token.kind in ("nl", "eof") or (token.kind == "op" and token.text in _TERMINATORS):
            return node
        # an operator follows: keep the whole expression as text
        self.pos = start
        return self.raw_until_terminator()

    def raw_until_terminator(self) -> Node:
        first = self.peek()
        parts: list[str] = []
        depth = 0
        while True:
            token = self.peek()
            if token.kind == "eof":
                break
            if depth == 0 and (
                token.kind == "nl" or (token.kind == "op" and token.text in _TERMINATORS)
            ):
                break
            if token.kind == "op" and token.text in _CLOSERS:
                depth += 1
            elif token.kind == "op" and token.text in _TERMINATORS - {","}:
                depth -= 1
            parts.append(f'"{token.text}"' if token.kind == "string" else token.text)
            self.take()
        return Node(" ".join(parts), first.line, expr=True)

    def primary(self) -> Node:
        token = self.peek()
        if token.kind in ("string", "heredoc", "number"):
            self.take()
            return Node(token.text, token.line)
        if token.kind == "op" and token.text == "[":
            if self.after_newlines(1).text == "for":
                return self.raw_until_terminator()
            self.take()
            return Node(self.sequence("]"), token.line)
        if token.kind == "op" and token.text == "{":
            if self.after_newlines(1).text == "for":
                return self.raw_until_terminator()
            self.take()
            return Node(self.object(), token.line)
        if token.kind == "op" and token.text == "(":
            self.take()
            self.skip_newlines()
            inner = self.expression()
            self.skip_newlines()
            if self.peek().text == ")":
                self.take()
            return inner
        if token.kind == "ident":
            if self.peek(1).kind == "op" and self.peek(1).text == "(":
                self.take()
                self.take()
                args = self.sequence(")")
                return Node(None, token.line, expr=True, call=token.text, args=tuple(args))
            return self.traversal()
        return self.raw_until_terminator()

    def traversal(self) -> Node:
        first = self.take()
        parts = [first.text]
        while self.peek().kind == "op" and self.peek().text in (".", "["):
            op = self.take()
            if op.text == ".":
                parts.append("." + self.take().text)
            else:
                quoted = self.peek().kind == "string"
                inner = self.expression()
                key = f'"{inner.text}"' if quoted else inner.text
                parts.append(f"[{key if inner.text else '...'}]")
                if self.peek().text == "]":
                    self.take()
        literal = first.text in ("true", "false", "null") and len(parts) == 1
        return Node("".join(parts), first.line, expr=not literal)

    def sequence(self, closer: str) -> list[Node]:
        items: list[Node] = []
        while True:
            self.skip_newlines()
            token = self.peek()
            if token.kind == "eof":
                return items
            if token.kind == "op" and token.text == closer:
                self.take()
                return items
            if token.kind == "op" and token.text == ",":
                self.take()
                continue
            before = self.pos
            items.append(self.expression())
            if self.pos == before:  # no progress: skip a stray token
                self.take()

    def object(self) -> dict[str, Node]:
        items: dict[str, Node] = {}
        while True:
            self.skip_newlines()
            token = self.peek()
            if token.kind == "eof":
                return items
            if token.kind == "op" and token.text == "}":
                self.take()
                return items
            if token.kind == "op" and token.text == ",":
                self.take()
                continue
            key = self.primary()
            if self.peek().kind == "op" and self.peek().text in ("=", ":"):
                self.take()
                self.skip_newlines()
                value = self.expression()
                name = key.text if isinstance(key.value, str) else ""
                items[name] = Node(value.value, key.line, value.expr, value.call, value.args)
            elif self.peek().kind != "eof":
                self.take()


def parse(source: str) -> Node:
    """The file's top-level body as a mapping node (blocks as lists of block nodes)."""
    return Node(_Parser(tokenize(source)).body(None), 1)
