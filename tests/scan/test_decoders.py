"""The decoders' fast paths find exactly what their plain regex search finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scaffold.scan.decoders import INSERT, _inserts

PIECES = [
    b"INSERT INTO users (id, password) VALUES (1, 'x');\n",
    b"insert  ignore into `t` (a,b) values\n",
    b"Insert\tInto [dbo].[t] (pwd) VALUES ('y')",
    b"reinsert into x (a) values (1)",  # no word boundary: not a statement
    b"_insert into x (a) values (1)",
    b"insert",
    b"INSERT INTO",
    b"(a, b)",
    b" values ",
    b"\n",
    b"x",
    b"\xff\xfe",
]


def spans(found: object) -> list[tuple[int, int]]:
    return [m.span() for m in found]  # type: ignore[attr-defined]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12))
def test_inserts_finds_what_finditer_finds(parts: list[bytes]) -> None:
    data = b"".join(parts)
    assert spans(_inserts(data)) == spans(INSERT.finditer(data))


def test_inserts_respects_the_word_boundary_before_a_match() -> None:
    data = b"reinsert into a (p) values (1); insert into b (p) values (2)"
    assert [m.group(0)[:13] for m in _inserts(data)] == [b"insert into b"]
