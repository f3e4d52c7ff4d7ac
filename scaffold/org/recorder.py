"""A matcher that remembers: content already scanned clean under the current rules is skipped.

It wraps the engine's Detector (ScanOptions.wrap_matcher) and keys content by its git blob id,
computed from the bytes the engine hands it. Content that had matches is always rescanned, so
the engine rebuilds every finding with this repository's provenance; clean content is recorded
in batches, each committed at once, so an interrupted run resumes without rescanning what it
finished.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from scaffold.org.store import Store
from scaffold.scan.matching import Matcher
from scaffold.scan.model import Match

FLUSH_EVERY = 500
FLUSH_SECONDS = 2.0


def content_id(data: bytes) -> str:
    """git's blob id for these bytes: the same id `git hash-object` gives."""
    digest = hashlib.sha1(b"blob %d\x00" % len(data), usedforsecurity=False)
    digest.update(data)
    return digest.hexdigest()


class RecordingMatcher:
    """Matcher protocol; counts what it really scanned (`scanned`, `bytes`) and skipped."""

    def __init__(
        self,
        detector: Matcher | None,
        store: Store,
        rules_version: str,
        run_id: int,
        *,
        on_flush: Callable[[int], None] | None = None,
    ) -> None:
        self.detector = detector
        self.store = store
        self.rules_version = rules_version
        self.run_id = run_id
        self.on_flush = on_flush  # tests interrupt a run here, after a batch is safe
        self.pending: list[tuple[str, bool]] = []
        self.scanned = self.bytes = self.skipped = 0
        self._last_flush = time.monotonic()

    def scan(self, data: bytes, path: str | None = None) -> list[Match]:
        assert self.detector is not None, "wrap() a detector first"
        if path is not None:  # a path can call for rules the content alone does not: scan it
            return self.detector.scan(data, path)
        cid = content_id(data)
        if self.store.content_state(cid, self.rules_version) == 0:
            self.skipped += 1
            return []
        matches = self.detector.scan(data)
        self.scanned += 1
        self.bytes += len(data)
        self.pending.append((cid, bool(matches)))
        if len(self.pending) >= FLUSH_EVERY or time.monotonic() - self._last_flush > FLUSH_SECONDS:
            self.flush()
        return matches

    def wrap(self, detector: Matcher) -> Matcher:
        """The engine's hook (ScanOptions.wrap_matcher): put this recorder around its detector."""
        self.detector = detector
        return self

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        self.store.record_contents(batch, self.rules_version, self.run_id)
        self._last_flush = time.monotonic()
        if self.on_flush is not None and batch:
            self.on_flush(len(batch))
