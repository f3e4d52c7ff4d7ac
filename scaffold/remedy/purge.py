"""`scaffold purge`: replace leaked secrets in every blob and message that holds them, safely.

plan_purge checks everything before anything changes (clean tree, full history, secrets
rotated, git-filter-repo present, every secret replaceable) and works out what the rewrite
reaches: the commits holding a secret, those after them and the refs leading there (reach.py);
nothing else changes. run_purge writes a bundle of every ref, lets git-filter-repo rewrite,
then proves the result: a rescan finds none of the purged fingerprints, the commit count is
the same, only the planned commits and refs changed, every other blob, path, author and
message is unchanged. A failed proof says how to restore from the bundle.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.remedy import history
from scaffold.remedy.git import user_git
from scaffold.remedy.history import Replacement
from scaffold.remedy.purgestate import PurgeRefused, check_clean, check_reach, limits, work_tree
from scaffold.remedy.reach import Reach
from scaffold.remedy.reach import compute as compute_reach
from scaffold.scan.model import Finding, Liveness, Verification

SHORT = 12  # fingerprint characters in a placeholder and in messages
MIN_PREFIX = 8


@dataclass(frozen=True)
class PurgeOptions:
    fingerprints: tuple[str, ...] = ()
    all_findings: bool = False
    i_have_rotated: bool = False
    accept_limits: bool = False  # go on although submodules or LFS content stay out of reach
    backup: Path | None = None
    datastore: Path | None = None
    baseline: Path | None = None  # for --all-findings: leave out what the baseline knows


@dataclass(frozen=True)
class Target:
    """One secret to replace, and where the scan saw it."""

    replacement: Replacement
    findings: tuple[Finding, ...]
    verification: Verification | None = None

    @property
    def fingerprint(self) -> str:
        return self.replacement.fingerprint

    @property
    def paths(self) -> tuple[str, ...]:
        from scaffold.report.common import scrub

        secret = self.replacement.secret.decode()
        return tuple(
            sorted({scrub(p.path, secret) for f in self.findings for p in f.provenance if p.path})
        )

    @property
    def messages(self) -> int:
        return sum(1 for f in self.findings if f.source != "blob")


@dataclass(frozen=True)
class PurgePlan:
    root: Path
    git_dir: Path
    targets: tuple[Target, ...]
    reach: Reach  # the commits and refs that change, and why; the rest stays as it is
    limits: tuple[str, ...]  # what purge cannot reach (accepted with --accept-limits)
    notes: tuple[str, ...] = ()
    blob_plan: history.BlobPlan | None = field(default=None, repr=False)
    commits: dict[str, history.Commit] = field(default_factory=dict, repr=False)

    @property
    def replacements(self) -> list[Replacement]:
        return sorted((t.replacement for t in self.targets), key=lambda r: -len(r.secret))

    @property
    def refs(self) -> tuple[str, ...]:
        """The refs that will be rewritten."""
        return self.reach.refs

    @property
    def signed_tags(self) -> tuple[str, ...]:
        """Signed tags among them, which will be re-created unsigned."""
        return self.reach.signed_tags


def placeholder(rule_id: str, fingerprint: str) -> str:
    return f"***REMOVED-{rule_id}-{fingerprint[:SHORT]}***"


def plan_purge(path: Path, options: PurgeOptions) -> PurgePlan:
    """Every precondition, in the order a user can fix them; raises before anything changes."""
    from scaffold.remedy.filterrepo import find_filter_repo

    if not options.fingerprints and not options.all_findings:
        raise UsageError("name the secrets to purge: --fingerprint FP (repeat) or --all-findings")
    root, git_dir = work_tree(path)
    git = user_git(root)
    check_clean(git, git_dir)
    find_filter_repo()
    findings = _scan(root)
    chosen = _choose(findings, options, root)
    verifications = _verifications(options.datastore, {f.fingerprint for f in chosen})
    targets = _targets(chosen, verifications)
    rotated = _rotated(options.datastore, targets)
    live = [
        t
        for t in targets
        if t.verification
        and t.verification.status is Liveness.LIVE
        and t.fingerprint not in rotated
    ]
    if live and not options.i_have_rotated:
        first = live[0]
        when = first.verification.checked_at if first.verification else ""
        raise PurgeRefused(
            f"{len(live)} secret(s) were live when last checked ({first.fingerprint[:SHORT]}, "
            f"{first.replacement.rule_id}, at {when}): rotate first "
            "(`scaffold rotate FINGERPRINT`), then record it with `scaffold rotate FINGERPRINT "
            "--mark-rotated` or pass --i-have-rotated"
        )
    found_limits = limits(git, root)
    if found_limits and not options.accept_limits:
        raise PurgeRefused(f"{found_limits[0]}; pass --accept-limits to purge the rest anyway")
    object_format = git.text("rev-parse", "--show-object-format") or "sha1"
    replacements = sorted((t.replacement for t in targets), key=lambda r: -len(r.secret))
    blob_plan = history.expected_blobs(git, replacements, object_format)
    _replaceable(targets, blob_plan)
    commits = history.commits(git)
    reach = compute_reach(
        git, commits, blob_plan.holding, replacements, history.signed_commits(git)
    )
    check_reach(reach)
    notes = []
    if reach.signed:
        notes.append(
            f"{reach.signed} of the {len(reach.rewritten)} commit(s) rewritten are signed: "
            "git-filter-repo cannot keep their signatures, so they are re-created unsigned "
            "(every other commit keeps its id and its signature)"
        )
    unverified = [t for t in targets if t.verification is None]
    if unverified and not options.i_have_rotated:
        notes.append(
            f"{len(unverified)} secret(s) were never checked with `scaffold scan --verify`: "
            "purging hides a secret, only rotating makes it harmless"
        )
    return PurgePlan(
        root=root,
        git_dir=git_dir,
        targets=tuple(targets),
        reach=reach,
        limits=tuple(found_limits),
        notes=tuple(notes),
        blob_plan=blob_plan,
        commits=commits,
    )


def _scan(root: Path) -> tuple[Finding, ...]:
    from scaffold.scan.engine import scan_repository
    from scaffold.scan.model import ScanOptions

    return scan_repository(root, ScanOptions()).findings


def _choose(findings: Sequence[Finding], options: PurgeOptions, root: Path) -> list[Finding]:
    if options.all_findings:
        chosen = list(findings)
        baseline = options.baseline
        if baseline is None:
            from scaffold.scan.model import DEFAULT_BASELINE

            default = root / DEFAULT_BASELINE
            baseline = default if default.is_file() else None
        if baseline is not None:
            from scaffold.scan.baseline import Baseline

            known = Baseline.load(baseline).suppresses
            chosen = [f for f in chosen if not known(f.match)]
        if not chosen:
            raise UsageError(f"{root}: the scan finds no secrets to purge")
        return chosen
    chosen = []
    for wanted in options.fingerprints:
        key = wanted.strip().lower()
        if len(key) < MIN_PREFIX or any(ch not in "0123456789abcdef" for ch in key):
            raise UsageError(f"{wanted!r} is not a fingerprint (at least {MIN_PREFIX} hex digits)")
        matching = [f for f in findings if f.fingerprint.startswith(key)]
        distinct = {f.fingerprint for f in matching}
        if not distinct:
            raise UsageError(
                f"no finding with fingerprint {key[:SHORT]} in {root} "
                "(`scaffold scan` lists each finding's fingerprint)"
            )
        if len(distinct) > 1:
            raise UsageError(f"fingerprint {key} is ambiguous here: give more digits")
        chosen += matching
    return chosen


def _verifications(datastore: Path | None, fingerprints: set[str]) -> dict[str, Verification]:
    from scaffold.remedy.records import Records, default_datastore

    path = datastore or default_datastore()
    if datastore is None and not path.exists():
        return {}
    with Records(path) as records:
        return records.verifications(fingerprints)


def _rotated(datastore: Path | None, targets: Sequence[Target]) -> set[str]:
    """Fingerprints recorded rotated (`scaffold rotate --mark-rotated`) after their last check."""
    from scaffold.remedy.records import Records, default_datastore

    path = datastore or default_datastore()
    if not path.exists():
        return set()
    done = set()
    with Records(path) as records:
        for target in targets:
            checked = target.verification.checked_at if target.verification else ""
            if any(
                r.action == "rotated" and r.at >= checked
                for r in records.remedies(target.fingerprint)
            ):
                done.add(target.fingerprint)
    return done


def _targets(chosen: Sequence[Finding], answers: dict[str, Verification]) -> list[Target]:
    by_secret: dict[str, list[Finding]] = {}
    for finding in chosen:
        by_secret.setdefault(finding.match.secret, []).append(finding)
    targets = []
    for secret, group in sorted(by_secret.items(), key=lambda item: item[1][0].fingerprint):
        first = min(group, key=lambda f: f.fingerprint)
        verification = next(
            (answers[f.fingerprint] for f in group if f.fingerprint in answers), None
        )
        replacement = Replacement(
            first.fingerprint,
            first.rule.id,
            secret.encode(),
            placeholder(first.rule.id, first.fingerprint).encode(),
        )
        targets.append(Target(replacement, tuple(group), verification))
    return targets


def _replaceable(targets: Sequence[Target], plan: history.BlobPlan) -> None:
    for oid, fingerprint in sorted(plan.binary.items()):
        raise PurgeRefused(
            f"secret {fingerprint[:SHORT]} is inside a binary file (blob {oid[:12]}), which "
            "git-filter-repo leaves as it is: remove that file from history instead "
            "(git filter-repo --invert-paths --path FILE)"
        )
    for target in targets:
        blob_findings = [f for f in target.findings if str(f.source) == "blob"]
        if blob_findings and target.fingerprint not in plan.found:
            raise PurgeRefused(
                f"secret {target.fingerprint[:SHORT]} ({target.replacement.rule_id}) is stored "
                "encoded, not as text, so replacing text cannot remove it"
            )


def backup_path(root: Path, given: Path | None) -> Path:
    if given is not None:
        return given
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return root.parent / f"{root.name}-before-purge-{stamp}.bundle"
