"""Values hidden behind an encoding: Kubernetes Secrets' `data:` (base64) and `stringData:`.

The decoder only finds and decodes values; the Detector scans them with the same rules and maps
what it finds back to the encoded value's place in the file.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass

KIND_SECRET = re.compile(rb"(?m)^[ \t]*kind:[ \t]*[\"']?Secret[\"']?[ \t]*(?:#.*)?\r?$")
DOCUMENT_SPLIT = re.compile(rb"(?m)^---[^\n]*\n")
SECTION = re.compile(rb"(?m)^([ \t]*)(data|stringData):[ \t]*(?:#.*)?\r?$")
ENTRY = re.compile(rb"^([ \t]+)[\"']?([\w.-]+)[\"']?:[ \t]*(?:([\"'])(.*?)\3|([^\s\"'#|>][^\s#]*))")
BASE64_VALUE = re.compile(rb"^[A-Za-z0-9+/]+={0,2}$")


@dataclass(frozen=True)
class EncodedValue:
    """One value of a Secret manifest: where it is written, and what it means."""

    start: int  # byte offsets of the value as written in the file
    end: int
    decoded: bytes  # base64-decoded for `data:`, as written for `stringData:`
    section: str  # "data" or "stringData"


def _documents(data: bytes) -> list[tuple[int, bytes]]:
    starts = [0] + [m.end() for m in DOCUMENT_SPLIT.finditer(data)]
    ends = [m.start() for m in DOCUMENT_SPLIT.finditer(data)] + [len(data)]
    return [(s, data[s:e]) for s, e in zip(starts, ends, strict=True)]


def _section_values(doc: bytes, offset: int, header: re.Match[bytes]) -> list[EncodedValue]:
    indent = len(header.group(1))
    section = header.group(2).decode()
    values: list[EncodedValue] = []
    position = header.end() + 1
    for raw_line in doc[position:].split(b"\n"):
        line_start = position
        position += len(raw_line) + 1
        line = raw_line.rstrip(b"\r")
        if not line.strip() or line.lstrip().startswith(b"#"):
            continue
        entry = ENTRY.match(line)
        if entry is None or len(entry.group(1)) <= indent:
            break  # the section ended: a sibling key or something we do not read
        group = 4 if entry.group(4) is not None else 5
        value = entry.group(group)
        if not value:
            continue
        start = offset + line_start + entry.start(group)
        if section == "data":
            if not BASE64_VALUE.match(value):
                continue
            try:
                decoded = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                continue
        else:
            decoded = value
        values.append(EncodedValue(start, start + len(value), decoded, section))
    return values


# What content must hold to be worth decoding: each of these for a Kubernetes Secret, one of
# these for an SQL dump. A prefilter can look for them in its own pass (see Detector).
MANIFEST_PROBES = (b"kind:", b"Secret")
SQL_INSERT_PROBES = (b"INSERT INTO", b"insert into")


def might_hold_secret_manifest(data: bytes) -> bool:
    """False when `data` cannot hold a Kubernetes Secret (two substring searches, in C)."""
    return all(probe in data for probe in MANIFEST_PROBES)


def kubernetes_secret_values(data: bytes) -> list[EncodedValue]:
    """Every `data:`/`stringData:` value of every `kind: Secret` document in a YAML stream."""
    if not might_hold_secret_manifest(data):
        return []
    values: list[EncodedValue] = []
    for offset, doc in _documents(data):
        if KIND_SECRET.search(doc) is None:
            continue
        for header in SECTION.finditer(doc):
            values.extend(_section_values(doc, offset, header))
    return values


# SQL dumps: INSERT statements whose column list names a password column.
INSERT = re.compile(
    rb"(?i)\binsert[ \t]+(?:ignore[ \t]+)?into[ \t]+[`\"\[]?[\w.$]+[`\"\]]?[ \t]*"
    rb"\(([^()]{1,4000})\)\s*values\s*"
)
PASSWORD_COLUMN = re.compile(
    r"(?i)^(?:password|passwd|pass|pwd|user_?pass(?:word)?|plain_?password|password_?plain|"
    r"db_?pass(?:word)?|smtp_?pass(?:word)?)$"
)
SQL_STRING = re.compile(rb"'((?:[^'\\\n]|\\.|'')*)'")
SQL_OTHER = re.compile(rb"[^,()'\n]+")
SQL_ROWS_PER_STATEMENT = 100_000


def might_hold_sql_insert(data: bytes) -> bool:
    """False when `data` holds no INSERT statement (two substring searches, in C)."""
    return any(probe in data for probe in SQL_INSERT_PROBES)


def _columns(raw: bytes) -> list[str]:
    return [c.strip().strip(b'`"[] \t\r\n').decode("utf-8", "replace") for c in raw.split(b",")]


def _rows(data: bytes, at: int) -> list[list[tuple[int, int, bool]]]:
    """The value tuples after VALUES: (start, end, quoted) of each value, row by row."""
    rows: list[list[tuple[int, int, bool]]] = []
    size = len(data)
    while at < size and len(rows) < SQL_ROWS_PER_STATEMENT:
        while at < size and data[at] in b" \t\r\n,":
            at += 1
        if at >= size or data[at] != ord("("):
            break
        at += 1
        row: list[tuple[int, int, bool]] = []
        while at < size and data[at] != ord(")"):
            if data[at] in b" \t\r\n,":
                at += 1
                continue
            quoted = SQL_STRING.match(data, at)
            if quoted is not None:
                row.append((quoted.start(1), quoted.end(1), True))
                at = quoted.end()
                continue
            other = SQL_OTHER.match(data, at)
            if other is None:
                return rows  # something we do not read (a function call, a nested tuple)
            row.append((other.start(), other.end(), False))
            at = other.end()
        rows.append(row)
        at += 1
    return rows


def _inserts(data: bytes) -> Iterator[re.Match[bytes]]:
    """What `INSERT.finditer(data)` finds, tried only where an `insert` starts: a
    case-insensitive pattern led by `\\b` gets no literal scan from `re`, which then tries it
    at every byte (0.3 ms for a 15 KB file that merely mentions an INSERT INTO)."""
    lowered = data.lower()
    at = lowered.find(b"insert")
    while at >= 0:
        found = INSERT.match(data, at)  # its \b looks at the byte before `at`
        at = lowered.find(b"insert", found.end() if found is not None else at + 1)
        if found is not None:
            yield found


def sql_password_values(data: bytes) -> list[EncodedValue]:
    """The quoted values of password columns in a dump's INSERT statements."""
    if not might_hold_sql_insert(data):
        return []
    values: list[EncodedValue] = []
    for statement in _inserts(data):
        wanted = [i for i, c in enumerate(_columns(statement.group(1))) if PASSWORD_COLUMN.match(c)]
        if not wanted:
            continue
        for row in _rows(data, statement.end()):
            for index in wanted:
                if index < len(row) and row[index][2] and row[index][1] > row[index][0]:
                    start, end, _ = row[index]
                    values.append(EncodedValue(start, end, data[start:end], "sql"))
    return values
