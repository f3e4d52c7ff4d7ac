"""Archives found inside any source: zip (jar, whl...), tar, tar.gz/tgz and gz, opened in memory.

Members are read with the standard library, never extracted to disk and never run. Nesting is
followed a few levels deep. Every archive is bounded: the bytes expanded from one top-level
archive, its member count, and the compression ratio of each member, so that a zip bomb is
refused (and listed as not scanned) instead of filling memory. A member's place is written
`outer.zip!inner/path`, nested as `a.zip!b.tar.gz!c.env`.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

MAX_DEPTH = 3  # an archive inside an archive inside an archive
MAX_EXPANDED = 256 * 1024 * 1024  # bytes expanded from one top-level archive, all members
MAX_MEMBERS = 10_000
MAX_RATIO = 200  # expanded / compressed, for members that expand past RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
_READ = 1 << 20


@dataclass(frozen=True)
class Member:
    path: str  # inside the archive, "!"-joined with the archives it is nested in
    data: bytes


@dataclass(frozen=True)
class Refused:
    path: str  # the archive (or member) that was not opened, "!"-joined like Member.path
    reason: str


def kind_of(data: bytes) -> str | None:
    """The archive format `data` starts with, from its magic bytes; None for anything else."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    if len(data) > 262 and data[257:262] == b"ustar":
        return "tar"
    return None


class _Budget:
    """Bytes and members left for one top-level archive."""

    def __init__(self) -> None:
        self.bytes = MAX_EXPANDED
        self.members = MAX_MEMBERS


class _Refusal(Exception):
    pass


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def expand(data: bytes) -> Iterator[Member | Refused]:
    """Every member of the archive `data`, nested archives opened in turn (see module doc).

    Members that are themselves archives are not yielded as bytes: their members are. Anything
    that cannot be read (corrupt, encrypted, too deep, too large) is yielded as Refused.
    """
    yield from _expand(data, "", 1, _Budget())


def _expand(data: bytes, prefix: str, depth: int, budget: _Budget) -> Iterator[Member | Refused]:
    import tarfile  # here, not at import: most content of a history is no archive
    import zipfile

    kind = kind_of(data)
    opener = {"zip": _zip_members, "gzip": _gzip_members, "tar": _tar_members}[kind or "zip"]
    try:
        for entry in opener(data, budget):
            if isinstance(entry, Refused):
                yield Refused(f"{prefix}{entry.path}", entry.reason)
                continue
            name, body = entry
            path = f"{prefix}{name}" if name else prefix.rstrip("!")  # a .gz holds one body
            if kind_of(body) is None:
                yield Member(path, body)
            elif depth >= MAX_DEPTH:
                yield Refused(path, f"archive nested more than {MAX_DEPTH} levels deep")
            else:
                yield from _expand(body, f"{path}!", depth + 1, budget)
    except _Refusal as refusal:
        yield Refused(prefix.rstrip("!"), str(refusal))  # "": the archive itself
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, zlib.error, ValueError) as exc:
        yield Refused(prefix.rstrip("!"), f"corrupt archive: {_why(exc)}")


def _why(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _take(budget: _Budget, stream: _Readable, packed: int, name: str) -> bytes:
    """Read one member, stopping as soon as it would break the budget or the ratio."""
    budget.members -= 1
    if budget.members < 0:
        raise _Refusal(f"more than {MAX_MEMBERS} members")
    out = bytearray()
    while True:
        block = stream.read(_READ)
        if not block:
            return bytes(out)
        out += block
        if len(out) > budget.bytes:
            raise _Refusal(
                f"expands past {MAX_EXPANDED // (1 << 20)} MiB (at {name}): refused as a "
                "possible archive bomb"
            )
        if len(out) > RATIO_FLOOR and len(out) > MAX_RATIO * max(packed, 1):
            raise _Refusal(
                f"{name} expands more than {MAX_RATIO}:1: refused as a possible archive bomb"
            )
        budget.bytes -= len(block)


_Entries = Iterator[tuple[str, bytes] | Refused]


def _zip_members(data: bytes, budget: _Budget) -> _Entries:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                yield Refused(info.filename, "encrypted member: cannot be read without its key")
                continue
            with archive.open(info) as member:
                yield info.filename, _take(budget, member, info.compress_size, info.filename)


def _gzip_members(data: bytes, budget: _Budget) -> _Entries:
    import gzip

    with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
        body = _take(budget, stream, len(data), "(gzip)")
    if kind_of(body) == "tar":
        yield from _tar_members(body, budget)  # a .tar.gz's members: a.tar.gz!dir/file
    else:
        yield "", body


def _tar_members(data: bytes, budget: _Budget) -> _Entries:
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        for info in archive:
            if not info.isfile():
                continue  # links, devices and directories hold no content of their own
            stream = archive.extractfile(info)
            if stream is None:
                continue
            with stream:
                yield info.name, _take(budget, stream, info.size, info.name)
