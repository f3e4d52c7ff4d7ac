"""Scan one repository of an organisation run: mirror it, skip it if unchanged, else scan it.

Runs in a worker process (or inline for one job). Each process builds its Detector and opens
the datastore once, then serves many repositories.
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
from scaffold.scan.model import RuleInfo, ScanResult, ScanStats
from scaffold.scan.pool import Matcher


@dataclass(frozen=True)
class JobSettings:
    """What every repository of a run shares."""

    datastore: Path
    cache_dir: Path
    run_id: int
    rules_version: str
    scan_key: str  # rules version + options that change what a scan finds
    include_unreachable: bool = False
    max_blob_size: int = 20 * 1024 * 1024
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
    mirror: str = ""  # "cloned", "fetched", "recloned" or "" for local repositories
    result: ScanResult | None = None
    contents_scanned: int = 0
    bytes_scanned: int = 0
    seconds: float = 0.0


_detectors: dict[tuple[tuple[Path, ...], str], Matcher] = {}
_stores: dict[Path, Store] = {}
_infos: dict[tuple[Path, ...], tuple[RuleInfo, ...]] = {}


def ignore_interrupts() -> None:
    """Pool initializer: Ctrl-C is the coordinator's to handle; workers are terminated."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _detector(extra_rules: tuple[Path, ...], engine: str) -> Matcher:
    key = (extra_rules, engine)
    if key not in _detectors:
        from scaffold.scan.engine import build_detector

        _detectors[key] = build_detector(extra_rules, engine)
    return _detectors[key]


def _rule_infos(extra_rules: tuple[Path, ...]) -> tuple[RuleInfo, ...]:
    if extra_rules not in _infos:
        from scaffold.scan.rules import load_rules

        _infos[extra_rules] = load_rules(extra_rules).infos()
    return _infos[extra_rules]


def _store(path: Path) -> Store:
    if path not in _stores:
        _stores[path] = Store(path)
    return _stores[path]


def refs_digest(git_dir: Path) -> str:
    """Every ref, its target and HEAD: equal digests mean equal reachable history."""
    from scaffold.scan.git import LockedGit

    with LockedGit(git_dir) as git:
        refs = git.output("for-each-ref", "--format=%(objectname) %(refname)")
        head = git.run("symbolic-ref", "-q", "HEAD", check=False).stdout
    return hashlib.sha256(refs + b"\x00" + head).hexdigest()


def _locate(job: RepoJob) -> tuple[Path, str]:
    target = job.target
    if target.url is not None:
        outcome = MirrorCache(job.settings.cache_dir).update(target)
        return outcome.path, outcome.action
    assert target.path is not None
    return target.path, ""


def run_job(job: RepoJob, on_flush: Callable[[int], None] | None = None) -> RepoOutcome:
    """Scan one repository; failures of this repository become a "failed" outcome."""
    from scaffold.scan.git import open_repository

    started = time.monotonic()
    target, settings = job.target, job.settings
    try:
        path, mirror = _locate(job)
        git, info = open_repository(path)
        git.close()
        digest = refs_digest(info.git_dir)
    except (MirrorError, RepositoryError) as exc:
        return RepoOutcome(target, "failed", error=str(exc), location=_where(target))
    previous = job.previous
    if (
        previous is not None
        and previous.status == "ok"
        and previous.scan_key == settings.scan_key
        and previous.refs_digest == digest
        and not settings.include_unreachable  # unreachable objects do not show in refs
    ):
        return RepoOutcome(
            target, "unchanged", location=str(path), refs_digest=digest, mirror=mirror,
            seconds=time.monotonic() - started,
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
        mirror=mirror,
        result=result,
        contents_scanned=recorder.scanned,
        bytes_scanned=recorder.bytes,
        seconds=seconds,
    )


def _scan(
    path: Path, settings: JobSettings, on_flush: Callable[[int], None] | None
) -> tuple[ScanResult, RecordingMatcher]:
    from scaffold.scan.engine import ScanOptions, scan_repository

    store = _store(settings.datastore)
    recorder = RecordingMatcher(
        _detector(settings.extra_rules, settings.engine),
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
        result = scan_repository(
            path,
            options,
            matcher_factory=lambda: recorder,
            rules=_rule_infos(settings.extra_rules),
        )
    finally:
        recorder.flush()  # what was matched stays matched, even if the scan failed later
    return result, recorder


def _where(target: RepoTarget) -> str:
    return str(target.path) if target.path is not None else target.identity
