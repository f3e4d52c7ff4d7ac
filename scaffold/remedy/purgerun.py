"""The purge itself, once plan_purge found every precondition met: back up, rewrite, prove.

git-filter-repo rewrites only the planned refs and the commits the secrets reach (its `--refs`
with `^<commit>` exclusions, see reach.py); the proof checks that exactly those commits and refs
changed and everything else kept its id.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from scaffold.remedy import history
from scaffold.remedy.filterrepo import find_filter_repo, replacements_file
from scaffold.remedy.git import Git, first_line, lines, user_git
from scaffold.remedy.purge import SHORT, PurgeOptions, PurgePlan
from scaffold.remedy.purgestate import PurgeCheckFailed, PurgeRefused
from scaffold.remedy.reach import STASH

# Never prune: a commit that only touched a secret stays, so the commit count cannot change.
# The refs to rewrite and their exclusions (plan.reach.filter_args()) come last.
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
    commits: int
    first_changed: tuple[str, ...]
    remotes: tuple[str, ...]
    baseline_removed: int
    datastore_removed: int
    datastore: Path | None
    earlier_run: Path | None = None  # where an earlier filter-repo run's records were moved
    left_in_store: int = 0  # blobs holding a purged secret still in the object store


def restore_hint(root: Path, bundle: Path) -> str:
    return (
        f"restore the original with: cd {root} && git fetch --force --update-head-ok "
        f"{bundle} '+refs/*:refs/*' && git reset --hard"
    )


def run_purge(plan: PurgePlan, options: PurgeOptions) -> PurgeResult:
    git = user_git(plan.root)
    tool = find_filter_repo()
    refs_before = ref_ids(git)
    if tuple((name, oid) for name, (oid, _) in refs_before.items()) != plan.reach.refs_seen:
        raise PurgeRefused("the repository's refs changed since the purge was planned: run again")
    bundle = _backup(git, plan, options)
    count_before = history.commit_count(git)
    commits_before = plan.commits or history.commits(git)
    earlier = _set_aside_earlier_run(plan.git_dir)
    replacements = plan.replacements
    with replacements_file((r.secret.decode(), r.placeholder.decode()) for r in replacements) as f:
        proc = tool.run(
            plan.root,
            [*FILTER_ARGS, "--replace-text", str(f), "--replace-message", str(f),
             *plan.reach.filter_args()],
        )  # fmt: skip
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
    refs_after = ref_ids(git)
    left = _clean_up(git, plan)
    baseline_removed = update_baseline(plan)
    datastore, removed = _update_datastore(plan, options, bundle)
    return PurgeResult(
        plan=plan,
        bundle=bundle,
        rewritten=tuple(
            (name, oid, refs_after[name][0])
            for name, (oid, _) in refs_before.items()
            if name in refs_after and refs_after[name][0] != oid
        ),
        commits=count_before,
        first_changed=_first_changed(plan.git_dir),
        remotes=tuple(lines(git, "remote")),
        baseline_removed=baseline_removed,
        datastore_removed=removed,
        datastore=datastore,
        earlier_run=earlier,
        left_in_store=left,
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


def ref_ids(git: Git) -> dict[str, tuple[str, str]]:
    """ref -> (the object it names, the commit it leads to), symbolic refs aside."""
    out = git.output(
        "for-each-ref", "--format=%(refname)%00%(objectname)%00%(*objectname)%00%(symref)"
    )
    found = {}
    for line in out.splitlines():
        name, oid, target, symref = line.decode("utf-8", "surrogateescape").split("\0")
        if not symref:
            found[name] = (oid, target or oid)
    return found


def _set_aside_earlier_run(git_dir: Path) -> Path | None:
    """Move an earlier git-filter-repo run's records away: filter-repo would take this run for
    its continuation (merging their commit maps), or stop to ask when it is a day old."""
    earlier = git_dir / "filter-repo"
    if not earlier.exists():
        return None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    moved = git_dir / f"filter-repo-before-{stamp}"
    earlier.rename(moved)
    return moved


def _prove(
    git: Git,
    plan: PurgePlan,
    refs_before: dict[str, tuple[str, str]],
    count_before: int,
    commits_before: dict[str, history.Commit],
) -> list[str]:
    problems: list[str] = []
    count_after = history.commit_count(git)
    if count_after != count_before:
        problems.append(f"{count_before} commits before, {count_after} after")
    renamed = history.commit_map(plan.git_dir)
    changed = {old for old, new in renamed.items() if old != new}
    if changed - plan.reach.rewritten:
        problems.append(
            f"{len(changed - plan.reach.rewritten)} commit(s) outside the secrets' reach changed"
        )
    if plan.reach.rewritten - changed:
        problems.append(
            f"{len(plan.reach.rewritten - changed)} commit(s) to rewrite did not change"
        )
    problems += _prove_refs(plan, refs_before, ref_ids(git), renamed)
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


def _prove_refs(
    plan: PurgePlan,
    before: dict[str, tuple[str, str]],
    after: dict[str, tuple[str, str]],
    renamed: dict[str, str],
) -> list[str]:
    """The planned refs changed and lead to their rewritten commits; every other ref is as it
    was, to the object (a signed tag keeps its signature)."""
    problems = [f"{name} appeared" for name in sorted(set(after) - set(before))]
    planned = set(plan.reach.refs)
    for name, (oid, peeled) in sorted(before.items()):
        now = after.get(name)
        if now is None:
            problems.append(f"{name} is gone")
        elif name not in planned:
            if now != (oid, peeled):
                problems.append(f"{name} changed, although it reaches no purged secret")
        elif now[0] == oid:
            problems.append(f"{name} was not rewritten")
        elif now[1] != renamed.get(peeled, peeled):
            problems.append(f"{name} points somewhere else than its rewritten commit")
    return problems


def _clean_up(git: Git, plan: PurgePlan) -> int:
    """What filter-repo does after a full rewrite and not after one limited to some refs: drop
    the reflogs (they still lead to the old commits) and the objects nothing reaches any more.
    The stash's reflog is its list of entries: those are stored back as they were (none of them
    is built on a rewritten commit). Returns how many blobs holding a purged secret are still
    in the object store."""
    stash = []
    if git.run("rev-parse", "--verify", "-q", STASH, check=False).returncode == 0:
        listed = git.output("reflog", "show", "--no-show-signature", "--format=%H%x00%gs", STASH)
        stash = [line.split(b"\0", 1) for line in listed.splitlines() if b"\0" in line]
    git.run("reflog", "expire", "--expire=now", "--expire-unreachable=now", "--all")
    if stash:
        git.run("update-ref", "-d", STASH)
        for oid, subject in reversed(stash):
            message = subject.decode("utf-8", "surrogateescape")
            git.run("stash", "store", "-q", "-m", message, oid.decode())
    git.run("gc", "--quiet", "--prune=now")
    blob_plan = plan.blob_plan
    held = sorted(blob_plan.holding) if blob_plan else []
    if not held:
        return 0
    out = git.output("cat-file", "--batch-check", input="".join(f"{o}\n" for o in held).encode())
    return sum(1 for line in out.splitlines() if not line.endswith(b" missing"))


def _rescan(plan: PurgePlan) -> list[str]:
    from scaffold.scan.engine import scan_repository
    from scaffold.scan.model import ScanOptions

    purged = {t.fingerprint for t in plan.targets}
    found = {f.fingerprint for f in scan_repository(plan.root, ScanOptions()).findings}
    return sorted(found & purged)


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
