"""The purge itself, once plan_purge found every precondition met: back up, rewrite, prove."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from scaffold.remedy import history
from scaffold.remedy.filterrepo import find_filter_repo, replacements_file
from scaffold.remedy.git import Git, first_line, lines, user_git
from scaffold.remedy.purge import SHORT, PurgeCheckFailed, PurgeOptions, PurgePlan, PurgeRefused

# Never prune: a commit that only touched a secret stays, so the commit count cannot change.
FILTER_ARGS = (
    "--force",  # our own bundle of every ref replaces filter-repo's fresh-clone check
    "--sensitive-data-removal",
    "--no-fetch",  # a fetch would overwrite local branches with the remote's
    "--prune-empty",
    "never",
    "--prune-degenerate",
    "never",
)


@dataclass(frozen=True)
class PurgeResult:
    plan: PurgePlan
    bundle: Path
    rewritten: tuple[tuple[str, str, str], ...]  # (ref, old id, new id), refs whose id changed
    migrated: tuple[str, ...]  # remote-tracking branches filter-repo turned into local ones
    commits: int
    first_changed: tuple[str, ...]
    remotes: tuple[str, ...]
    baseline_removed: int
    datastore_removed: int
    datastore: Path | None


def restore_hint(root: Path, bundle: Path) -> str:
    return (
        f"restore the original with: cd {root} && git fetch --force --update-head-ok "
        f"{bundle} '+refs/*:refs/*' && git reset --hard"
    )


def run_purge(plan: PurgePlan, options: PurgeOptions) -> PurgeResult:
    git = user_git(plan.root)
    tool = find_filter_repo()
    bundle = _backup(git, plan, options)
    refs_before = _peeled(git)
    count_before = history.commit_count(git)
    commits_before = history.commits(git)
    replacements = plan.replacements
    with replacements_file((r.secret.decode(), r.placeholder.decode()) for r in replacements) as f:
        proc = tool.run(
            plan.root, [*FILTER_ARGS, "--replace-text", str(f), "--replace-message", str(f)]
        )
    if proc.returncode != 0:
        reason = _scrub(first_line(proc.stderr or proc.stdout), plan)
        raise PurgeCheckFailed(
            f"git-filter-repo failed ({reason}); {restore_hint(plan.root, bundle)}"
        )
    problems = _prove(git, plan, refs_before, count_before, commits_before)
    if problems:
        raise PurgeCheckFailed(
            f"the rewrite did not check out: {problems[0]}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
            + f"; {restore_hint(plan.root, bundle)}"
        )
    refs_after = _peeled(git)
    rewritten, migrated = _changes(refs_before, refs_after)
    baseline_removed = update_baseline(plan)
    datastore, removed = _update_datastore(plan, options, bundle)
    return PurgeResult(
        plan=plan,
        bundle=bundle,
        rewritten=rewritten,
        migrated=migrated,
        commits=count_before,
        first_changed=_first_changed(plan.git_dir),
        remotes=tuple(lines(git, "remote")),
        baseline_removed=baseline_removed,
        datastore_removed=removed,
        datastore=datastore,
    )


def _backup(git: Git, plan: PurgePlan, options: PurgeOptions) -> Path:
    from scaffold.remedy.purge import backup_path

    bundle = backup_path(plan.root, options.backup).absolute()
    if bundle.exists():
        raise PurgeRefused(f"{bundle} already exists: choose another --backup")
    if not bundle.parent.is_dir():
        raise PurgeRefused(f"{bundle.parent}: no such directory for the backup")
    git.run("bundle", "create", "-q", str(bundle), "--all")
    git.run("bundle", "verify", "-q", str(bundle))
    return bundle


def _peeled(git: Git) -> dict[str, str]:
    """ref -> the commit it names (an annotated tag: its target)."""
    out = git.output("for-each-ref", "--format=%(refname)%00%(objectname)%00%(*objectname)")
    peeled = {}
    for line in out.splitlines():
        name, oid, target = line.decode("utf-8", "surrogateescape").split("\0")
        peeled[name] = target or oid
    return peeled


def _prove(
    git: Git,
    plan: PurgePlan,
    refs_before: dict[str, str],
    count_before: int,
    commits_before: dict[str, history.Commit],
) -> list[str]:
    problems: list[str] = []
    count_after = history.commit_count(git)
    if count_after != count_before:
        problems.append(f"{count_before} commits before, {count_after} after")
    renamed = history.commit_map(plan.git_dir)
    refs_after = _peeled(git)
    for name, oid in sorted(refs_before.items()):
        if name == "refs/remotes/origin/HEAD":
            continue
        twin = name if name in refs_after else _migrated_name(name)
        if twin not in refs_after:
            problems.append(f"{name} is gone")
        elif refs_after[twin] != renamed.get(oid, oid):
            problems.append(f"{name} points somewhere else than its rewritten commit")
    blob_plan = plan.blob_plan
    assert blob_plan is not None
    expected = {blob_plan.mapping.get(oid, oid) for oid in blob_plan.before}
    after = history.reachable_blobs(git)
    if after != expected:
        problems.append(f"{len(after ^ expected)} blob(s) differ from the expected rewrite")
    problems += history.compare(
        commits_before, history.commits(git), renamed, blob_plan.mapping, plan.replacements
    )
    left = _rescan(plan)
    if left:
        problems.insert(0, f"a rescan still finds {len(left)} purged secret(s): {left[0][:SHORT]}")
    return problems


def _migrated_name(ref: str) -> str:
    return "refs/heads/" + ref.removeprefix("refs/remotes/origin/")


def _rescan(plan: PurgePlan) -> list[str]:
    from scaffold.scan.engine import scan_repository
    from scaffold.scan.model import ScanOptions

    purged = {t.fingerprint for t in plan.targets}
    found = {f.fingerprint for f in scan_repository(plan.root, ScanOptions()).findings}
    return sorted(found & purged)


def _changes(
    before: dict[str, str], after: dict[str, str]
) -> tuple[tuple[tuple[str, str, str], ...], tuple[str, ...]]:
    rewritten = []
    migrated = []
    for name, old in sorted(before.items()):
        twin = name
        if name not in after and name.startswith("refs/remotes/origin/"):
            twin = _migrated_name(name)
            if twin in after and twin not in before:
                migrated.append(twin)
        new = after.get(twin)
        if new is not None and new != old and not twin.startswith("refs/remotes/"):
            rewritten.append((twin, old, new))
    unique = {ref: (ref, old, new) for ref, old, new in rewritten}
    return tuple(unique[r] for r in sorted(unique)), tuple(sorted(set(migrated)))


def _first_changed(git_dir: Path) -> tuple[str, ...]:
    path = git_dir / "filter-repo" / "first-changed-commits"
    try:
        return tuple(
            " -> ".join(line.split()) for line in path.read_text().splitlines() if line.strip()
        )
    except OSError:
        return ()


def _scrub(text: str, plan: PurgePlan) -> str:
    for target in plan.targets:
        text = text.replace(target.replacement.secret.decode(), "[secret]")
    return text


def update_baseline(plan: PurgePlan) -> int:
    """Drop the purged secrets' entries from the work tree's .secrets.baseline."""
    from scaffold.scan.baseline import hash_secret
    from scaffold.scan.model import DEFAULT_BASELINE

    path = plan.root / DEFAULT_BASELINE
    if not path.is_file():
        return 0
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, dict):
        return 0
    gone = {hash_secret(t.replacement.secret.decode()) for t in plan.targets}
    removed = 0
    for filename in list(results):
        entries = results[filename]
        if not isinstance(entries, list):
            continue
        kept = [e for e in entries if not (isinstance(e, dict) and e.get("hashed_secret") in gone)]
        removed += len(entries) - len(kept)
        if kept:
            results[filename] = kept
        else:
            del results[filename]
    if removed:
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return removed


def _update_datastore(
    plan: PurgePlan, options: PurgeOptions, bundle: Path
) -> tuple[Path | None, int]:
    from scaffold.remedy.records import Records, Remedy, default_datastore
    from scaffold.verify.run import _iso_now

    path = options.datastore or default_datastore()
    now = _iso_now()
    with Records(path) as records:
        removed = records.forget_findings([t.fingerprint for t in plan.targets], plan.root)
        records.record(
            Remedy(t.fingerprint, "purged", now, f"history rewritten; backup {bundle}")
            for t in plan.targets
        )
    return path, removed
