"""Reading and matching in parallel: each worker reads its own chunk of objects and matches it.

Profiling showed `git cat-file` (inflating and undeltifying objects) costs more than matching,
so a single reader feeding a matcher pool cannot use more than one core well. Instead the
listed ids are cut into consecutive chunks (listing order keeps pack locality) and each worker
runs its own locked-down `cat-file --batch` over a chunk, matches it with the detector it
built once in its initializer, and returns only the hits. Work in flight is bounded.

Small repositories never pay for pool start-up: below a size threshold everything runs inline
through the same `scan_chunk` function.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from scaffold.scan.blobs import GitObject, Inventory, OidArray, read_objects
from scaffold.scan.git import LockedGit
from scaffold.scan.model import Match, Skipped
from scaffold.scan.provenance import parse_commit

# Starting workers (interpreter, imports, rules, detector) took 1.5-4 s here; one process scans
# about 25 MB/s. Below this much content a pool costs more than it saves.
INLINE_BYTES = 64 * 1024 * 1024
CHUNK_OBJECTS = 2000
MIN_CHUNK_OBJECTS = 64
IN_FLIGHT_PER_WORKER = 2
LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"


class Matcher(Protocol):
    def scan(self, data: bytes) -> list[Match]: ...


# Picklable (module-level function or functools.partial) so workers can build their own.
MatcherFactory = Callable[[], Matcher]


@dataclass(frozen=True)
class Hit:
    oid: str
    kind: str  # "blob", or "commit"/"tag" for matches in a commit or annotated tag message
    matches: tuple[Match, ...]


@dataclass(frozen=True)
class ChunkResult:
    hits: tuple[Hit, ...] = ()
    objects: int = 0
    blobs: int = 0
    commits: int = 0
    bytes: int = 0
    lfs_pointers: int = 0
    skipped: tuple[Skipped, ...] = ()


def scan_chunk(git: LockedGit, matcher: Matcher, oids: OidArray) -> ChunkResult:
    """Read every object of the chunk once and match it; commits are matched on their message."""
    hits: list[Hit] = []
    skipped: list[Skipped] = []
    objects = blobs = commits = size = lfs = 0
    inventory = Inventory(oids, 0, 0, 0, (), ())
    for item in read_objects(git, inventory):
        objects += 1
        if not isinstance(item, GitObject):
            skipped.append(item)
            continue
        size += len(item.data)
        if item.kind in ("commit", "tag"):
            commits += item.kind == "commit"
            content = parse_commit(item.oid, item.data)[1]
        else:
            blobs += 1
            lfs += item.data.startswith(LFS_POINTER)
            content = item.data
        matches = matcher.scan(content)
        if matches:
            hits.append(Hit(item.oid, item.kind, tuple(matches)))
    return ChunkResult(tuple(hits), objects, blobs, commits, size, lfs, tuple(skipped))


# What a worker process built in its initializer, kept for every chunk it gets.
_worker: dict[str, object] = {}


def _exit_with_parent(parent: int) -> None:
    # A killed scanner (SIGKILL, out of memory) cannot shut its pool down; without this its
    # workers would wait for work forever.
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _init_worker(git: LockedGit, factory: MatcherFactory) -> None:
    # Ctrl-C reaches the whole process group; the parent alone decides to stop, and cancels
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    _worker["git"] = git  # a copy sharing the parent's scratch dir; the parent cleans it up
    _worker["matcher"] = factory()


def _scan_chunk_in_worker(oids: OidArray) -> ChunkResult:
    git = _worker["git"]
    matcher = _worker["matcher"]
    assert isinstance(git, LockedGit)
    return scan_chunk(git, matcher, oids)  # type: ignore[arg-type]


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _context() -> multiprocessing.context.BaseContext:
    # Not fork: a forked worker would inherit our pipe to a cat-file's stdin, and cat-file would
    # then never see end-of-input. Not forkserver: its server outlives a killed scanner, and
    # its workers are not our children, so they could not notice we are gone.
    return multiprocessing.get_context("spawn")


class ChunkScanner:
    """Scans an inventory inline or with a pool of workers, yielding per-chunk results."""

    def __init__(
        self,
        git: LockedGit,
        factory: MatcherFactory,
        jobs: int,
        *,
        local: Matcher | None = None,
        inline_bytes: int | None = None,
    ) -> None:
        """`local` is a matcher already built in this process, used when scanning inline."""
        self.git = git
        self.factory = factory
        self.local = local
        self.jobs = jobs if jobs > 0 else available_cores()
        self.inline_bytes = INLINE_BYTES if inline_bytes is None else inline_bytes
        self.used_pool = False

    def run(self, inventory: Inventory) -> Iterator[ChunkResult]:
        total = len(inventory.to_read)
        if self.jobs < 2 or inventory.bytes_total < self.inline_bytes:
            matcher = self.local or self.factory()
            for chunk in inventory.to_read.chunks(CHUNK_OBJECTS):
                yield scan_chunk(self.git, matcher, chunk)
            return
        # enough chunks that a slow one does not leave a core idle at the end
        size = max(MIN_CHUNK_OBJECTS, min(CHUNK_OBJECTS, total // (self.jobs * 8) or 1))
        yield from self._pooled(inventory.to_read.chunks(size))

    def _pooled(self, chunks: Iterator[OidArray]) -> Iterator[ChunkResult]:
        self.used_pool = True
        pending: deque[Future[ChunkResult]] = deque()
        with ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=_context(),
            initializer=_init_worker,
            initargs=(self.git, self.factory),
        ) as pool:
            try:
                for chunk in chunks:
                    pending.append(pool.submit(_scan_chunk_in_worker, chunk))
                    while len(pending) >= self.jobs * IN_FLIGHT_PER_WORKER:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                # on Ctrl-C or an error: drop queued chunks, let running ones finish, then exit
                pool.shutdown(wait=False, cancel_futures=True)
