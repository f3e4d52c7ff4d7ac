"""The history check's one door into the secret scan: `scaffold scan`'s organisation run.

Every audit goes through scan_histories(), which runs the scan engine over the repositories
with a datastore, so a repository whose refs have not moved is not rescanned, and content seen
clean before is not matched again. When the scan API changes, this is the one place to follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffold.org.targets import RepoTarget


@dataclass(frozen=True)
class HistoryHit:
    fingerprint: str  # rule + secret, hashed: the same secret in many blobs is one secret
    rule: str
    path: str
    line: int
    commit: str
    in_head: bool


@dataclass(frozen=True)
class HistoryOutcome:
    hits: tuple[HistoryHit, ...] = ()
    error: str = ""  # the repository could not be scanned
    status: str = ""  # "scanned" or "unchanged"
    blobs_scanned: int = 0


def default_datastore() -> Path:
    from scaffold.paths import cache_root

    return cache_root() / "audit" / "history.db"


def scan_histories(
    targets: Sequence[RepoTarget],
    *,
    datastore: Path | None = None,
    baseline: Path | None = None,
    jobs: int = 0,
    cache_dir: Path | None = None,
) -> dict[str, HistoryOutcome]:
    """identity -> what the whole-history scan found (no secrets: rule, place, commit)."""
    from scaffold.org.run import OrgOptions, scan_organisation

    store = datastore or default_datastore()
    store.parent.mkdir(parents=True, exist_ok=True)
    run = scan_organisation(
        targets, OrgOptions(datastore=store, cache_dir=cache_dir, baseline=baseline, jobs=jobs)
    )
    by_display = {r.repository: r for r in run.results}
    found: dict[str, HistoryOutcome] = {}
    for outcome in run.outcomes:
        target = outcome.target
        if outcome.status == "failed":
            found[target.identity] = HistoryOutcome(error=outcome.error, status="failed")
            continue
        result = by_display.get(target.display)
        hits = tuple(
            HistoryHit(
                f.fingerprint,
                f.rule.id,
                f.first.path
                if f.first and f.first.path
                else f"commit {f.object_id[:12]} (message)",
                f.match.line,
                f.first.commit[:12] if f.first else f.object_id[:12],
                f.in_head,
            )
            for f in (result.findings if result else ())
        )
        found[target.identity] = HistoryOutcome(hits, "", outcome.status, outcome.contents_scanned)
    return found
