"""The new repository's `.secrets.baseline`: detect-secrets over the staged files, finding nothing.

detect-secrets is pure Python, line by line, and scanning a generated service with it costs more
CPU than rendering it. So the scan runs in worker processes that start (and import detect-secrets)
before Copier does, and each file is scanned as soon as Copier has written it: the work overlaps
rendering on the other core. What counts is what git staged: `finish` scans any staged file that
was not reported, or whose staged blob is not the content that was scanned, before it answers.

Each worker configures detect-secrets exactly as `detect-secrets scan` does by default, and the
baseline document comes from a worker too, so this process never changes detect-secrets' global
settings. A freshly generated tree must contain nothing detect-secrets flags: a finding is a
template bug (or a secret in an answer) and stops the wizard; it is never silently written into
the baseline.

Files already found clean (same detect-secrets version and settings, same path, same blob) are
remembered in scaffold's cache and not scanned again: services from one template share many of
their files.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from types import TracebackType
from typing import Any

from scaffold.errors import ScaffoldError
from scaffold.gitexec import Git, Profile
from scaffold.paths import cache_root
from scaffold.scan.model import DEFAULT_BASELINE

BASELINE = DEFAULT_BASELINE
_MAX_WORKERS = 4


@dataclass(frozen=True, order=True)
class Flagged:
    """Where detect-secrets found something (never the value itself)."""

    path: str
    line: int
    kind: str


@dataclass(frozen=True)
class _Scanned:
    """One file's result, tied to the exact content that was scanned."""

    path: str
    blob: str | None  # git's blob id of the bytes scanned; None: the file could not be read
    flagged: tuple[Flagged, ...]
    cached: bool  # known clean from an earlier run, not scanned now


class _WorkerState:
    """A worker process's state, set once by _init_worker."""

    root = ""
    cache = Path()  # where clean files are remembered, for these settings
    known: frozenset[str] = frozenset()  # "blob path" entries known clean


_worker = _WorkerState()


def _git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _configure() -> dict[str, Any]:
    """Configure detect-secrets as its CLI's `scan` does by default; return those settings."""
    from detect_secrets.main import parse_args
    from detect_secrets.settings import get_settings

    parse_args(["scan", _worker.root])
    settings: dict[str, Any] = get_settings().json()
    return settings


def _init_worker(root: str) -> None:
    # Ctrl-C is the parent's to handle: it tears the pool down and removes the staging tree
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker.root = root
    _worker.cache = _clean_cache(_configure())
    _worker.known = frozenset(_read_clean(_worker.cache))
    from detect_secrets.core.scan import scan_file  # noqa: F401  (imported while Copier renders)


def _scan_one(path: str) -> _Scanned:
    from detect_secrets.core.scan import scan_file

    full = os.path.join(_worker.root, path)
    try:
        with open(full, "rb") as handle:
            blob = _git_blob_id(handle.read())
    except OSError:
        return _Scanned(path, None, (), cached=False)
    if f"{blob} {path}" in _worker.known:
        return _Scanned(path, blob, (), cached=True)
    flagged = tuple(Flagged(path, s.line_number, s.type) for s in scan_file(full))
    return _Scanned(path, blob, flagged, cached=False)


def _document() -> tuple[dict[str, Any], str]:
    """The baseline document for a clean tree (as `detect-secrets scan` writes it), and where
    clean files are remembered."""
    from detect_secrets.core import baseline
    from detect_secrets.core.secrets_collection import SecretsCollection

    document: dict[str, Any] = baseline.format_for_output(SecretsCollection(root=_worker.root))
    return document, str(_worker.cache)


def staged_blobs(repo: Path) -> dict[str, str]:
    """path -> blob id of every staged file (what `detect-secrets scan` would look at)."""
    out = (
        Git(repo, profile=Profile.USER)
        .output("ls-files", "--stage", "-z")
        .decode("utf-8", errors="surrogateescape")
    )
    blobs: dict[str, str] = {}
    for entry in filter(None, out.split("\0")):
        meta, _, path = entry.partition("\t")
        blobs[path] = meta.split()[1]
    return blobs


def _clean_cache(settings: dict[str, Any]) -> Path:
    from detect_secrets.__version__ import VERSION

    key = json.dumps({"detect-secrets": VERSION, "settings": settings}, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_root() / "clean-files" / f"detect-secrets-{digest}.txt"


def _read_clean(cache: Path) -> set[str]:
    try:
        return set(cache.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return set()


def _remember_clean(cache: Path, entries: list[str]) -> None:
    if not entries:
        return
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with cache.open("a", encoding="utf-8") as out:  # appends of whole lines: no lock needed
            out.write("".join(f"{entry}\n" for entry in entries))
    except OSError:
        pass  # a cache that cannot be written only costs time


class BaselineScan:
    """detect-secrets over the files of `root`, scanned as they are written.

    Use as a context manager around writing the tree: the workers start at once; `add` each file
    when it is complete; `finish` with git's staged blobs. Leaving the block stops the workers.
    """

    def __init__(self, root: Path, workers: int | None = None) -> None:
        self.root = root
        count = workers or max(1, min(_MAX_WORKERS, os.cpu_count() or 1))
        self._pool: Pool = multiprocessing.get_context().Pool(count, _init_worker, (str(root),))
        self._pending: dict[str, AsyncResult[_Scanned]] = {}
        self.late: tuple[str, ...] = ()  # staged files `finish` had to scan itself

    def __enter__(self) -> BaselineScan:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()

    def add(self, path: str) -> None:
        """`path` (relative to the root, POSIX) is written and will not change: scan it now."""
        self._pending[path] = self._pool.apply_async(_scan_one, (path,))

    def finish(self, blobs: Mapping[str, str]) -> tuple[dict[str, Any], list[Flagged]]:
        """The baseline document for a clean tree, and whatever detect-secrets flagged in the
        staged files `blobs` (path -> blob id)."""
        done = {path: pending.get() for path, pending in self._pending.items()}
        # not reported, or changed since it was scanned: scan what git staged
        stale = [p for p, blob in blobs.items() if p not in done or done[p].blob != blob]
        self.late = tuple(stale)
        done.update((result.path, result) for result in self._pool.map(_scan_one, stale))
        document, cache = self._pool.apply(_document)
        results = [done[path] for path in blobs]
        _remember_clean(
            Path(cache),
            [
                f"{r.blob} {r.path}"
                for r in results
                if not r.cached and not r.flagged and r.blob == blobs[r.path]
            ],
        )
        return document, sorted(f for r in results for f in r.flagged)


def scan(repo: Path, blobs: Mapping[str, str]) -> tuple[dict[str, Any], list[Flagged]]:
    """The baseline document for a clean tree, and whatever detect-secrets flagged in `blobs`."""
    with BaselineScan(repo) as scanner:
        return scanner.finish(blobs)


def write_baseline(repo: Path, scanner: BaselineScan | None = None) -> Path:
    """Write `repo/.secrets.baseline` with no results, or fail naming what was flagged.

    `scanner` is one already running over `repo` (files it was told about are not rescanned).
    """
    blobs = staged_blobs(repo)
    if scanner is None:
        document, flagged = scan(repo, blobs)
    else:
        document, flagged = scanner.finish(blobs)
    if flagged:
        where = ", ".join(f"{f.path}:{f.line} ({f.kind})" for f in flagged)
        raise ScaffoldError(f"the generated service contains potential secrets: {where}")
    target = repo / BASELINE
    target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return target
