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
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from io import BufferedReader
from typing import IO, cast

from scaffold.scan.git import Git, first_line, git_version
from scaffold.scan.listing import Listing, OidArray
from scaffold.scan.model import Skipped

READ_KINDS = (b"blob", b"commit", b"tag")  # tags: annotated tag messages


@dataclass(frozen=True)
class GitObject:
    oid: str
    kind: str  # "blob", "commit" or "tag"
    data: bytes


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


class _Frames:
    """`cat-file` output read in large blocks into one reused buffer: a header line, then (for
    `--batch`) `size` bytes and a newline. Per object this costs one copy of its content and no
    `readline`/`read` calls, which dominated reading many small objects."""

    def __init__(self, stream: BufferedReader) -> None:
        self._stream = stream
        self._buf = bytearray(_BLOCK)
        self._view = memoryview(self._buf)
        self._start = self._end = 0  # unread bytes are _buf[_start:_end]

    def _fill(self, need: int) -> bool:
        """Have at least `need` unread bytes buffered; False if the stream ends first."""
        while self._end - self._start < need:
            if self._start + need > len(self._buf):  # no room behind: move the rest to the front
                rest = self._end - self._start
                if need > len(self._buf):  # an object larger than the buffer: a bigger one
                    grown = bytearray(max(need, 2 * len(self._buf)))
                    grown[:rest] = self._view[self._start : self._end]
                    self._view.release()
                    self._buf, self._view = grown, memoryview(grown)
                else:
                    self._view[:rest] = self._buf[self._start : self._end]
                self._start, self._end = 0, rest
            got = self._stream.readinto(self._view[self._end :])
            if not got:
                return False
            self._end += got
        return True

    def line(self) -> bytes | None:
        """The next header line without its newline; None if the stream ends first."""
        while True:
            at = self._buf.find(b"\n", self._start, self._end)
            if at >= 0:
                line = bytes(self._view[self._start : at])
                self._start = at + 1
                return line
            if not self._fill(self._end - self._start + 1):
                return None

    def body(self, size: int) -> bytes | None:
        """The next `size` bytes and the newline after them; None if cut short."""
        if not self._fill(size + 1) or self._buf[self._start + size] != 0x0A:
            return None
        data = bytes(self._view[self._start : self._start + size])
        self._start += size + 1
        return data

    def close(self) -> None:
        self._view.release()


_BLOCK = 1 << 20  # read size; bigger objects grow the buffer to their size


def _cat_file(git: Git, oids: OidArray, *, contents: bool) -> Iterator[_Entry]:
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
            frames = _Frames(cast(BufferedReader, proc.stdout))  # Popen's default buffering
            index = start
            try:
                while index < len(oids):
                    header = frames.line()
                    if header is None:
                        break  # cat-file died on this object
                    fields = header.split()
                    if len(fields) == 2 and fields[1] in (b"missing", b"ambiguous"):
                        yield _Entry(index, oids.hex(index), b"missing", 0, None)
                        index += 1
                        continue
                    oid, kind, size = fields[0], fields[1], int(fields[2])
                    data: bytes | None = None
                    if contents:
                        data = frames.body(size)
                        if data is None:
                            break
                    yield _Entry(index, oid, kind, size, data)
                    index += 1
            finally:
                frames.close()
                proc.stdout.close()
                proc.kill()
                proc.wait()
                writer.join()
            if index < len(oids):
                errors.seek(0)
                why = first_line(errors.read())
                yield _Entry(index, oids.hex(index), b"unreadable", 0, None, why)
            start = index + 1


def _list_reachable(git: Git) -> tuple[OidArray, OidArray, list[str]]:
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


def check_entries(lines: Iterable[bytes]) -> Iterator[_Entry]:
    """`cat-file --batch-check` output as entries; `<id> missing` (rev-list's `?<id>`) too."""
    for index, line in enumerate(lines):
        fields = line.split()
        if len(fields) == 3:
            if fields[1] != b"tree":  # most of a history's objects; never read
                yield _Entry(index, fields[0], fields[1], int(fields[2]), None)
        elif len(fields) == 2:
            yield _Entry(index, fields[0].lstrip(b"?"), b"missing", 0, None)


def checked(
    entries: Iterator[_Entry], max_blob_size: int, kinds: tuple[bytes, ...] = READ_KINDS
) -> Listing:
    """Keep the objects of `kinds` we will read; everything else becomes a Skipped or is
    dropped."""
    return joined(list(checked_blocks(entries, max_blob_size, kinds)) or [_EMPTY])


def checked_blocks(
    entries: Iterator[_Entry],
    max_blob_size: int,
    kinds: tuple[bytes, ...] = READ_KINDS,
    every: int = 1 << 30,
) -> Iterator[Listing]:
    """`checked`, as a listing every `every` entries (a stream's blocks) and one at the end."""
    to_read = OidArray()
    sizes = array("Q")
    blobs = commits = total = seen = 0
    skipped: list[Skipped] = []
    for entry in entries:
        seen += 1
        if seen >= every:
            yield Listing(to_read, blobs, commits, total, tuple(skipped), (), sizes)
            to_read, sizes, skipped = OidArray(), array("Q"), []
            blobs = commits = total = seen = 0
        if entry.kind == b"missing":
            skipped.append(Skipped(entry.oid.decode("ascii"), "missing object"))
        elif entry.kind == b"unreadable":
            why = f"unreadable object: {entry.error}"
            skipped.append(Skipped(entry.oid.decode("ascii"), why))
        elif entry.kind == b"blob" and entry.size > max_blob_size:
            why = f"larger than {max_blob_size} bytes"
            skipped.append(Skipped(entry.oid.decode("ascii"), why, size=entry.size))
        elif entry.kind in kinds:
            to_read.append(entry.oid)
            sizes.append(entry.size)
            total += entry.size
            blobs += entry.kind == b"blob"
            commits += entry.kind == b"commit"
    yield Listing(to_read, blobs, commits, total, tuple(skipped), (), sizes)


_EMPTY = Listing(OidArray(), 0, 0, 0, (), (), array("Q"))


def all_objects(git: Git) -> tuple[Iterator[_Entry], list[str]]:
    """Every object in the store (reachable or not) as batch-check entries, and what went
    wrong listing them (filled in once the entries are exhausted)."""
    return _all_objects(git)


def _all_objects(git: Git) -> tuple[Iterator[_Entry], list[str]]:
    warnings: list[str] = []

    def entries() -> Iterator[_Entry]:
        with tempfile.TemporaryFile() as errors:
            proc = git.popen(
                "cat-file", "--batch-all-objects", "--batch-check", "--unordered", stderr=errors
            )
            assert proc.stdout is not None
            yield from check_entries(proc.stdout)
            if proc.wait() != 0:
                errors.seek(0)
                warnings.append(f"object listing stopped early ({first_line(errors.read())})")

    return entries(), warnings


# Two walks instead of one `rev-list --objects`, so that trees (most of a history's objects,
# never read) are neither printed, nor checked, nor parsed: commits and annotated tags without
# entering any tree, then blobs alone. Needs git 2.32 (object:type filters).
COMMITS_AND_TAGS: tuple[tuple[str, ...], tuple[bytes, ...]] = (
    ("--filter=tree:0",),
    (b"commit", b"tag"),
)
_WALKS: tuple[tuple[tuple[str, ...], tuple[bytes, ...]], ...] = (
    COMMITS_AND_TAGS,
    (("--filter=object:type=blob", "--filter-provided-objects"), (b"blob",)),
)
_UNFILTERED: tuple[tuple[tuple[str, ...], tuple[bytes, ...]], ...] = (((), READ_KINDS),)


def walk_and_check(
    git: Git,
    filters: tuple[str, ...],
    kinds: tuple[bytes, ...],
    max_blob_size: int,
    tips: Sequence[str] | None = None,
    *,
    objects: bool = True,
) -> Listing | None:
    """`rev-list` piped straight into `cat-file --batch-check`, so both git processes work side
    by side and Python reads each id once. None when cat-file stopped early (a corrupt object).
    `tips`: where to walk from (default: every ref, `--all`). `objects`: list objects, not only
    commits (`--objects`).
    """
    with (
        tempfile.TemporaryFile() as walk_errors,
        tempfile.TemporaryFile() as check_errors,
        tempfile.TemporaryFile() as start,
    ):
        start.write("".join(f"{tip}\n" for tip in tips or ()).encode())
        start.seek(0)
        walk = git.popen(
            "rev-list",
            *(["--objects", "--no-object-names", "--missing=print"] if objects else []),
            *(["--stdin"] if tips is not None else ["--all"]),
            *filters,
            stderr=walk_errors,
            source=start if tips is not None else None,
        )
        assert walk.stdout is not None
        # --buffer: flushed in blocks, not once per object (the input is a pipe, not a person)
        check = git.popen(
            "cat-file", "--batch-check", "--buffer", stderr=check_errors, source=walk.stdout
        )
        walk.stdout.close()  # cat-file holds it now; rev-list sees a broken pipe if cat-file dies
        assert check.stdout is not None
        inventory = checked(check_entries(check.stdout), max_blob_size, kinds)
        if check.wait() != 0:
            walk.kill()
            walk.wait()
            return None
        warnings = _walk_warnings(walk_errors) if walk.wait() != 0 else []
    return replace(inventory, warnings=tuple(warnings))


def _list_and_check(git: Git, max_blob_size: int) -> Listing | None:
    """The fast path: every walk of `_WALKS` at once (each with its own cat-file), commits and
    tags first in the listing. None when a cat-file stopped early: the caller then takes the
    slower path that isolates the broken object."""
    walks = _WALKS if git_version() >= (2, 32) else _UNFILTERED
    with ThreadPoolExecutor(max_workers=len(walks)) as threads:
        parts = list(
            threads.map(lambda walk: walk_and_check(git, walk[0], walk[1], max_blob_size), walks)
        )
    if any(part is None for part in parts):
        return None
    return joined([part for part in parts if part is not None])


def joined(parts: list[Listing]) -> Listing:
    to_read, sizes = OidArray(), array("Q")
    skipped: dict[str, Skipped] = {}  # both walks may name the same missing object
    for part in parts:
        assert isinstance(part.to_read, OidArray)
        to_read.extend(part.to_read)
        sizes.extend(part.sizes or ())
        skipped.update((item.object_id, item) for item in part.skipped)
    # a walk that stopped early says so; the same words from both walks once
    warnings = tuple(dict.fromkeys(w for part in parts for w in part.warnings))
    return Listing(
        to_read,
        sum(part.blob_count for part in parts),
        sum(part.commit_count for part in parts),
        sum(part.bytes_total for part in parts),
        tuple(skipped.values()),
        warnings,
        sizes,
        gaps=tuple(dict.fromkeys(g for part in parts for g in part.gaps)),
    )


def stored_bytes(git: Git) -> int:
    """How many bytes the object store holds on disk (packs and loose objects), compressed."""
    proc = git.run("count-objects", "-v", check=False)
    total = 0
    for line in proc.stdout.decode("ascii", "replace").splitlines():
        key, _, value = line.partition(":")
        if key in ("size", "size-pack") and value.strip().isdigit():
            total += int(value) * 1024
    return total


def take_inventory(git: Git, *, include_unreachable: bool, max_blob_size: int) -> Listing:
    """List what to scan without reading any content."""
    if include_unreachable:
        entries, warnings = _all_objects(git)
        inventory = checked(entries, max_blob_size)
        return replace(inventory, warnings=tuple(warnings))
    streamed = _list_and_check(git, max_blob_size)
    if streamed is not None:
        return streamed
    present, missing, warnings = _list_reachable(git)
    inventory = checked(_cat_file(git, present, contents=False), max_blob_size)
    lost = [Skipped(missing.hex(i).decode(), "missing object") for i in range(len(missing))]
    return replace(inventory, skipped=(*inventory.skipped, *lost), warnings=tuple(warnings))


def list_objects(git: Git, oids: OidArray, max_blob_size: int) -> Listing:
    """A listing of these objects: their kinds and sizes, too-large and missing ones skipped."""
    return checked(_cat_file(git, oids, contents=False), max_blob_size)


def read_objects(git: Git, oids: OidArray) -> Iterator[GitObject | Skipped]:
    """Contents of every listed object, one at a time, in listing order."""
    for entry in _cat_file(git, oids, contents=True):
        oid = entry.oid.decode("ascii")
        if entry.data is None:
            reason = "missing object" if entry.kind == b"missing" else "unreadable object"
            yield Skipped(oid, f"{reason}: {entry.error}" if entry.error else reason)
        else:
            yield GitObject(oid, entry.kind.decode("ascii"), entry.data)


def read_ids(git: Git, oids: Iterable[str]) -> Iterator[GitObject | Skipped]:
    """Contents of a few named objects (matched commits, for their author and date)."""
    ids = OidArray()
    for oid in oids:
        ids.append(oid.encode("ascii"))
    return read_objects(git, ids)


def commit_message(data: bytes) -> bytes:
    """The message of a raw commit or tag object: what follows the headers' blank line."""
    return data.partition(b"\n\n")[2]
