"""A plain directory (or one file) that is not a git repository: its files as they are on disk.

Symbolic links are not followed (a link could point anywhere on the machine), and `.git`
directories are left to the history source. Anything that is not a regular file (a FIFO, a
socket, a device) is listed as not scanned and never opened, so nothing in the tree can block
the scan. Files larger than the blob limit are listed as not scanned; below it, large files are
read in blocks and matched in bounded windows.
"""

from __future__ import annotations

import os
import stat
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.scan.listing import KeyList, Listing, Part
from scaffold.scan.matching import WINDOW
from scaffold.scan.model import Provenance, ScanOptions, Skipped
from scaffold.scan.sources import Content, Kind, Matched, Placement, Where

_BLOCK = 1 << 20


class FileReader:
    """Reads files under one root by their relative paths; picklable for workers."""

    def __init__(self, root: Path, single: bool) -> None:
        self.root = root
        self.single = single  # the root is itself the one file to read

    def path(self, key: str) -> Path:
        return self.root if self.single else self.root / key

    def read(self, part: Part) -> Iterator[Content | Skipped]:
        if not len(part):
            return  # an empty listing, whatever kind of keys it would hold
        assert isinstance(part, KeyList)
        for key in part.keys:
            try:
                # O_NONBLOCK: a file swapped for a FIFO since it was listed cannot block us
                fd = os.open(self.path(key), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError as exc:
                yield Skipped(key, f"cannot be read: {exc.strerror}", key)
                continue
            with os.fdopen(fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                if not stat.S_ISREG(info.st_mode):
                    yield Skipped(key, "not a regular file", key)
                    continue
                if info.st_size > WINDOW:
                    yield Content(key, Kind.FILE, b"", info.st_size, key, _blocks(handle))
                    continue
                try:
                    data = handle.read()
                except OSError as exc:
                    yield Skipped(key, f"cannot be read: {exc.strerror}", key)
                    continue
                yield Content(key, Kind.FILE, data, len(data), key)


def _blocks(handle: object) -> Iterator[bytes]:
    read = handle.read  # type: ignore[attr-defined]
    while block := read(_BLOCK):
        yield block


class DirectorySource:
    """Every regular file under `path` (see the module doc)."""

    name = "directory"

    def __init__(self, path: Path, options: ScanOptions) -> None:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"{path}: no such file or directory")
        self.label = str(path)
        self._single = not path.is_dir()
        self.root = path
        self.reader = FileReader(path, self._single)
        self._options = options

    def size_hint(self) -> int:
        return 0  # listing a directory is quick; the pool starts once the size is known

    def close(self) -> None:
        pass

    def stream(self) -> Iterator[Listing]:
        yield self.prepare()

    def prepare(self) -> Listing:
        keys: list[str] = []
        sizes = array("Q")
        skipped: list[Skipped] = []
        limit = self._options.max_blob_size
        entries = [(self.root.name, self.root)] if self._single else self._walk()
        for key, path in entries:
            try:
                info = path.lstat()
            except OSError as exc:
                skipped.append(Skipped(key, f"cannot be read: {exc.strerror}", key))
                continue
            if stat.S_ISLNK(info.st_mode):
                continue  # a link's target is somewhere else (maybe outside): not followed
            if stat.S_ISDIR(info.st_mode):
                skipped.append(Skipped(key, "directory cannot be listed", key))
            elif not stat.S_ISREG(info.st_mode):
                skipped.append(Skipped(key, "not a regular file", key))
            elif info.st_size > limit:
                skipped.append(Skipped(key, f"larger than {limit} bytes", key, info.st_size))
            else:
                keys.append(key)
                sizes.append(info.st_size)
        total = sum(sizes)
        return Listing(KeyList(keys), len(keys), 0, total, tuple(skipped), (), sizes)

    def _walk(self) -> Iterator[tuple[str, Path]]:
        """(relative posix path, path) of every entry below the root, in a stable order; a
        directory that cannot be listed is given as itself (and then listed as not read)."""
        unreadable: list[Path] = []
        for top, dirs, files in os.walk(
            self.root, onerror=lambda e: unreadable.append(Path(e.filename))
        ):
            dirs[:] = sorted(d for d in dirs if d != ".git" and not os.path.islink(Path(top, d)))
            for name in sorted(files):
                path = Path(top, name)
                yield path.relative_to(self.root).as_posix(), path
        for path in unreadable:
            yield path.relative_to(self.root).as_posix() or ".", path

    def named(self) -> list[Content]:
        return []  # paths, where known, go with the content

    def place(self, matched: Sequence[Matched], skipped: Sequence[Skipped]) -> Placement:
        where = {m.key: Where((_at(m.key),)) for m in matched}
        return Placement(where, tuple(skipped))


def _at(path: str) -> Provenance:
    return Provenance(commit="", path=path, author_name="", author_email="", date="")
