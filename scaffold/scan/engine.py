"""Whole-history scan of one repository: unique objects -> matches -> findings with provenance.

The flow is one-way: list objects with where each blob came from (origins.py; blobs.py when a
repository needs `rev-list`), read and match them in chunks, inline or in a process pool
(pool.py), then join provenance (origins.py or provenance.py) to the few objects that matched.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from scaffold.scan.blobs import stored_bytes, take_inventory
from scaffold.scan.git import (
    Git,
    RepositoryInfo,
    display_name,
    head_commit,
    open_repository,
    shallow_boundaries,
)
from scaffold.scan.model import (
    DEFAULT_BASELINE,
    DEFAULT_MAX_BLOB_SIZE,
    Finding,
    Match,
    Provenance,
    RuleInfo,
    ScanResult,
    ScanStats,
    Severity,
    Skipped,
    SourceKind,
    redact,
)
from scaffold.scan.origins import list_with_origins
from scaffold.scan.pool import ChunkResult, ChunkScanner, Hit, Matcher
from scaffold.scan.provenance import (
    HistoryWalk,
    commit_details,
    gitlinks_at_head,
    head_blobs,
    introductions,
    reachable_from_head,
    refs_for_commits,
    refs_pointing_at,
)


@dataclass(frozen=True)
class ScanOptions:
    include_unreachable: bool = False
    max_blob_size: int = DEFAULT_MAX_BLOB_SIZE
    jobs: int = 0  # 0 = all cores
    engine: str = "auto"
    baseline: Path | None = None  # detect-secrets baseline to suppress known findings
    extra_rules: tuple[Path, ...] = ()
    # Wraps the detector (an organisation scan's datastore skips content it has seen clean).
    # A wrapper holds local state, so setting it scans in this process, without a pool.
    wrap_matcher: Callable[[Matcher], Matcher] | None = None


@dataclass(frozen=True)
class ScanProgress:
    objects_done: int
    objects_total: int
    bytes_done: int
    bytes_total: int
    seconds: float


ProgressCallback = Callable[[ScanProgress], None]
Suppressor = Callable[[Match], bool]


def build_detector(extra_rules: tuple[Path, ...], engine: str) -> Matcher:
    """What each worker calls once: the real rules and Detector (module level: picklable)."""
    from scaffold.scan.detect import Detector
    from scaffold.scan.rulecache import cached_ruleset

    return Detector(cached_ruleset(extra_rules), engine=engine)


def _wrapped(factory: Callable[[], Matcher], wrap: Callable[[Matcher], Matcher]) -> Matcher:
    return wrap(factory())


def default_baseline(path: Path) -> Path | None:
    """`.secrets.baseline` at the root of the work tree containing `path`, if there is one."""
    git, info = open_repository(path)
    git.close()
    candidate = info.top_level / DEFAULT_BASELINE if info.top_level else None
    return candidate if candidate is not None and candidate.is_file() else None


def scan_repository(
    path: Path, options: ScanOptions, progress: ProgressCallback | None = None
) -> ScanResult:
    """Scan every unique blob and commit message in the history of the repository at `path`."""
    from scaffold.scan.prefilter import resolve_engine
    from scaffold.scan.rulecache import cached_ruleset

    git, info = open_repository(path)  # first: "not a repository" beats any other complaint
    engine = resolve_engine(options.engine)
    with git:
        suppress: Suppressor | None = None
        if options.baseline is not None:
            from scaffold.report.baseline import Baseline

            suppress = Baseline.load(options.baseline).suppresses
        ruleset = cached_ruleset(options.extra_rules)  # one clear RuleError before any work
        factory = functools.partial(build_detector, options.extra_rules, options.engine)
        wrap = options.wrap_matcher
        scanner = ChunkScanner(
            git,
            factory,
            1 if wrap is not None else options.jobs,
            local=functools.partial(_wrapped, factory, wrap) if wrap is not None else None,
        )
        with scanner:
            scanner.start_early(stored_bytes(git))
            result = _scan(
                git,
                info,
                options,
                scanner=scanner,
                progress=progress,
                suppress=suppress,
                rules=ruleset.infos(),
            )
    return replace(result, extra={**result.extra, "engine": engine})


def _scan(
    git: Git,
    info: RepositoryInfo,
    options: ScanOptions,
    *,
    scanner: ChunkScanner,
    progress: ProgressCallback | None,
    suppress: Suppressor | None,
    rules: tuple[RuleInfo, ...],
) -> ScanResult:
    started = time.monotonic()
    warnings: list[str] = []
    head = head_commit(git)
    if info.shallow:
        cut = ", ".join(c[:12] for c in shallow_boundaries(git)) or "unknown"
        warnings.append(
            f"shallow clone: history before {cut} is not in this clone and was not scanned "
            "(run `git fetch --unshallow` to scan everything)"
        )
    # the history walk lists the blobs and says where each came from; rev-list otherwise, and
    # then a walk finds where the matched ones came from
    listed = None if options.include_unreachable else list_with_origins(git, options.max_blob_size)
    inventory, origins = listed or (
        take_inventory(
            git,
            include_unreachable=options.include_unreachable,
            max_blob_size=options.max_blob_size,
        ),
        None,
    )
    warnings += inventory.warnings
    if inventory.commit_count == 0 and not options.include_unreachable:
        warnings.append("empty repository: no commits to scan")
    hits: list[Hit] = []
    counts = ChunkResult()
    total = inventory.blob_count + inventory.commit_count
    with HistoryWalk(git) as walk:  # provenance for the matches: started with the first one
        for chunk in scanner.run(inventory):
            hits += chunk.hits
            if chunk.hits and origins is None:
                walk.start()
            counts = _add(counts, chunk)
            if progress is not None:
                elapsed = time.monotonic() - started
                progress(
                    ScanProgress(
                        counts.objects, total, counts.bytes, inventory.bytes_total, elapsed
                    )
                )
        if counts.lfs_pointers:
            warnings.append(
                f"{counts.lfs_pointers} Git LFS pointer file(s) scanned as text; the content "
                "they point to lives on the LFS server and was not scanned"
            )
        if head is not None:
            for link_path, commit in gitlinks_at_head(git):
                warnings.append(
                    f"submodule {link_path} (commit {commit[:12]}) not followed: "
                    "scan that repository separately"
                )
        name = display_name(info)
        by_id = {rule.id: rule for rule in rules}
        kept, suppressed = _unsuppressed(hits, suppress)
        all_skipped = inventory.skipped + counts.skipped
        # one history walk names both the matched blobs and the skipped ones
        wanted = {hit.oid for hit, _ in kept if hit.kind == "blob"}
        wanted |= {s.object_id for s in all_skipped if not s.path}
        if origins is not None:
            places = origins.introductions(git, wanted)
        else:
            places = introductions(git, wanted, walk)
    findings = _findings(git, hits, kept, places, name, rules_by_id=by_id)
    skipped = _name_skipped(all_skipped, places)
    stats = ScanStats(
        blobs_scanned=counts.blobs,
        bytes_scanned=counts.bytes,
        commits_seen=counts.commits,
        seconds=round(time.monotonic() - started, 3),
    )
    return ScanResult(
        repository=name,
        findings=findings,
        rules=rules,
        stats=stats,
        skipped=skipped,
        warnings=tuple(warnings),
        suppressed=suppressed,
        extra={"pool": "yes" if scanner.used_pool else "no"},
    )


def _add(total: ChunkResult, chunk: ChunkResult) -> ChunkResult:
    return ChunkResult(
        hits=(),
        objects=total.objects + chunk.objects,
        blobs=total.blobs + chunk.blobs,
        commits=total.commits + chunk.commits,
        bytes=total.bytes + chunk.bytes,
        lfs_pointers=total.lfs_pointers + chunk.lfs_pointers,
        skipped=total.skipped + chunk.skipped,
    )


def _unsuppressed(
    hits: list[Hit], suppress: Suppressor | None
) -> tuple[list[tuple[Hit, Match]], int]:
    """Matches the baseline does not know, and how many it knew."""
    suppressed = 0
    kept: list[tuple[Hit, Match]] = []
    for hit in hits:
        for match in hit.matches:
            if suppress is not None and suppress(match):
                suppressed += 1
            else:
                kept.append((hit, match))
    return kept, suppressed


def _findings(
    git: Git,
    hits: list[Hit],
    kept: list[tuple[Hit, Match]],
    introduced: dict[str, list[Provenance]],
    repository: str,
    *,
    rules_by_id: dict[str, RuleInfo],
) -> tuple[Finding, ...]:
    blobs = {hit.oid for hit, _ in kept if hit.kind == "blob"}
    commits = {hit.oid for hit, _ in kept if hit.kind != "blob"}
    # a token pasted into a commit message would otherwise show in every finding from that commit
    pasted = {m.secret for hit in hits if hit.kind != "blob" for m in hit.matches}
    places = {
        blob: [_scrubbed(p, pasted) for p in found]
        for blob, found in introduced.items()
        if blob in blobs
    }
    at_head = head_blobs(git) if blobs else frozenset()
    commit_places = commit_details(git, commits)
    tags = {hit.oid for hit, _ in kept if hit.kind == "tag"}
    introducing = sorted({p[0].commit for p in places.values() if p} | set(commit_places))
    refs = refs_for_commits(git, introducing)
    with ThreadPoolExecutor(max_workers=4) as threads:  # git walks side by side
        # an annotated tag lives in the refs that name it, not in every branch past its commit
        refs.update({tag: refs_pointing_at(git, tag) for tag in tags})
        ordered = sorted(commits)
        in_history = threads.map(partial(reachable_from_head, git), ordered)
        from_head = dict(zip(ordered, in_history, strict=True))

    findings: list[Finding] = []
    for hit, match in kept:
        if hit.kind != "blob":  # a commit's or an annotated tag's message
            place = commit_places.get(hit.oid)
            prov: tuple[Provenance, ...] = (_scrubbed(place, pasted),) if place else ()
            in_head = from_head[hit.oid]
            source = SourceKind.COMMIT_MESSAGE
        else:
            prov = tuple(places.get(hit.oid, ()))
            in_head = hit.oid in at_head
            source = SourceKind.BLOB
        findings.append(
            Finding(
                match=match,
                rule=rules_by_id.get(match.rule_id) or _unknown_rule(match.rule_id),
                source=source,
                object_id=hit.oid,
                repository=repository,
                provenance=prov,
                refs=refs.get(prov[0].commit, ()) if prov else (),
                in_head=in_head,
            )
        )
    return tuple(findings)


def _scrubbed(place: Provenance, secrets: set[str]) -> Provenance:
    summary = place.summary
    for secret in secrets:
        if secret in summary:
            summary = summary.replace(secret, redact(secret))
    return replace(place, summary=summary) if summary != place.summary else place


def _unknown_rule(rule_id: str) -> RuleInfo:
    return RuleInfo(rule_id, rule_id, "unknown", Severity.MEDIUM, "")


def _name_skipped(
    skipped: tuple[Skipped, ...], introduced: dict[str, list[Provenance]]
) -> tuple[Skipped, ...]:
    """Give skipped blobs the path they had where they were introduced."""
    named = []
    for item in skipped:
        first = introduced.get(item.object_id)
        named.append(replace(item, path=first[0].path) if first and not item.path else item)
    return tuple(named)
