"""Content in, hits out: the one place content is matched, whichever source it came from.

Archives are opened and their members matched (archives.py). Content too large to hold at once
arrives as a stream of blocks and is matched in overlapping windows, so a secret on a window's
edge is still found whole: a match ending in the last half of the overlap is left to the next
window, which holds it entirely, and matches seen twice in an overlap are kept once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Protocol

from scaffold.scan import archives
from scaffold.scan.model import Match, Skipped
from scaffold.scan.sources import Content, Kind

PROGRESS_EVERY = 512  # pieces of content between two batches (a worker's reports)
WINDOW = 16 * 1024 * 1024  # bytes matched at once in streamed content
OVERLAP = 64 * 1024  # bytes each window repeats from the one before
LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"
_MESSAGES = (Kind.COMMIT, Kind.TAG, Kind.MESSAGE)


class Matcher(Protocol):
    def scan(self, data: bytes, path: str | None = None) -> list[Match]:
        """`path`, when the source knows it: rules for certain files (a Rails master.key) run
        on such a file's whole content."""
        ...


@dataclass(frozen=True)
class Hit:
    """The matches in one piece of content (or in one member of an archive it is)."""

    key: str
    kind: str
    matches: tuple[Match, ...]
    member: str = ""  # the path inside an archive, "!"-joined when nested


@dataclass(frozen=True)
class Batch:
    """What was found and counted in a run of content."""

    hits: tuple[Hit, ...] = ()
    objects: int = 0
    blobs: int = 0  # pieces of file content (blobs, files, staged files)
    commits: int = 0
    bytes: int = 0
    lfs_pointers: int = 0
    skipped: tuple[Skipped, ...] = ()

    def __add__(self, other: Batch) -> Batch:
        return Batch(
            hits=self.hits + other.hits,
            objects=self.objects + other.objects,
            blobs=self.blobs + other.blobs,
            commits=self.commits + other.commits,
            bytes=self.bytes + other.bytes,
            lfs_pointers=self.lfs_pointers + other.lfs_pointers,
            skipped=self.skipped + other.skipped,
        )


def match_contents(
    items: Iterable[Content | Skipped], matcher: Matcher, every: int | None = None
) -> Iterator[Batch]:
    """Match every piece of content; a batch every `every` pieces (default PROGRESS_EVERY)."""
    every = every or PROGRESS_EVERY
    hits: list[Hit] = []
    skipped: list[Skipped] = []
    objects = blobs = commits = size = lfs = 0
    for item in items:
        objects += 1
        if isinstance(item, Skipped):
            skipped.append(item)
        else:
            size += item.size or len(item.data)
            if item.kind in _MESSAGES:
                commits += item.kind != Kind.TAG
            else:
                blobs += 1
                lfs += item.data.startswith(LFS_POINTER)
            hits += match_one(item, matcher, skipped)
        if objects >= every:
            yield Batch(tuple(hits), objects, blobs, commits, size, lfs, tuple(skipped))
            hits, skipped = [], []
            objects = blobs = commits = size = lfs = 0
    if objects:
        yield Batch(tuple(hits), objects, blobs, commits, size, lfs, tuple(skipped))


def match_one(item: Content, matcher: Matcher, skipped: list[Skipped]) -> list[Hit]:
    """The hits in one piece of content; what could not be read inside it goes to `skipped`."""
    if item.chunks is not None:
        first, matches = _match_stream(matcher, item.chunks)
        if archives.kind_of(first) is not None:
            skipped.append(
                Skipped(
                    item.key,
                    f"archive too large to open ({item.size} bytes); its bytes were scanned "
                    "as they are",
                    item.name,
                    item.size,
                )
            )
        return [Hit(item.key, item.kind, tuple(matches))] if matches else []
    if item.kind in _MESSAGES or archives.kind_of(item.data) is None:
        matches = matcher.scan(item.data, item.name or None)
        return [Hit(item.key, item.kind, tuple(matches))] if matches else []
    hits: list[Hit] = []
    opened = False
    for part in archives.expand(item.data):
        if isinstance(part, archives.Refused):
            skipped.append(Skipped(item.key, part.reason, item.name, item.size, member=part.path))
            continue
        opened = True
        found = matcher.scan(part.data, part.path.rpartition("!")[2] or None)
        if found:
            hits.append(Hit(item.key, item.kind, tuple(found), member=part.path))
    if not opened:  # not an archive after all (or none of it readable): its bytes as they are
        found = matcher.scan(item.data, item.name or None)
        if found:
            hits.append(Hit(item.key, item.kind, tuple(found)))
    return hits


def _windows(chunks: Iterator[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Blocks regrouped into windows of about WINDOW new bytes, and whether each is the last."""
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        while len(pending) > WINDOW:
            yield bytes(pending[:WINDOW]), False
            del pending[:WINDOW]
    yield bytes(pending), True


def _match_stream(matcher: Matcher, chunks: Iterator[bytes]) -> tuple[bytes, list[Match]]:
    """Matches in streamed content, with offsets, lines and columns of the whole content; and
    its first bytes (to tell an archive)."""
    found: dict[tuple[str, int, int], Match] = {}
    head = b""
    tail = b""
    base = 0  # offset of the window's first byte in the whole content
    lines_before = 0  # newlines before the window
    column_base = 0  # bytes between the last of those newlines and the window
    for fresh, last in _windows(chunks):
        if not head:
            head = fresh[:512]
        window = tail + fresh
        for match in matcher.scan(window):
            if not last and match.end > len(window) - OVERLAP // 2:
                continue  # may be cut off here; the next window holds it whole
            start, end = base + match.start, base + match.end
            column = match.column + (column_base if match.line == 1 else 0)
            moved = replace(
                match, start=start, end=end, line=lines_before + match.line, column=column
            )
            found.setdefault((match.rule_id, start, end), moved)
        keep = window[-OVERLAP:] if not last else b""
        consumed = window[: len(window) - len(keep)]
        lines_before += consumed.count(b"\n")
        newline = consumed.rfind(b"\n")
        column_base = len(consumed) - newline - 1 if newline >= 0 else column_base + len(consumed)
        base += len(consumed)
        tail = keep
    ordered = sorted(found.values(), key=lambda m: (m.start, m.end, m.rule_id))
    return head, ordered
