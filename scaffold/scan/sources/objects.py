"""Objects read from a repository's store through its locked-down git (`cat-file`): what the
history, range and staged sources hand their workers."""

from __future__ import annotations

from collections.abc import Iterator

from scaffold.scan.blobs import GitObject, commit_message, read_objects
from scaffold.scan.git import Git
from scaffold.scan.listing import OidArray, Part
from scaffold.scan.model import Skipped
from scaffold.scan.sources import Content, Kind


class ObjectReader:
    """Reads objects through the repository's locked-down git; picklable for workers.
    Blobs are given `blob_kind` (staged blobs are blobs too, but a finding says staged)."""

    def __init__(self, git: Git, blob_kind: str = Kind.BLOB) -> None:
        self.git = git
        self.blob_kind = blob_kind
        # a path for blobs whose path the source knows before reading starts (staged files)
        self.names: dict[str, str] = {}

    def read(self, part: Part) -> Iterator[Content | Skipped]:
        if not len(part):
            return  # an empty listing, whatever kind of keys it would hold
        assert isinstance(part, OidArray)
        for item in read_objects(self.git, part):
            if not isinstance(item, GitObject):
                yield item
            elif item.kind == "blob":
                name = self.names.get(item.oid, "")
                yield Content(item.oid, self.blob_kind, item.data, len(item.data), name)
            else:  # a commit's or an annotated tag's message
                kind = Kind.COMMIT if item.kind == "commit" else Kind.TAG
                yield Content(item.oid, kind, commit_message(item.data), len(item.data))
