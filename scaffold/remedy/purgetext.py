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
    lines.append(f"Refs whose history would be rewritten: {_listing(plan.refs) or 'none found'}")
    lines += [f"note: {note}" for note in plan.notes]
    lines += [f"limit: {limit}" for limit in plan.limits]
    if plan.signed_tags:
        lines.append(
            f"note: {len(plan.signed_tags)} signed tag(s) would be re-created unsigned: "
            f"{_listing(plan.signed_tags)}"
        )
    lines.append("Run again without --dry-run to back up every ref and rewrite.")
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
    lines.append(
        f"Checked: a rescan finds none of them; {result.commits} commits before and after; "
        "every other blob, path, author, date and message unchanged."
    )
    if plan.signed_tags:
        lines.append(
            f"note: {len(plan.signed_tags)} signed tag(s) were re-created unsigned here: "
            f"{_listing(plan.signed_tags)}. Sign the pushed ones again (`git tag -s -f TAG "
            "TAG^{}`); the others need no push, and `git fetch --force origin 'refs/tags/*:refs/"
            "tags/*'` after the push brings their signed copies back."
        )
    if result.migrated:
        lines.append(
            "note: git-filter-repo turned remote-tracking branches into local branches: "
            + _listing(tuple(r.removeprefix("refs/heads/") for r in result.migrated))
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


def push_commands(result: PurgeResult) -> list[str]:
    if not result.rewritten:
        return ["No ref changed: nothing to push."]
    remote = "origin" if "origin" in result.remotes or not result.remotes else result.remotes[0]
    lines = [f"Force-push every rewritten ref ({len(result.rewritten)}) to {remote}:"]
    if not result.remotes:
        lines[0] = lines[0][:-1] + " (no remote is configured here: put yours instead):"
    for ref, _old, _new in result.rewritten:
        lines.append(f"  git push --force {shlex.quote(remote)} {shlex.quote(f'{ref}:{ref}')}")
    lines.append(f"  git fetch {shlex.quote(remote)}  # then: remote-tracking branches come back")
    return lines


def _listing(items: tuple[str, ...]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    rest = len(items) - MAX_LISTED
    return f"{shown} and {rest} more" if rest > 0 else shown
