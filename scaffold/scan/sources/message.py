"""One commit message about to be recorded (the commit-msg hook), as git will record it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from scaffold.scan.listing import KeyList, Listing, Part
from scaffold.scan.model import Provenance, ScanOptions, Skipped
from scaffold.scan.sources import Content, Kind, Matched, Placement, Where

MESSAGE_NAME = "commit message"


def message_text(raw: bytes) -> bytes:
    """The message git will record: its `#` comment lines blanked (line numbers kept)."""
    return b"\n".join(b"" if line.startswith(b"#") else line for line in raw.split(b"\n"))


class MessageReader:
    def __init__(self, text: bytes) -> None:
        self.text = text

    def read(self, part: Part) -> Iterator[Content | Skipped]:
        if len(part):
            yield Content("", Kind.MESSAGE, self.text, len(self.text))


class MessageSource:
    """The message in `raw` (the commit message file's bytes), for the repository `root`."""

    name = "message"

    def __init__(self, root: Path, raw: bytes, options: ScanOptions) -> None:
        del options  # nothing to bound: a message is read whole
        self.label = root.name
        self.reader = MessageReader(message_text(raw))

    def size_hint(self) -> int:
        return 0

    def close(self) -> None:
        pass

    def stream(self) -> Iterator[Listing]:
        yield self.prepare()

    def prepare(self) -> Listing:
        size = len(self.reader.text)
        return Listing(KeyList([""]), 0, 1, size, (), ())

    def named(self) -> list[Content]:
        return []  # paths, where known, go with the content

    def place(self, matched: Sequence[Matched], skipped: Sequence[Skipped]) -> Placement:
        place = Provenance(commit="", path=MESSAGE_NAME, author_name="", author_email="", date="")
        where = {m.key: Where((place,)) for m in matched}
        return Placement(where, tuple(skipped), extra={"scope": "commit-message"})
