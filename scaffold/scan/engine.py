"""One pipeline for every scan: a source's content -> matches -> findings, and the result.

The flow is one-way. The source lists what it will read; the content is read and matched in
stripes, inline or in a process pool (pool.py, matching.py); the few pieces that matched are
placed by the source; the findings stage turns the rest into findings (findings.py). Whole
history, a commit range, the index, a commit message and a plain directory all go through it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from scaffold.scan.baseline import Baseline
from scaffold.scan.findings import FindingsStage
from scaffold.scan.listing import Listing
from scaffold.scan.matching import Batch, Hit, Matcher, match_one
from scaffold.scan.model import DEFAULT_BASELINE, ScanOptions, ScanResult, ScanStats, Skipped
from scaffold.scan.pool import ChunkScanner, MatcherFactory
from scaffold.scan.sources import Matched, Source


@dataclass(frozen=True)
class ScanProgress:
    objects_done: int
    objects_total: int
    bytes_done: int
    bytes_total: int
    seconds: float


ProgressCallback = Callable[[ScanProgress], None]


def build_detector(extra_rules: tuple[Path, ...], engine: str) -> Matcher:
    """What each worker calls once: the real rules and Detector (module level: picklable)."""
    from scaffold.scan.detect import Detector
    from scaffold.scan.rulecache import cached_ruleset

    return Detector(cached_ruleset(extra_rules), engine=engine)


def _wrapped(factory: MatcherFactory, wrap: Callable[[Matcher], Matcher]) -> Matcher:
    return wrap(factory())


def scan(
    source: Source,
    options: ScanOptions,
    *,
    progress: ProgressCallback | None = None,
    matcher: MatcherFactory | None = None,
    wrap_matcher: Callable[[Matcher], Matcher] | None = None,
) -> ScanResult:
    """Scan everything `source` lists. `matcher` replaces the rule set's Detector (the commit
    hook's narrowed one); `wrap_matcher` wraps it (an organisation scan's datastore skips
    content it has seen clean) and, holding local state, keeps the scan in this process."""
    from scaffold.scan.prefilter import resolve_engine
    from scaffold.scan.rulecache import cached_ruleset

    started = time.monotonic()
    with _closing(source):
        ruleset = cached_ruleset(options.extra_rules)  # one clear RuleError before any work
        baseline = Baseline.load(options.baseline) if options.baseline is not None else None
        stage = FindingsStage(ruleset.infos(), baseline)
        factory = matcher or functools.partial(build_detector, options.extra_rules, options.engine)
        local = functools.partial(_wrapped, factory, wrap_matcher) if wrap_matcher else None
        jobs = 1 if wrap_matcher is not None or matcher is not None else options.jobs
        with ChunkScanner(source.reader, factory, jobs, local=local) as scanner:
            scanner.start_early(source.size_hint())
            listing = _Account()
            total = Batch()
            hits: list[Hit] = []
            for batch in scanner.run_stream(listing.keep(source.stream())):
                hits += batch.hits
                total += Batch(objects=batch.objects, blobs=batch.blobs, commits=batch.commits,
                               bytes=batch.bytes, lfs_pointers=batch.lfs_pointers,
                               skipped=batch.skipped)  # fmt: skip
                if progress is not None:
                    seconds = time.monotonic() - started
                    objects = listing.blob_count + listing.commit_count
                    progress(
                        ScanProgress(
                            total.objects, objects, total.bytes, listing.bytes_total, seconds
                        )
                    )
            pool = scanner.used_pool
        hits = _with_named(hits, source, local or factory)
        kept = stage.keep(hits)
        matched = list(
            {(k.hit.key, k.hit.kind): Matched(k.hit.key, k.hit.kind) for k in kept}.values()
        )
        placement = source.place(matched, (*listing.skipped, *total.skipped))
        findings = stage.findings(kept, placement, source.label)
    warnings = [*listing.warnings, *placement.warnings]
    if total.lfs_pointers:
        warnings.append(
            f"{total.lfs_pointers} Git LFS pointer file(s) scanned as text; the content they "
            "point to lives on the LFS server and was not scanned"
        )
    stats = ScanStats(
        blobs_scanned=total.blobs,
        bytes_scanned=total.bytes,
        commits_seen=total.commits,
        seconds=round(time.monotonic() - started, 3),
    )
    extra = {
        "engine": resolve_engine(options.engine),
        "pool": "yes" if pool else "no",
        "source": source.name,
        **placement.extra,
    }
    return stage.result(
        source.label,
        findings,
        stats=stats,
        skipped=placement.skipped,
        warnings=warnings,
        gaps=listing.gaps,
        extra=extra,
    )


def _with_named(hits: list[Hit], source: Source, factory: MatcherFactory) -> list[Hit]:
    """The hits, with what matching the source's named content with its path adds (the
    matches found without the path already are not repeated)."""
    named = source.named()
    if not named:
        return hits
    matcher = factory()
    known = {(h.key, h.member, m.rule_id, m.start, m.end) for h in hits for m in h.matches}
    for item in named:
        for hit in match_one(item, matcher, []):
            fresh = tuple(
                m
                for m in hit.matches
                if (hit.key, hit.member, m.rule_id, m.start, m.end) not in known
            )
            if fresh:
                hits.append(replace(hit, matches=fresh))
    return hits


class _Account:
    """What a streamed listing said besides its content: counts, skips, warnings, gaps."""

    def __init__(self) -> None:
        self.blob_count = self.commit_count = self.bytes_total = 0
        self.skipped: list[Skipped] = []
        self.warnings: list[str] = []
        self.gaps: list[str] = []

    def keep(self, blocks: Iterator[Listing]) -> Iterator[Listing]:
        for block in blocks:
            self.blob_count += block.blob_count
            self.commit_count += block.commit_count
            self.bytes_total += block.bytes_total
            self.skipped += block.skipped
            self.warnings += block.warnings
            self.gaps += block.gaps
            yield block


class _closing:
    def __init__(self, source: Source) -> None:
        self.source = source

    def __enter__(self) -> Source:
        return self.source

    def __exit__(self, *exc: object) -> None:
        self.source.close()


def scan_repository(
    path: Path, options: ScanOptions, progress: ProgressCallback | None = None
) -> ScanResult:
    """Scan every unique blob and commit message in the history of the repository at `path`."""
    from scaffold.scan.sources.history import HistorySource

    return scan(HistorySource(path, options), options, progress=progress)


def default_baseline(path: Path) -> Path | None:
    """`.secrets.baseline` at the root of the work tree containing `path`, if there is one."""
    from scaffold.scan.git import open_repository

    git, info = open_repository(path)
    git.close()
    candidate = info.top_level / DEFAULT_BASELINE if info.top_level else None
    return candidate if candidate is not None and candidate.is_file() else None
