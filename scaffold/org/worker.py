"""Scan one repository of an organisation run: mirror it, skip it if unchanged, else scan it.

Runs in a worker process (or inline for one job). Each process opens the datastore once, then
serves many repositories.
"""

from __future__ import annotations

import hashlib
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from scaffold.errors import RepositoryError
from scaffold.org.mirror import MirrorCache, MirrorError
from scaffold.org.recorder import RecordingMatcher
from scaffold.org.store import RepoState, Store
from scaffold.org.targets import RepoTarget
from scaffold.scan.model import DEFAULT_MAX_BLOB_SIZE, ScanResult, ScanStats


@dataclass(frozen=True)
class JobSettings:
    """What every repository of a run shares."""

    datastore: Path
    cache_dir: Path
    run_id: int
    rules_version: str
    scan_key: str  # rules version + options that change what a scan finds
    include_unreachable: bool = False
    max_blob_size: int = DEFAULT_MAX_BLOB_SIZE
    engine: str = "auto"
    baseline: Path | None = None
    extra_rules: tuple[Path, ...] = ()


@dataclass(frozen=True)
class RepoJob:
    target: RepoTarget
    settings: JobSettings
    previous: RepoState | None


@dataclass(frozen=True)
class RepoOutcome:
    """What happened to one repository; `result` is set only when it was really scanned."""

    target: RepoTarget
    status: str  # "scanned", "unchanged" or "failed"
    error: str = ""
    location: str = ""
    refs_digest: str = ""
    refs_stat: str = ""
    mirror: str = ""  # "cloned", "fetched", "recloned" or "" for local repositories
    result: ScanResult | None = None
    contents_scanned: int = 0
    bytes_scanned: int = 0
    seconds: float = 0.0


_stores: dict[Path, Store] = {}


def ignore_interrupts() -> None:
    """Pool initializer: Ctrl-C is the coordinator's to handle; workers are terminated."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _store(path: Path) -> Store:
    if path not in _stores:
        _stores[path] = Store(path)
    return _stores[path]


def refs_digest(git_dir: Path) -> str:
    """Every ref, its target and HEAD: equal digests mean equal reachable history.

    One git process per repository: this is all an unchanged repository costs on a rerun.
    """
    from scaffold.gitexec import Git

    with Git(git_dir=git_dir) as git:
        refs = git.output("for-each-ref", "--format=%(objectname) %(refname)")
    try:
        head = (git_dir / "HEAD").read_bytes()  # "ref: refs/heads/main": which branch is HEAD
    except OSError:
        head = b""
    return hashlib.sha256(refs + b"\x00" + head).hexdigest()


def refs_stat(git_dir: Path) -> str:
    """A digest of where git keeps refs (name, size, inode, mtime of each file), without git.

    Git rewrites a ref through a lock file and a rename, so any ref change gives a new inode or
    mtime here. Equal digests let a rerun skip even the one git process refs_digest costs.
    """
    digest = hashlib.sha256()
    places = [git_dir / "HEAD", git_dir / "packed-refs"]
    for folder in ("refs", "reftable"):
        root = git_dir / folder
        if root.is_dir():
            places.append(root)
            places.extend(sorted(root.rglob("*")))
    for place in places:
        try:
            info = place.stat()
        except OSError:
            continue
        digest.update(f"{place}\0{info.st_size}\0{info.st_ino}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def git_dir_of(path: Path) -> Path:
    """The git directory of a work tree or bare repository, looked up without running git."""
    from scaffold.scan.git import open_repository

    dot_git = path / ".git"
    if dot_git.is_dir():
        return dot_git
    if not dot_git.exists() and (path / "HEAD").is_file() and (path / "objects").is_dir():
        return path  # bare
    git, info = open_repository(path)  # a linked work tree, a submodule: let git say
    git.close()
    return info.git_dir


def _comparable(job: RepoJob) -> bool:
    """Whether the last scan's state can stand for this run (same rules, options, success)."""
    previous = job.previous
    return (
        previous is not None
        and previous.status == "ok"
        and previous.scan_key == job.settings.scan_key
        and not job.settings.include_unreachable  # unreachable objects do not show in refs
    )


def unchanged_in_place(job: RepoJob) -> RepoOutcome | None:
    """A local repository whose ref files are as they were: settled without git or a worker."""
    target = job.target
    if target.path is None or job.previous is None or not _comparable(job):
        return None
    try:
        stat = refs_stat(git_dir_of(target.path))
    except (OSError, RepositoryError):
        return None  # the worker will say what is wrong
    if stat != job.previous.refs_stat:
        return None
    return RepoOutcome(
        target, "unchanged", location=str(target.path), refs_digest=job.previous.refs_digest,
        refs_stat=stat,
    )  # fmt: skip


def _locate(job: RepoJob) -> tuple[Path, str]:
    target = job.target
    if target.url is not None:
        outcome = MirrorCache(job.settings.cache_dir).update(target)
        return outcome.path, outcome.action
    assert target.path is not None
    return target.path, ""


def run_job(job: RepoJob, on_flush: Callable[[int], None] | None = None) -> RepoOutcome:
    """Scan one repository; failures of this repository become a "failed" outcome."""
    started = time.monotonic()
    target, settings = job.target, job.settings
    try:
        path, mirror = _locate(job)
        if not path.is_dir():
            raise RepositoryError(f"{path}: no such directory")
        git_dir = git_dir_of(path)
        stat = refs_stat(git_dir)
        previous = job.previous
        comparable = _comparable(job)
        digest = (
            previous.refs_digest if comparable and previous and previous.refs_stat == stat else ""
        )
        digest = digest or refs_digest(git_dir)
    except (MirrorError, RepositoryError) as exc:
        return RepoOutcome(target, "failed", error=str(exc), location=_where(target))
    if comparable and previous is not None and previous.refs_digest == digest:
        return RepoOutcome(
            target, "unchanged", location=str(path), refs_digest=digest, refs_stat=stat,
            mirror=mirror, seconds=time.monotonic() - started,
        )  # fmt: skip
    try:
        result, recorder = _scan(path, settings, on_flush)
    except RepositoryError as exc:
        return RepoOutcome(target, "failed", error=str(exc), location=str(path), mirror=mirror)
    seconds = round(time.monotonic() - started, 3)
    stats = ScanStats(recorder.scanned, recorder.bytes, result.stats.commits_seen, seconds)
    findings = tuple(replace(f, repository=target.display) for f in result.findings)
    result = replace(result, repository=target.display, findings=findings, stats=stats)
    return RepoOutcome(
        target,
        "scanned",
        location=str(path),
        refs_digest=digest,
        refs_stat=stat,
        mirror=mirror,
        result=result,
        contents_scanned=recorder.scanned,
        bytes_scanned=recorder.bytes,
        seconds=seconds,
    )


def _scan(
    path: Path, settings: JobSettings, on_flush: Callable[[int], None] | None
) -> tuple[ScanResult, RecordingMatcher]:
    from scaffold.scan.engine import scan
    from scaffold.scan.model import ScanOptions
    from scaffold.scan.sources.history import HistorySource

    store = _store(settings.datastore)
    recorder = RecordingMatcher(
        None,
        store,
        settings.rules_version,
        settings.run_id,
        on_flush=on_flush,
    )
    options = ScanOptions(
        include_unreachable=settings.include_unreachable,
        max_blob_size=settings.max_blob_size,
        jobs=1,  # repositories are the unit of parallelism here
        engine=settings.engine,
        baseline=settings.baseline,
        extra_rules=settings.extra_rules,
    )
    try:
        # the recorder skips content scanned clean before, and records the rest
        result = scan(HistorySource(path, options), options, wrap_matcher=recorder.wrap)
    finally:
        recorder.flush()  # what was matched stays matched, even if the scan failed later
    return result, recorder


def _where(target: RepoTarget) -> str:
    return str(target.path) if target.path is not None else target.identity
