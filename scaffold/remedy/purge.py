"""`scaffold purge`: replace leaked secrets in every blob and message of every ref, safely.

plan_purge checks everything before anything changes (clean tree, full history, secrets
rotated, git-filter-repo present, every secret replaceable); run_purge writes a bundle of every
ref, lets git-filter-repo rewrite, then proves the result: a rescan finds none of the purged
fingerprints, the commit count is the same, every other blob, path, author and message is
unchanged. A failed proof says how to restore from the bundle.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scaffold.errors import EXIT_CHECK_FAILED, EXIT_REFUSED, ScaffoldError, UsageError
from scaffold.remedy import history
from scaffold.remedy.git import Git, lines, user_git
from scaffold.remedy.history import Replacement
from scaffold.remedy.reach import Reach
from scaffold.remedy.reach import compute as compute_reach
from scaffold.scan.model import Finding, Liveness, Verification

SHORT = 12  # fingerprint characters in a placeholder and in messages
MIN_PREFIX = 8


class PurgeRefused(ScaffoldError):
    """A precondition does not hold; nothing was changed."""

    exit_code = EXIT_REFUSED


class PurgeCheckFailed(ScaffoldError):
    """History was rewritten but a check after it failed: the message says how to restore."""

    exit_code = EXIT_CHECK_FAILED


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
    root, git_dir = _repository(path)
    git = user_git(root)
    _clean_state(git, git_dir)
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
    limits = _limits(git, root)
    if limits and not options.accept_limits:
        raise PurgeRefused(f"{limits[0]}; pass --accept-limits to purge the rest anyway")
    object_format = git.text("rev-parse", "--show-object-format") or "sha1"
    replacements = sorted((t.replacement for t in targets), key=lambda r: -len(r.secret))
    blob_plan = history.expected_blobs(git, replacements, object_format)
    _replaceable(targets, blob_plan)
    commits = history.commits(git)
    reach = compute_reach(
        git, commits, blob_plan.holding, replacements, history.signed_commits(git)
    )
    _untouched_places(reach)
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
        limits=tuple(limits),
        notes=tuple(notes),
        blob_plan=blob_plan,
        commits=commits,
    )


def _untouched_places(reach: Reach) -> None:
    """Places that hold a rewritten commit but that filter-repo leaves as they are."""
    if not reach.refs:
        raise PurgeRefused("no ref reaches the secrets (they are only in unreachable objects)")
    if reach.detached:
        raise PurgeRefused(
            "HEAD is detached at a commit holding a purged secret (or built on one): "
            "check out a branch first"
        )
    if reach.stash:
        entry = f"stash@{{{reach.stash[0]}}}"
        raise PurgeRefused(
            f"{entry} holds a purged secret (or is built on a commit that does), and purge "
            f"leaves the stash as it is: `git stash pop` and commit it, or `git stash drop "
            f"{entry}`, first"
        )


def _repository(path: Path) -> tuple[Path, Path]:
    if not path.is_dir():
        raise UsageError(f"{path}: not a directory")
    git = user_git(path)
    probe = git.run("rev-parse", "--show-toplevel", "--absolute-git-dir", check=False)
    lines = probe.stdout.decode("utf-8", "surrogateescape").splitlines()
    if probe.returncode != 0 or len(lines) != 2:
        bare = git.run("rev-parse", "--is-bare-repository", check=False).stdout.strip()
        if bare == b"true":
            raise UsageError(f"{path}: a bare repository; purge works in a clone with a work tree")
        raise UsageError(f"{path}: not a git work tree")
    root = Path(lines[0])
    if root.resolve() != path.resolve():
        raise UsageError(f"{path}: not the top of the work tree (that is {root})")
    return root, Path(lines[1])


def _clean_state(git: Git, git_dir: Path) -> None:
    if git.text("rev-parse", "--is-shallow-repository") == "true":
        raise PurgeRefused(
            "shallow clone: the history before its cut is not here, so purge cannot reach it "
            "(run `git fetch --unshallow` first)"
        )
    dirty = lines(git, "status", "--porcelain", "--untracked-files=no")
    if dirty:
        raise PurgeRefused(
            f"the work tree has {len(dirty)} uncommitted change(s): commit or stash them first"
        )
    for marker, what in (
        ("MERGE_HEAD", "a merge"),
        ("rebase-merge", "a rebase"),
        ("rebase-apply", "a rebase"),
        ("CHERRY_PICK_HEAD", "a cherry-pick"),
        ("REVERT_HEAD", "a revert"),
    ):
        if (git_dir / marker).exists():
            raise PurgeRefused(f"{what} is in progress: finish or abort it first")
    worktrees = [
        line
        for line in lines(git, "worktree", "list", "--porcelain")
        if line.startswith("worktree ")
    ]
    if len(worktrees) > 1:
        raise PurgeRefused(
            f"{len(worktrees) - 1} other work tree(s) share this repository (git worktree list): "
            "remove them first, their checkouts would not follow the rewrite"
        )
    remote_refs = history.refs(git)
    for name, oid in sorted(remote_refs.items()):
        if not name.startswith("refs/remotes/origin/") or name.endswith("/HEAD"):
            continue
        local = "refs/heads/" + name.removeprefix("refs/remotes/origin/")
        mine = remote_refs.get(local)
        if mine is None or mine == oid:
            continue
        merged = git.run("merge-base", "--is-ancestor", oid, mine, check=False).returncode == 0
        if not merged:
            branch = local.removeprefix("refs/heads/")
            raise PurgeRefused(
                f"branch {branch} lacks commits of origin/{branch}: pull (or reset) it first, "
                "or the rewrite would drop them"
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


def _limits(git: Git, root: Path) -> list[str]:
    """What a rewrite of this repository cannot reach."""
    limits = []
    tree = git.output("ls-tree", "-r", "-z", "--full-tree", "HEAD") if _has_head(git) else b""
    links = [
        e.split(b"\t", 1)[1].decode("utf-8", "replace")
        for e in tree.split(b"\0")
        if e.startswith(b"160000 ")
    ]
    for link in links:
        limits.append(
            f"submodule {link} is a repository of its own that purge cannot reach "
            "(scan and purge it separately)"
        )
    attributes = root / ".gitattributes"
    lfs = attributes.is_file() and "filter=lfs" in attributes.read_text(
        encoding="utf-8", errors="replace"
    )
    if lfs or (
        git.run("rev-parse", "--git-path", "lfs", check=False).returncode == 0
        and (root / ".git" / "lfs").is_dir()
    ):
        limits.append(
            "Git LFS: files stored on the LFS server are not in git history, so purge cannot "
            "rewrite them (delete them on the server)"
        )
    return limits


def _has_head(git: Git) -> bool:
    return git.run("rev-parse", "--verify", "-q", "HEAD", check=False).returncode == 0


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
