"""An audit run: targets -> (history scan, AWS account) -> each repository's files -> scorecards."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from scaffold.audit import files
from scaffold.audit.engine import audit_files
from scaffold.audit.history import HistoryOutcome, scan_histories
from scaffold.audit.model import Outcome, RepoAudit
from scaffold.org.targets import RepoTarget


@dataclass(frozen=True)
class AuditOptions:
    history: bool = True
    datastore: Path | None = None  # audit runs; the scan's datastore sits beside it (.scan)
    cache_dir: Path | None = None  # organisation mirrors
    since_last: bool = False
    jobs: int = 0
    baseline: Path | None = None


@dataclass(frozen=True)
class AuditRun:
    audits: tuple[RepoAudit, ...]
    failed: tuple[tuple[RepoTarget, str], ...]  # repositories that could not be read at all


def datastores(options: AuditOptions) -> tuple[Path, Path]:
    from scaffold.paths import cache_root

    audits = options.datastore or cache_root() / "audit" / "audits.db"
    return audits, audits.with_name(audits.name + ".scan")


def _locate(target: RepoTarget, options: AuditOptions, *, history_ran: bool) -> Path:
    if target.path is not None:
        return target.path
    from scaffold.org.mirror import MirrorCache, mirror_dir
    from scaffold.org.run import default_cache_dir

    cache = options.cache_dir or default_cache_dir()
    mirrored = mirror_dir(cache, target.identity)
    if history_ran and mirrored.is_dir():  # the history scan has just cloned or fetched it
        return mirrored
    return MirrorCache(cache).update(target).path


def _cache_key(repo: files.RepoFiles, checks: str, history: HistoryOutcome | None) -> str:
    state = repo.state() if repo.state is not None else repr(sorted(repo.paths))
    found = (history.hits, history.error) if history is not None else None  # not how it ran
    return hashlib.sha256(f"{checks}\0{state}\0{found!r}".encode()).hexdigest()


def audit_targets(
    targets: Sequence[RepoTarget],
    options: AuditOptions,
    account: Sequence[Outcome] = (),
    warn: Callable[[str], None] | None = None,
) -> AuditRun:
    from scaffold.audit.store import AuditStore, changes, checks_digest
    from scaffold.errors import RepositoryError
    from scaffold.org.mirror import MirrorError

    audit_db, scan_db = datastores(options)
    history: dict[str, HistoryOutcome] = {}
    if options.history:
        baseline = options.baseline
        if baseline is None and len(targets) == 1 and targets[0].path is not None:
            candidate = targets[0].path / ".secrets.baseline"
            baseline = candidate if candidate.is_file() else None
        history = scan_histories(
            targets, datastore=scan_db, baseline=baseline, jobs=options.jobs,
            cache_dir=options.cache_dir,
        )  # fmt: skip
    audits: list[tuple[str, RepoAudit]] = []
    failed: list[tuple[RepoTarget, str]] = []
    store = AuditStore(audit_db)
    digest = checks_digest()
    try:
        for target in targets:
            outcome = history.get(target.identity) if options.history else None
            found = (outcome.hits, outcome.error) if outcome is not None else None
            quick = ""
            if target.path is not None and (target.path / ".git").is_dir():
                state = files.quick_state(target.path)  # no git at all for an unchanged tree
                quick = hashlib.sha256(f"{digest}\0{state}\0{found!r}".encode()).hexdigest()
            audit = store.cached_quick(quick) if quick else None
            if audit is None:
                try:
                    path = _locate(target, options, history_ran=options.history)
                    repo = files.work_tree(path) if target.path is not None else files.bare(path)
                except (RepositoryError, MirrorError) as exc:
                    failed.append((target, str(exc)))
                    continue
                key = _cache_key(repo, digest, outcome)
                audit = store.cached(key)
                if audit is None:
                    audit = audit_files(repo, history=outcome)
                    store.remember(key, audit)
                if quick:
                    store.remember_quick(quick, key)
            audit = replace(audit, repository=target.display, outcomes=(*audit.outcomes, *account))
            audits.append((target.identity, audit))
        if options.since_last:
            audits = [
                (
                    i,
                    replace(
                        a, extra={**a.extra, "changes": json.dumps(changes(store.previous(i), a))}
                    ),
                )
                for i, a in audits
            ]
        store.record(audits)
    finally:
        store.close()
    return AuditRun(tuple(a for _, a in audits), tuple(failed))
