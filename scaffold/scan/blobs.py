"""Each unique blob, commit and annotated tag of a repository, streamed through `git cat-file`.

Listing: `rev-list --objects --all` (reachable from every ref: branches, tags, remotes, stash)
or `cat-file --batch-all-objects` (everything in the object store). Types and sizes come from
`cat-file --batch-check`, so oversized blobs are skipped without being read. Contents then come
from `cat-file --batch`, one process per chunk of ids (see pool.py). Object ids are held in
compact arrays (20 or 32 bytes each); contents are never held beyond the object being handed
out. A corrupt object kills cat-file; we note it as skipped and restart after it.
"""

from __future__ import annotations

import tempfile
import threading
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import accumulate, pairwise
from typing import IO

from scaffold.scan.git import LockedGit, first_line
from scaffold.scan.model import Skipped

READ_KINDS = (b"blob", b"commit", b"tag")  # tags: annotated tag messages


class OidArray:
    """An append-only list of object ids stored as raw bytes, not Python strings."""

    def __init__(self) -> None:
        self._raw = bytearray()
        self._width = 0

    def append(self, hex_oid: bytes) -> None:
        raw = bytes.fromhex(hex_oid.decode("ascii"))
        if not self._width:
            self._width = len(raw)
        self._raw += raw

    def __len__(self) -> int:
        return len(self._raw) // self._width if self._width else 0

    def hex(self, index: int) -> bytes:
        w = self._width
        return self._raw[index * w : (index + 1) * w].hex().encode("ascii")

    def slice(self, start: int, stop: int) -> OidArray:
        """The ids from `start` up to `stop`, in order."""
        part = OidArray()
        part._raw = self._raw[start * self._width : stop * self._width]
        part._width = self._width
        return part

    def chunks(self, size: int) -> Iterator[OidArray]:
        """Consecutive slices of at most `size` ids; listing order (pack locality) is kept."""
        for first in range(0, len(self), size or 1):
            yield self.slice(first, first + size)

    def hex_lines(self, start: int) -> Iterator[bytes]:
        """Newline-terminated hex ids from `start`, in chunks that fill a pipe efficiently."""
        chunk = 4096
        for first in range(start, len(self), chunk):
            yield b"".join(self.hex(i) + b"\n" for i in range(first, min(first + chunk, len(self))))


@dataclass(frozen=True)
class GitObject:
    oid: str
    kind: str  # "blob", "commit" or "tag"
    data: bytes


@dataclass(frozen=True)
class Inventory:
    """What a scan will read: ids to fetch, and what it will not read and why."""

    to_read: OidArray
    blob_count: int
    commit_count: int
    bytes_total: int
    skipped: tuple[Skipped, ...]
    warnings: tuple[str, ...]
    sizes: array[int] | None = None  # each listed object's size, in `to_read` order

    def stripes(self, count: int) -> list[OidArray]:
        """`to_read` cut into at most `count` consecutive stretches of about equal work: bytes,
        plus a fixed cost per object (equal numbers of objects when sizes are unknown)."""
        total = len(self.to_read)
        if total == 0:
            return []
        sizes = self.sizes if self.sizes is not None else array("Q", bytes(8 * total))
        costs = list(accumulate(size + _OBJECT_COST for size in sizes))
        bounds = [0]
        for part in range(1, count):
            target = costs[-1] * part / count
            at = bisect_left(costs, target)  # the object during which the target is reached
            # end the stripe before or after that object, whichever lands nearer the target
            cut = at + 1 if at == 0 or costs[at] - target < target - costs[at - 1] else at
            if bounds[-1] < cut < total:
                bounds.append(cut)
        bounds.append(total)
        return [self.to_read.slice(a, b) for a, b in pairwise(bounds)]


# What reading and matching one object costs beyond its bytes, in bytes (headers, calls).
_OBJECT_COST = 4096


@dataclass(frozen=True)
class _Entry:
    index: int
    oid: bytes
    kind: bytes  # b"missing" / b"unreadable" for objects we could not get
    size: int
    data: bytes | None
    error: str = ""


def _feed(stdin: IO[bytes], lines: Iterator[bytes]) -> None:
    try:
        for block in lines:
            stdin.write(block)
        stdin.close()
    except (BrokenPipeError, OSError, ValueError):
        pass  # cat-file died; the reader notices and restarts


def _cat_file(git: LockedGit, oids: OidArray, *, contents: bool) -> Iterator[_Entry]:
    """One entry per id, in order; a crash of cat-file costs one object, not the scan."""
    start = 0
    mode = "--batch" if contents else "--batch-check"
    while start < len(oids):
        with tempfile.TemporaryFile() as errors:
            proc = git.popen("cat-file", mode, "--buffer", stdin=True, stderr=errors)
            assert proc.stdin is not None and proc.stdout is not None
            writer = threading.Thread(
                target=_feed, args=(proc.stdin, oids.hex_lines(start)), daemon=True
            )
            writer.start()
            out = proc.stdout
            index = start
            try:
                while index < len(oids):
                    header = out.readline()
                    if not header.endswith(b"\n"):
                        break  # cat-file died on this object
                    fields = header.split()
                    if len(fields) == 2 and fields[1] in (b"missing", b"ambiguous"):
                        yield _Entry(index, oids.hex(index), b"missing", 0, None)
                        index += 1
                        continue
                    oid, kind, size = fields[0], fields[1], int(fields[2])
                    data: bytes | None = None
                    if contents:
                        data = out.read(size)
                        if len(data) != size or out.read(1) != b"\n":
                            break
                    yield _Entry(index, oid, kind, size, data)
                    index += 1
            finally:
                out.close()
                proc.kill()
                proc.wait()
                writer.join()
            if index < len(oids):
                errors.seek(0)
                why = first_line(errors.read())
                yield _Entry(index, oids.hex(index), b"unreadable", 0, None, why)
            start = index + 1


def _list_reachable(git: LockedGit) -> tuple[OidArray, OidArray, list[str]]:
    """All ids reachable from every ref; ids git knows of but cannot find are listed apart."""
    present, missing = OidArray(), OidArray()
    warnings: list[str] = []
    with tempfile.TemporaryFile() as errors:
        proc = git.popen(
            "rev-list", "--objects", "--all", "--no-object-names", "--missing=print", stderr=errors
        )
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.strip()
            if line.startswith(b"?"):
                missing.append(line[1:])
            elif line:
                present.append(line)
        if proc.wait() != 0:
            warnings += _walk_warnings(errors)
    return present, missing, warnings


def _walk_warnings(errors: IO[bytes]) -> list[str]:
    """What to say when `rev-list` stopped: nothing for an empty repository."""
    errors.seek(0)
    message = first_line(errors.read())
    if "does not have any commits" in message:
        return []
    return [f"history walk stopped early ({message}); scanned what was listed"]


def _check_entries(lines: Iterable[bytes]) -> Iterator[_Entry]:
    """`cat-file --batch-check` output as entries; `<id> missing` (rev-list's `?<id>`) too."""
    for index, line in enumerate(lines):
        fields = line.split()
        if len(fields) == 3:
            if fields[1] != b"tree":  # most of a history's objects; never read
                yield _Entry(index, fields[0], fields[1], int(fields[2]), None)
        elif len(fields) == 2:
            yield _Entry(index, fields[0].lstrip(b"?"), b"missing", 0, None)


def _checked(entries: Iterator[_Entry], max_blob_size: int) -> Inventory:
    """Keep blobs and commits we will read; everything else becomes a Skipped or is dropped."""
    to_read = OidArray()
    sizes = array("Q")
    blobs = commits = total = 0
    skipped: list[Skipped] = []
    for entry in entries:
        if entry.kind == b"missing":
            skipped.append(Skipped(entry.oid.decode("ascii"), "missing object"))
        elif entry.kind == b"unreadable":
            why = f"unreadable object: {entry.error}"
            skipped.append(Skipped(entry.oid.decode("ascii"), why))
        elif entry.kind == b"blob" and entry.size > max_blob_size:
            why = "larger than --max-blob-size"
            skipped.append(Skipped(entry.oid.decode("ascii"), why, size=entry.size))
        elif entry.kind in READ_KINDS:
            to_read.append(entry.oid)
            sizes.append(entry.size)
            total += entry.size
            blobs += entry.kind == b"blob"
            commits += entry.kind == b"commit"
    return Inventory(to_read, blobs, commits, total, tuple(skipped), (), sizes)


def _all_objects(git: LockedGit) -> tuple[Iterator[_Entry], list[str]]:
    warnings: list[str] = []

    def entries() -> Iterator[_Entry]:
        with tempfile.TemporaryFile() as errors:
            proc = git.popen(
                "cat-file", "--batch-all-objects", "--batch-check", "--unordered", stderr=errors
            )
            assert proc.stdout is not None
            yield from _check_entries(proc.stdout)
            if proc.wait() != 0:
                errors.seek(0)
                warnings.append(f"object listing stopped early ({first_line(errors.read())})")

    return entries(), warnings


def _list_and_check(git: LockedGit, max_blob_size: int) -> Inventory | None:
    """The fast path: `rev-list` piped straight into `cat-file --batch-check`, so both git
    processes work side by side and Python reads each id once. None when cat-file stopped early
    (a corrupt object): the caller then takes the slower path that isolates the broken object.
    """
    with tempfile.TemporaryFile() as walk_errors, tempfile.TemporaryFile() as check_errors:
        walk = git.popen(
            "rev-list",
            "--objects",
            "--all",
            "--no-object-names",
            "--missing=print",
            stderr=walk_errors,
        )
        assert walk.stdout is not None
        # --buffer: flushed in blocks, not once per object (the input is a pipe, not a person)
        check = git.popen(
            "cat-file", "--batch-check", "--buffer", stderr=check_errors, source=walk.stdout
        )
        walk.stdout.close()  # cat-file holds it now; rev-list sees a broken pipe if cat-file dies
        assert check.stdout is not None
        inventory = _checked(_check_entries(check.stdout), max_blob_size)
        if check.wait() != 0:
            walk.kill()
            walk.wait()
            return None
        warnings = _walk_warnings(walk_errors) if walk.wait() != 0 else []
    return replace(inventory, warnings=tuple(warnings))


def stored_bytes(git: LockedGit) -> int:
    """How many bytes the object store holds on disk (packs and loose objects), compressed."""
    proc = git.run("count-objects", "-v", check=False)
    total = 0
    for line in proc.stdout.decode("ascii", "replace").splitlines():
        key, _, value = line.partition(":")
        if key in ("size", "size-pack") and value.strip().isdigit():
            total += int(value) * 1024
    return total


def take_inventory(git: LockedGit, *, include_unreachable: bool, max_blob_size: int) -> Inventory:
    """List what to scan without reading any content."""
    if include_unreachable:
        entries, warnings = _all_objects(git)
        inventory = _checked(entries, max_blob_size)
        return replace(inventory, warnings=tuple(warnings))
    streamed = _list_and_check(git, max_blob_size)
    if streamed is not None:
        return streamed
    present, missing, warnings = _list_reachable(git)
    inventory = _checked(_cat_file(git, present, contents=False), max_blob_size)
    lost = [Skipped(missing.hex(i).decode(), "missing object") for i in range(len(missing))]
    return replace(inventory, skipped=(*inventory.skipped, *lost), warnings=tuple(warnings))


def read_objects(git: LockedGit, inventory: Inventory) -> Iterator[GitObject | Skipped]:
    """Contents of every listed object, one at a time, in listing order."""
    for entry in _cat_file(git, inventory.to_read, contents=True):
        oid = entry.oid.decode("ascii")
        if entry.data is None:
            reason = "missing object" if entry.kind == b"missing" else "unreadable object"
            yield Skipped(oid, f"{reason}: {entry.error}" if entry.error else reason)
        else:
            yield GitObject(oid, entry.kind.decode("ascii"), entry.data)


def read_ids(git: LockedGit, oids: Iterable[str]) -> Iterator[GitObject | Skipped]:
    """Contents of a few named objects (matched commits, for their author and date)."""
    ids = OidArray()
    for oid in oids:
        ids.append(oid.encode("ascii"))
    inventory = Inventory(ids, 0, 0, 0, (), ())
    return read_objects(git, inventory)
