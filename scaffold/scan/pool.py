"""Matching content in parallel: batches of objects go to a process pool, results come back.

Small repositories never pay for worker start-up: content is matched inline until the bytes
seen pass a threshold, and only then is the pool started for the rest. Work in flight is
bounded (a few batches per worker), so memory stays flat however large the history is. Each
worker builds its detector once, in the pool initializer.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from scaffold.scan.model import Match

INLINE_BYTES = 8 * 1024 * 1024  # below this much content, a pool costs more than it saves
BATCH_BYTES = 2 * 1024 * 1024
BATCH_OBJECTS = 1024
IN_FLIGHT_PER_WORKER = 3


class Matcher(Protocol):
    def scan(self, data: bytes) -> list[Match]: ...


# Picklable (module-level function or functools.partial) so workers can build their own.
MatcherFactory = Callable[[], Matcher]


@dataclass(frozen=True)
class Work:
    """One piece of content to match: a blob, or a commit's message."""

    oid: str
    kind: str
    data: bytes


@dataclass(frozen=True)
class Hit:
    oid: str
    kind: str
    matches: tuple[Match, ...]


# The matcher a worker process built in its initializer, kept for every batch it gets.
_worker: dict[str, Matcher] = {}


def _init_worker(factory: MatcherFactory) -> None:
    _worker["matcher"] = factory()


def _match_batch(batch: list[Work]) -> list[Hit]:
    return _match_with(_worker["matcher"], batch)


def _match_with(matcher: Matcher, batch: Iterable[Work]) -> list[Hit]:
    hits: list[Hit] = []
    for work in batch:
        matches = matcher.scan(work.data)
        if matches:
            hits.append(Hit(work.oid, work.kind, tuple(matches)))
    return hits


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _context() -> multiprocessing.context.BaseContext:
    # forkserver: workers are not forked from a process that has pipe-feeding threads running
    return multiprocessing.get_context("forkserver" if sys.platform == "linux" else "spawn")


def _batches(items: Iterable[Work]) -> Iterator[list[Work]]:
    batch: list[Work] = []
    size = 0
    for work in items:
        batch.append(work)
        size += len(work.data)
        if size >= BATCH_BYTES or len(batch) >= BATCH_OBJECTS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class ParallelMatcher:
    """Matches a stream of Work inline, then through a pool once the stream proves large."""

    def __init__(
        self, factory: MatcherFactory, jobs: int, *, inline_bytes: int | None = None
    ) -> None:
        self.factory = factory
        self.jobs = jobs if jobs > 0 else available_cores()
        self.inline_bytes = INLINE_BYTES if inline_bytes is None else inline_bytes
        self._local: Matcher | None = None
        self.used_pool = False

    def local(self) -> Matcher:
        if self._local is None:
            self._local = self.factory()
        return self._local

    def run(self, items: Iterable[Work]) -> Iterator[Hit]:
        """Hits in no particular order; every item is matched exactly once."""
        seen = 0
        pending: deque[Future[list[Hit]]] = deque()
        pool: ProcessPoolExecutor | None = None
        try:
            for batch in _batches(items):
                if pool is None and (self.jobs < 2 or seen < self.inline_bytes):
                    seen += sum(len(w.data) for w in batch)
                    yield from _match_with(self.local(), batch)
                    continue
                if pool is None:
                    pool = ProcessPoolExecutor(
                        max_workers=self.jobs,
                        mp_context=_context(),
                        initializer=_init_worker,
                        initargs=(self.factory,),
                    )
                    self.used_pool = True
                pending.append(pool.submit(_match_batch, batch))
                while len(pending) >= self.jobs * IN_FLIGHT_PER_WORKER:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        finally:
            if pool is not None:
                for future in pending:
                    future.cancel()
                pool.shutdown(wait=True, cancel_futures=True)
