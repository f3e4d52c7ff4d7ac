"""Where scanned content comes from: one small protocol, and the table of every kind.

A source lists what it will read (`stream`, in blocks the engine hands on as they come), hands
out a reader that reads any stretch of that
listing (in this process, or in a worker: the reader and the listing's parts pickle), and says
where the few pieces of content that matched live (`place`). Matching, archives, suppression
and findings are the engine's, the same for every source.

| name        | what it reads                                                  |
|-------------|----------------------------------------------------------------|
| history     | every blob, commit and tag message reachable from every ref    |
| range       | what the commits of `A..B` introduced, blobs and messages      |
| staged      | the index: what the next commit would record                   |
| message     | one commit message about to be recorded                        |
| directory   | the files of a plain directory (or one file), no git at all    |
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from scaffold.scan.listing import Listing, Part
from scaffold.scan.model import Provenance, Skipped


class Kind:
    """What a piece of content is; findings keep it as their source kind."""

    BLOB = "blob"
    COMMIT = "commit"  # a commit's message
    TAG = "tag"  # an annotated tag's message
    STAGED = "staged"
    MESSAGE = "message"  # a commit message not yet recorded
    FILE = "file"


@dataclass(frozen=True)
class Content:
    """One piece of content to match. Large content streams (`chunks`) instead of `data`."""

    key: str  # unique within the source: blob or commit id, or a file path
    kind: str  # see Kind
    data: bytes = b""
    size: int = 0
    name: str = ""  # a file name, when the source knows it (archive members are read by name)
    chunks: Iterator[bytes] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Where:
    """Where a matched piece of content lives."""

    provenance: tuple[Provenance, ...] = ()  # first element: earliest introduction
    refs: tuple[str, ...] = ()
    in_head: bool = False


@dataclass(frozen=True)
class Matched:
    """A key that matched, and its kind, as the engine hands it to `Source.place`."""

    key: str
    kind: str


class Reader(Protocol):
    """Reads a stretch of a listing; picklable, so a worker process can read its own."""

    def read(self, part: Part) -> Iterator[Content | Skipped]:
        """The content of `part`, in listing order; what cannot be read, as Skipped."""
        ...


class Source(Protocol):
    """One kind of content to scan (see the table above)."""

    name: str  # the SOURCES key
    label: str  # what reports call the scanned thing: a repository's path, a directory

    @property
    def reader(self) -> Reader: ...

    def size_hint(self) -> int:
        """About how many bytes the content takes where it is stored (0: small or unknown);
        a large store starts worker processes before the listing is done."""
        ...

    def stream(self) -> Iterator[Listing]:
        """What will be read, in blocks (most sources: one), and what will not be read and
        why; blocks may arrive while the source is still listing."""
        ...

    def named(self) -> list[Content]:
        """Content to match again with its path, after the stream: what the source learned a
        path for only while listing (most sources: none; theirs go with the content)."""
        ...

    def place(self, matched: Sequence[Matched], skipped: Sequence[Skipped]) -> Placement:
        """Where each matched key lives, and the paths of skipped content where known."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Placement:
    where: dict[str, Where] = field(default_factory=dict)
    skipped: tuple[Skipped, ...] = ()  # the skipped content, named where the source could
    warnings: tuple[str, ...] = ()  # what a person should know (a submodule not followed)
    extra: dict[str, str] = field(default_factory=dict)  # e.g. the range that was scanned


# name -> where its class lives; imported on use, so a commit hook never imports the history
# machinery.
SOURCES: dict[str, str] = {
    "history": "scaffold.scan.sources.history:HistorySource",
    "range": "scaffold.scan.sources.range:RangeSource",
    "staged": "scaffold.scan.sources.staged:StagedSource",
    "message": "scaffold.scan.sources.message:MessageSource",
    "directory": "scaffold.scan.sources.directory:DirectorySource",
}


def source_class(name: str) -> type:
    """The class registered under `name` in SOURCES."""
    module, _, attribute = SOURCES[name].partition(":")
    return getattr(importlib.import_module(module), attribute)  # type: ignore[no-any-return]
