"""Where a purge may start: a work tree at rest, with nothing a rewrite would leave behind.

Each check raises PurgeRefused (one line, exit code 5) before anything changes: a shallow or
busy clone, uncommitted work, other work trees, a branch behind its origin counterpart, and
the places that hold a rewritten commit but that git-filter-repo leaves as they are (a detached
HEAD, the stash's entries). `limits` names what no rewrite of this repository can reach.
"""

from __future__ import annotations

from pathlib import Path

from scaffold.errors import EXIT_CHECK_FAILED, EXIT_REFUSED, ScaffoldError, UsageError
from scaffold.remedy import history
from scaffold.remedy.git import Git, lines, user_git
from scaffold.remedy.reach import Reach


class PurgeRefused(ScaffoldError):
    """A precondition does not hold; nothing was changed."""

    exit_code = EXIT_REFUSED


class PurgeCheckFailed(ScaffoldError):
    """History was rewritten but a check after it failed: the message says how to restore."""

    exit_code = EXIT_CHECK_FAILED


def work_tree(path: Path) -> tuple[Path, Path]:
    """The top of the work tree at `path` and its git directory (UsageError if it is not one)."""
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


def check_clean(git: Git, git_dir: Path) -> None:
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


def check_reach(reach: Reach) -> None:
    """Places that hold a rewritten commit but that git-filter-repo leaves as they are."""
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
    if not reach.refs:
        raise PurgeRefused("no ref reaches the secrets (they are only in unreachable objects)")


def limits(git: Git, root: Path) -> list[str]:
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
