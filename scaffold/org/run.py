"""An organisation run: targets -> shard -> one job per repository over a process pool -> store.

Reports are always rendered from the datastore, so a run, an incremental run and a merge of
shard datastores render the same findings the same way.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.errors import UsageError
from scaffold.org.shard import Shard
from scaffold.org.store import Store
from scaffold.org.targets import RepoTarget, unique
from scaffold.org.worker import (
    JobSettings,
    RepoJob,
    RepoOutcome,
    ignore_interrupts,
    run_job,
    unchanged_in_place,
)
from scaffold.scan.model import DEFAULT_MAX_BLOB_SIZE, ScanResult
from scaffold.scan.pool import available_cores

if TYPE_CHECKING:
    from scaffold.verify.run import VerifyOptions


@dataclass(frozen=True)
class OrgOptions:
    datastore: Path | None = None  # None: a throwaway datastore (no incremental state)
    cache_dir: Path | None = None  # None: $SCAFFOLD_CACHE_DIR/mirrors
    jobs: int = 0  # repositories scanned at once; 0 = all cores
    include_unreachable: bool = False
    max_blob_size: int = DEFAULT_MAX_BLOB_SIZE
    engine: str = "auto"
    baseline: Path | None = None
    extra_rules: tuple[Path, ...] = ()
    shard: Shard | None = None
    verify: VerifyOptions | None = None  # `scan --verify`: ask providers, once per secret per run


@dataclass(frozen=True)
class OrgRun:
    run_id: int
    targets: tuple[RepoTarget, ...]
    outcomes: tuple[RepoOutcome, ...]
    results: tuple[ScanResult, ...]  # from the datastore: placeholders, never secrets
    previous_finished: float | None  # when the run before this one ended
    first_seen: dict[tuple[str, str, str], float] = field(default_factory=dict)

    @property
    def failed(self) -> tuple[RepoOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "failed")

    @property
    def contents_scanned(self) -> int:
        return sum(o.contents_scanned for o in self.outcomes)

    @property
    def bytes_scanned(self) -> int:
        return sum(o.bytes_scanned for o in self.outcomes)


def default_cache_dir() -> Path:
    from scaffold.paths import cache_root

    return cache_root() / "mirrors"


def _scan_key(rules_version: str, options: OrgOptions) -> str:
    try:
        baseline = options.baseline.read_bytes() if options.baseline is not None else b""
    except OSError as exc:
        raise UsageError(f"{options.baseline}: cannot read baseline ({exc.strerror})") from None
    parts = [
        rules_version,
        str(options.include_unreachable),
        str(options.max_blob_size),
        hashlib.sha256(baseline).hexdigest(),
    ]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _outcomes(jobs: Sequence[RepoJob], workers: int) -> Iterator[RepoOutcome]:
    """Outcomes as repositories finish; a slow repository holds up only its own worker."""
    pending = []
    for job in jobs:  # unchanged local repositories cost a few stat() calls, not a process
        settled = unchanged_in_place(job)
        if settled is None:
            pending.append(job)
        else:
            yield settled
    jobs, workers = pending, min(workers, len(pending))
    if workers <= 1:
        for job in jobs:
            yield run_job(job)
        return
    # spawn: workers are direct children (their CPU time is ours) and inherit no threads or locks
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(workers, initializer=ignore_interrupts)
    try:
        yield from pool.imap_unordered(run_job, jobs, chunksize=1)
        pool.close()
    except BaseException:
        pool.terminate()  # Ctrl-C or a store error: committed batches stay, the rest is redone
        raise
    finally:
        pool.join()


def scan_organisation(
    targets: Sequence[RepoTarget],
    options: OrgOptions,
    on_outcome: Callable[[RepoOutcome, int, int], None] | None = None,
) -> OrgRun:
    """Scan every target once (or only the shard's), record everything, return the results."""
    from scaffold.scan.rules import load_rules

    chosen = unique(targets)
    if options.shard is not None:
        chosen = options.shard.select(chosen)
    ruleset = load_rules(options.extra_rules)
    with ExitStack() as stack:
        datastore = options.datastore
        if datastore is None:
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="scaffold-org-"))
            datastore = Path(scratch) / "scan.db"
        store = stack.enter_context(Store(datastore))
        run_id = store.begin_run(ruleset.version, ruleset.infos(), str(options.shard or ""))
        settings = JobSettings(
            datastore=datastore,
            cache_dir=options.cache_dir or default_cache_dir(),
            run_id=run_id,
            rules_version=ruleset.version,
            scan_key=_scan_key(ruleset.version, options),
            include_unreachable=options.include_unreachable,
            max_blob_size=options.max_blob_size,
            engine=options.engine,
            baseline=options.baseline,
            extra_rules=options.extra_rules,
        )
        jobs = [RepoJob(t, settings, store.repo_state(t.identity)) for t in chosen]
        workers = min(options.jobs or available_cores(), len(jobs))
        outcomes: list[RepoOutcome] = []
        status = "interrupted"
        try:
            checked: set[str] = set()  # fingerprints verified in this run, in any repository
            verify_until = time.monotonic() + (options.verify.timeout if options.verify else 0)
            for outcome in _outcomes(jobs, workers):
                _record(store, outcome, settings)
                if options.verify is not None and outcome.result is not None:
                    # one --verify-timeout for the whole run, not one per repository
                    left = max(verify_until - time.monotonic(), 0.001)
                    _verify(store, outcome, replace(options.verify, timeout=left), checked)
                outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome, len(outcomes), len(jobs))
            status = "partial" if any(o.status == "failed" for o in outcomes) else "complete"
        finally:
            store.finish_run(run_id, status)
        order = {o.target.identity: o for o in outcomes}
        return OrgRun(
            run_id=run_id,
            targets=tuple(chosen),
            outcomes=tuple(order[t.identity] for t in chosen if t.identity in order),
            results=tuple(store.results([t.identity for t in chosen])),
            previous_finished=store.previous_run_finished(run_id),
            first_seen=store.first_seen(),
        )
    raise AssertionError("unreachable")


def _verify(store: Store, outcome: RepoOutcome, options: VerifyOptions, checked: set[str]) -> None:
    """Ask providers about a scanned repository's secrets (the result still holds them here)."""
    from scaffold.remedy.records import save_verifications
    from scaffold.verify.apply import git_contents
    from scaffold.verify.run import verify_findings

    assert outcome.result is not None
    fresh = [f for f in outcome.result.findings if f.fingerprint not in checked]
    if not fresh:
        return
    answers = verify_findings(fresh, options, git_contents(Path(outcome.location)))
    checked.update(answers)
    rules = {f.fingerprint: f.rule.id for f in fresh}
    save_verifications(store, {fp: (rules[fp], v) for fp, v in answers.items()})


def _record(store: Store, outcome: RepoOutcome, settings: JobSettings) -> None:
    target = outcome.target
    if outcome.status == "failed":
        location = outcome.location or target.identity
        store.save_failure(
            target.identity, target.display, location, outcome.error, settings.run_id
        )
    elif outcome.status == "unchanged":
        previous = store.repo_state(target.identity)
        if previous is not None and previous.refs_stat != outcome.refs_stat:
            store.save_refs_stat(target.identity, outcome.refs_stat)
    elif outcome.result is not None:
        store.save_scan(
            target.identity,
            outcome.location,
            outcome.result,
            scan_key=settings.scan_key,
            refs_digest=outcome.refs_digest,
            refs_stat=outcome.refs_stat,
            rules_version=settings.rules_version,
            run_id=settings.run_id,
        )
