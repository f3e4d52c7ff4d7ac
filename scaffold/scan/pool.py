"""Reading and matching in parallel: each worker reads its own stretch of a listing and matches it.

Any source's reader works here; the history's is where it matters. `git cat-file` (inflating and
undeltifying objects) costs more than matching, so a single reader feeding a matcher pool cannot
use more than one core well. Instead each worker runs its own locked-down `cat-file --batch`,
and how the objects are cut up matters: cat-file keeps recently inflated delta bases in memory,
so one process over a long consecutive stretch of the listing (which keeps pack locality)
inflates far less than many short-lived ones. On a 20,000-commit history, one cat-file per 2,000
objects cost 7.3 s of CPU, one per quarter of the listing 5 s. So the listing is cut into one
long stripe per worker, then a few short ones that go to whichever worker is free first (see
`schedule`), each read by one cat-file: the workers finish within a short stripe of each other.
Workers report progress and hits every few hundred objects through a queue, so memory stays
bounded and the progress line moves.

Workers are started before the listing is taken when the object store is large enough to need
them. A large store's workers are spawned: each imports, loads the rules and builds its detector
while the listing is taken, and holds only what it needs. A small store's (2 to 64 MB, where the
~0.15 s of CPU each spawned worker costs is a tenth of the scan) are forked from this process
once it has built the detector, so they start with it built: on requests, 0.3 s of CPU less and
matching under way 0.3 s sooner. Forking is only done from one thread, before any git child is
running (a forked worker would hold a cat-file's stdin open, and that cat-file would never see
its end), on Linux. While the listing streams in, idle workers get stripes about as large as the
compressed store, so a small history is read while it is still being listed. The smallest
repositories never pay for a pool: everything runs inline through the same `match_contents`
generator.
"""

from __future__ import annotations

import itertools
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from scaffold.gitexec import children_running
from scaffold.scan.listing import Listing, Part, Pending
from scaffold.scan.matching import Batch, Matcher, match_contents
from scaffold.scan.sources import Reader

if TYPE_CHECKING:  # a scan that stays in this process (a commit hook) never imports these
    import multiprocessing.context
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Event

# Starting workers (interpreter, imports, rules, detector) takes ~0.5 s each; below this much
# content a pool costs more than it saves. A store holding a quarter of it compressed starts the
# workers before the listing is taken (see ChunkScanner.start_early).
INLINE_BYTES = 64 * 1024 * 1024
TAIL_STRIPES = 4  # short stripes per worker at the end (see schedule)
# While a listing still streams in, a free worker gets a stripe of about the store's compressed
# size, within these bounds (in work: bytes plus a fixed cost per object); once the listing is
# complete, the rest is cut as `schedule` says.
STREAM_STRIPE = 256 * 1024 * 1024
MIN_STREAM_STRIPE = 16 * 1024 * 1024
# Stores from FORK_FROM up to FORK_BELOW (compressed) get forked workers (see the module doc).
FORK_FROM = 2 * 1024 * 1024
FORK_BELOW = 64 * 1024 * 1024

# Picklable (module-level function or functools.partial) so workers can build their own.
MatcherFactory = Callable[[], Matcher]


# What a worker process built in its initializer, kept for every stripe it gets.
_worker: dict[str, object] = {}


def _exit_with_parent(parent: int) -> None:
    # A killed scanner (SIGKILL, out of memory) cannot shut its pool down; without this its
    # workers would wait for work forever.
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _init_worker(
    reader: Reader, factory: MatcherFactory, messages: Queue[_Message], stop: Event
) -> None:
    # Ctrl-C reaches the whole process group; the parent alone decides to stop, and cancels
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    _worker["reader"] = reader  # git readers share the parent's scratch dir; it cleans up
    _worker["messages"] = messages
    _worker["stop"] = stop  # set by the parent to end running stripes early (Ctrl-C, errors)
    try:
        if "matcher" not in _worker:  # a forked worker has the one its parent built
            _worker["matcher"] = factory()
    except Exception as exc:  # e.g. a user rule Hyperscan rejects: the first stripe reports it
        _worker["error"] = exc


def _ready() -> None:
    """A no-op task: submitting one per worker makes the pool start them all at once."""


# (stripe index, whether the stripe is finished, what was found since the last message)
_Message = tuple[int, bool, Batch]


def _scan_stripe_in_worker(index: int, part: Part) -> None:
    if "error" in _worker:
        raise _worker["error"]  # type: ignore[misc]
    reader, matcher, messages = _worker["reader"], _worker["matcher"], _worker["messages"]
    stop = _worker["stop"]
    for batch in match_contents(reader.read(part), matcher):  # type: ignore[attr-defined, arg-type]
        if stop.is_set():  # type: ignore[attr-defined]
            return  # leaving the generator stops its reader (a cat-file)
        messages.put((index, False, batch))  # type: ignore[attr-defined]
    messages.put((index, True, Batch()))  # type: ignore[attr-defined]


def schedule(jobs: int) -> list[int]:
    """Stripe weights, largest first: each worker starts on a long stripe (cat-file keeps its
    delta bases warm), and the short ones at the end go to whichever worker is free first, so
    the workers finish close together whatever else competes for the cores. For two workers:
    20%, 20%, 15%, 15%, 10%, 10%, 5%, 5% of the work."""
    return [TAIL_STRIPES * 4] * jobs + [1] * (TAIL_STRIPES * jobs)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _context(fork: bool) -> multiprocessing.context.BaseContext:
    import multiprocessing

    # Fork only when `may_fork` says so. Not forkserver: its server outlives a killed scanner,
    # and its workers are not our children, so they could not notice we are gone.
    return multiprocessing.get_context("fork" if fork else "spawn")


def may_fork() -> bool:
    """Whether workers can be forked from this process now: on Linux, from its only thread
    (another could hold a lock the copy would wait on forever), with no git child running
    (the copy would hold its pipes open)."""
    return sys.platform == "linux" and threading.active_count() == 1 and not children_running()


class ChunkScanner:
    """Scans a listing inline or with a pool of workers, yielding results as they come.

    Use as a context manager: leaving it stops any workers.
    """

    def __init__(
        self,
        reader: Reader,
        factory: MatcherFactory,
        jobs: int,
        *,
        local: MatcherFactory | None = None,
        inline_bytes: int | None = None,
    ) -> None:
        """`local` builds the matcher used when scanning inline (default: `factory`)."""
        self.reader = reader
        self.factory = factory
        self.local = local or factory
        self.jobs = jobs if jobs > 0 else available_cores()
        self.inline_bytes = INLINE_BYTES if inline_bytes is None else inline_bytes
        self.used_pool = False
        self.stream_stripe = STREAM_STRIPE
        self.listing_readers = max(1, self.jobs - 1)
        self._pool: ProcessPoolExecutor | None = None
        self._messages: Queue[_Message] | None = None
        self._stop: Event | None = None

    def __enter__(self) -> ChunkScanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            # after the scan nothing is running; on Ctrl-C or an error, queued stripes are
            # dropped and running ones stop within a batch (matching.PROGRESS_EVERY)
            if self._stop is not None:
                self._stop.set()
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def start_early(self, stored_bytes: int) -> None:
        """Start the workers now if an object store of `stored_bytes` (compressed) will need
        them: they get ready while the listing is taken (see the module doc)."""
        if stored_bytes:
            self.stream_stripe = min(STREAM_STRIPE, max(MIN_STREAM_STRIPE, stored_bytes))
        if self.jobs < 2:
            return
        if FORK_FROM <= stored_bytes < FORK_BELOW and may_fork():
            self._start(fork=True)
        elif stored_bytes >= self.inline_bytes // 4:
            self._start()

    def _start(self, *, fork: bool = False) -> ProcessPoolExecutor:
        from concurrent.futures import ProcessPoolExecutor

        if self._pool is None:
            context = _context(fork)
            self._messages = context.Queue()
            self._stop = context.Event()
            if fork:  # built once, here: the workers are copies of this process
                try:
                    _worker["matcher"] = self.factory()
                except Exception as exc:  # reported by the first stripe, as a worker's would be
                    _worker["error"] = exc
            try:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.jobs,
                    mp_context=context,
                    initializer=_init_worker,
                    initargs=(self.reader, self.factory, self._messages, self._stop),
                )
                for _ in range(self.jobs):  # a fork context starts every worker at the first
                    self._pool.submit(_ready)
            finally:
                _worker.clear()
        return self._pool

    def run(self, listing: Listing) -> Iterator[Batch]:
        if self._pool is None and (self.jobs < 2 or listing.bytes_total < self.inline_bytes):
            yield from match_contents(self.reader.read(listing.to_read), self.local())
            return
        yield from self._pooled(listing.stripes(schedule(self.jobs)))

    def run_stream(self, blocks: Iterator[Listing]) -> Iterator[Batch]:
        """Scan a listing that arrives in blocks. With workers already running, a free one gets
        a stripe as soon as enough has been listed, so listing and reading overlap. Without
        them, the listing is scanned inline once taken, unless it outgrows `inline_bytes`:
        then the workers start while the rest is listed."""
        if self._pool is None:
            # Inline unless the listing grows past what one process scans quickly: then the
            # workers start while the rest is listed (a pack's size is a poor guess of its
            # content: requests' 14 MB pack holds 125 MB of blobs).
            taken: list[Listing] = []
            listed = 0
            for block in blocks:
                taken.append(block)
                listed += block.bytes_total
                if self.jobs >= 2 and listed >= self.inline_bytes:
                    blocks = itertools.chain(taken, blocks)
                    break
            else:
                yield from self.run(_joined(taken))
                return
        pool = self._start()
        messages = self._messages
        assert messages is not None
        self.used_pool = True
        incoming: queue.Queue[Listing | BaseException | None] = queue.Queue()

        def feed() -> None:
            try:
                for block in blocks:
                    incoming.put(block)
                incoming.put(None)
            except BaseException as exc:  # handed to the scanning thread, which raises it
                incoming.put(exc)

        threading.Thread(target=feed, daemon=True).start()
        pending = Pending()
        futures: list[Future[None]] = []
        finished = 0
        ended = False
        while True:
            while not ended:
                try:
                    item = incoming.get_nowait()
                except queue.Empty:
                    break
                if isinstance(item, BaseException):
                    raise item
                if item is None:
                    ended = True
                else:
                    pending.add(item)
            running = len(futures) - finished
            if not ended:
                # the listing's walk takes a core of its own while it runs: one reader fewer
                # then (on git/git the walk and a third cat-file overlapped at the peak of memory)
                while running < self.listing_readers and pending.work() >= self.stream_stripe:
                    stripe = pending.take(self.stream_stripe)
                    futures.append(pool.submit(_scan_stripe_in_worker, len(futures), stripe))
                    running += 1
            elif len(pending):
                for stripe in pending.listing().stripes(schedule(self.jobs)):
                    futures.append(pool.submit(_scan_stripe_in_worker, len(futures), stripe))
                pending = Pending()
            if ended and finished == len(futures):
                return
            try:
                _index, done, part = messages.get(timeout=0.05)
            except queue.Empty:
                _raise_if_failed(futures)  # a worker that raised or died sends nothing more
                continue
            finished += done
            yield part

    def _pooled(self, stripes: list[Part]) -> Iterator[Batch]:
        pool = self._start()
        messages = self._messages
        assert messages is not None
        self.used_pool = True
        futures = [pool.submit(_scan_stripe_in_worker, i, s) for i, s in enumerate(stripes)]
        finished = 0
        while finished < len(futures):
            try:
                _index, done, part = messages.get(timeout=0.2)
            except queue.Empty:
                _raise_if_failed(futures)  # a worker that raised or died sends nothing more
                continue
            finished += done
            yield part


def _raise_if_failed(futures: list[Future[None]]) -> None:
    for future in futures:
        if future.done():
            error = future.exception()
            if error is not None:
                raise error


def _joined(blocks: list[Listing]) -> Listing:
    """The blocks of a streamed listing as one listing (what is read; the engine keeps the
    rest of each block's account)."""
    pending = Pending()
    for block in blocks:
        pending.add(block)
    if not len(pending):
        from scaffold.scan.listing import KeyList

        return Listing(KeyList(), 0, 0, 0, (), ())
    return pending.listing()
