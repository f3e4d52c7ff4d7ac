"""What `scaffold purge` prints: the plan (--dry-run), then what changed and what is left to do."""

from __future__ import annotations

import shlex

from scaffold.remedy.purge import SHORT, PurgePlan
from scaffold.remedy.purgerun import PurgeResult, restore_hint
from scaffold.scan.model import redact

MAX_LISTED = 8

HOST_STEPS = (
    "Protected branches refuse force pushes: allow them for the push, then protect the branch "
    "again (GitHub: Settings > Branches or Rules; GitLab: Settings > Repository > Protected "
    "branches).",
    "The host still serves the old commits by id (cached views, pull/merge request refs, "
    "comments). GitHub: ask GitHub Support to remove cached views and pull request refs, giving "
    "the first changed commits below; GitLab: run Settings > Repository > Repository cleanup "
    "with filter-repo's commit-map ({commit_map}), then housekeeping.",
    "Forks and clones keep the secret: ask fork owners to delete or rewrite their forks, and "
    "every collaborator to re-clone (a pull would merge the old history back in).",
    "CI caches, artifacts and mirrors may hold old checkouts: clear them.",
    "Commit the updated .secrets.baseline, if purge changed it, once the push is done.",
)


def render_plan(plan: PurgePlan) -> list[str]:
    lines = [f"Purge plan for {plan.root} (dry run: nothing changed)"]
    lines += _targets(plan, "to replace")
    lines += scope(plan, done=False)
    lines += [f"note: {note}" for note in plan.notes]
    lines += [f"limit: {limit}" for limit in plan.limits]
    if plan.signed_tags:
        lines.append(
            f"note: {len(plan.signed_tags)} signed tag(s) would be re-created unsigned: "
            f"{_listing(plan.signed_tags)}"
        )
    lines.append("Run again without --dry-run to back up every ref and rewrite.")
    return lines


def scope(plan: PurgePlan, *, done: bool) -> list[str]:
    """Which commits and refs change and why, and what stays as it is."""
    reach = plan.reach
    rewritten, total = len(reach.rewritten), len(plan.commits)
    verb, keep = ("were rewritten", "kept") if done else ("will be rewritten", "keep")
    lines = [
        f"{rewritten} of {total} commit(s) {verb}: those holding a secret and every commit "
        f"after them; the other {total - rewritten} {keep} their ids and signatures.",
        f"{len(reach.changes)} ref(s) {'changed' if done else 'will change'}:",
    ]
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for change in reach.changes:
        groups.setdefault((change.reaches, change.in_message), []).append(change.name)
    for (reaches, in_message), names in groups.items():
        why = []
        for fp in reaches:
            writers = reach.writers[fp]
            more = f" and {len(writers) - 1} more" if len(writers) > 1 else ""
            why.append(
                f"its history holds {fp[:SHORT]} (added in commit {writers[0][:SHORT]}{more})"
            )
        why += [f"its tag message holds {fp[:SHORT]}" for fp in in_message]
        lines.append(f"  {_listing(tuple(names))}: {'; '.join(why)}")
    if reach.kept:
        lines.append(
            f"{len(reach.kept)} ref(s) {'stayed' if done else 'stay'} as they are (no purged "
            f"secret in their history): {_listing(reach.kept)}"
        )
    return lines


def _targets(plan: PurgePlan, done: str) -> list[str]:
    lines = []
    for target in plan.targets:
        replacement = target.replacement
        state = (
            f"{target.verification.status} at {target.verification.checked_at}"
            if target.verification
            else "never verified"
        )
        places = _listing(target.paths)
        if target.messages:
            places += f"{', ' if places else ''}{target.messages} commit/tag message(s)"
        lines.append(
            f"  {target.fingerprint[:SHORT]}  {replacement.rule_id}  "
            f"{redact(replacement.secret.decode())}  ({state})"
        )
        lines.append(f"      in {places or 'history'}")
        lines.append(f"      becomes {replacement.placeholder.decode()}")
    return [f"{len(plan.targets)} secret(s) {done}:", *lines]


def render_result(result: PurgeResult) -> list[str]:
    plan = result.plan
    lines = [f"Backup of every ref: {result.bundle}", f"({restore_hint(plan.root, result.bundle)})"]
    lines += _targets(plan, "replaced")
    lines += scope(plan, done=True)
    lines.append(
        f"Checked: a rescan finds none of them; {result.commits} commits before and after; "
        "only those commits and refs changed; every other blob, path, author, date and message "
        "unchanged."
    )
    if plan.signed_tags:
        lines.append(
            f"note: {len(plan.signed_tags)} signed tag(s) were re-created unsigned: "
            f"{_listing(plan.signed_tags)}. Sign them again before pushing (`git tag -s -f -m "
            "MESSAGE TAG TAG^{}`)."
        )
    if result.left_in_store:
        lines.append(
            f"note: {result.left_in_store} blob(s) holding a purged secret are still in this "
            "clone's object store (a kept pack or an alternate holds them); no ref reaches them, "
            "so a push does not send them"
        )
    if result.earlier_run is not None:
        lines.append(
            f"An earlier git-filter-repo run's records were moved to {result.earlier_run}."
        )
    if result.baseline_removed:
        lines.append(f"Removed {result.baseline_removed} entry(ies) from .secrets.baseline.")
    if result.datastore is not None:
        lines.append(
            f"Datastore {result.datastore}: purge recorded, {result.datastore_removed} stored "
            "finding(s) removed."
        )
    lines.append("")
    lines += push_commands(result)
    lines.append("")
    lines.append("Then, on the host and with everyone who has a copy:")
    commit_map = plan.git_dir / "filter-repo" / "commit-map"
    for number, step in enumerate(HOST_STEPS, start=1):
        lines.append(f"  {number}. {step.format(commit_map=commit_map)}")
    if result.first_changed:
        lines.append("  First changed commits (old -> new), for the host's support:")
        lines += [f"    {pair}" for pair in result.first_changed]
    return lines


HOST_ONLY = ("refs/pull/", "refs/merge-requests/")  # the host writes these; nobody can push them


def push_commands(result: PurgeResult) -> list[str]:
    if not result.rewritten:
        return ["No ref changed: nothing to push."]
    remote = "origin" if "origin" in result.remotes or not result.remotes else result.remotes[0]
    names = {ref for ref, _old, _new in result.rewritten}
    pushes: list[tuple[str, str, str]] = []  # remote, refspec, comment
    host_only = []
    for ref in sorted(names):
        if ref.startswith(HOST_ONLY):
            host_only.append(ref)
            continue
        tracking = _tracking(ref, result.remotes)
        if tracking is None:
            pushes.append((remote, f"{ref}:{ref}", ""))
            continue
        owner, branch = tracking
        if owner == remote and f"refs/heads/{branch}" in names:
            continue  # the local branch holds it, rewritten: its push covers this one
        pushes.append(
            (owner, f"{ref}:refs/heads/{branch}", "  # remote-tracking: only if it is still there")
        )
    lines = [f"Force-push every rewritten ref ({len(pushes)}):"]
    if not result.remotes:
        lines[0] = lines[0][:-1] + " (no remote is configured here: put yours instead):"
    for owner, refspec, comment in pushes:
        lines.append(f"  git push --force {shlex.quote(owner)} {shlex.quote(refspec)}{comment}")
    if host_only:
        lines.append(
            "The host's own refs were rewritten here but cannot be pushed: "
            f"{_listing(tuple(host_only))} (step 2 below removes them on the host)."
        )
    return lines


def _tracking(ref: str, remotes: tuple[str, ...]) -> tuple[str, str] | None:
    """(remote, branch) of a remote-tracking ref, or None."""
    rest = ref.removeprefix("refs/remotes/")
    if rest == ref:
        return None
    owner = max((r for r in remotes if rest.startswith(f"{r}/")), key=len, default="")
    if not owner:
        owner, _, _ = rest.partition("/")
    return owner, rest.removeprefix(f"{owner}/")


def _listing(items: tuple[str, ...]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    rest = len(items) - MAX_LISTED
    return f"{shown} and {rest} more" if rest > 0 else shown
