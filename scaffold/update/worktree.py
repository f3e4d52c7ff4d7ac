"""The destination repository around an update: clean check, snapshot, exact rollback, conflicts.

The repository is clean before an update (we refuse otherwise), so its state is HEAD plus the
ignored files (.venv, build output). Rollback puts HEAD, the branch, the index and the work tree
back, deletes untracked files the update created, and deletes ignored entries that did not exist
before, while ignored entries that did exist (a .venv) are never touched.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import RepositoryError
from scaffold.update.gitcmd import git_out, run_git

_START_MARKER = re.compile(rb"^<{7}(?: |$)", re.MULTILINE)
_END_MARKER = re.compile(rb"^>{7}(?: |$)", re.MULTILINE)


@dataclass(frozen=True)
class Snapshot:
    """What an exact rollback needs: HEAD, its branch and the ignored entries that existed."""

    root: Path
    head: str
    branch: str | None
    ignored: frozenset[str]


def repo_root(path: Path) -> Path:
    """The top of the git work tree containing `path`, or RepositoryError."""
    if not path.is_dir():
        raise RepositoryError(f"{path} is not a directory")
    proc = run_git(path, "rev-parse", "--show-toplevel", check=False)
    if proc.returncode != 0:
        raise RepositoryError(f"{path} is not a git repository")
    return Path(proc.stdout.decode().strip())


def inside_git_work_tree(path: Path) -> bool:
    """Cheap check without running git (drift checks over many repositories): a `.git` above."""
    return any((parent / ".git").exists() for parent in (path.absolute(), *path.absolute().parents))


def _nul_list(root: Path, *args: str) -> list[str]:
    out = run_git(root, *args).stdout.decode(errors="surrogateescape")
    return [item for item in out.split("\0") if item]


def status_entries(root: Path) -> list[str]:
    """`git status --porcelain` entries (XY path), untracked files listed one by one."""
    return _nul_list(root, "status", "--porcelain=v1", "-z", "--untracked-files=all")


def require_clean(root: Path) -> None:
    """Refuse a repository with uncommitted changes or untracked files, or without commits."""
    if run_git(root, "rev-parse", "-q", "--verify", "HEAD", check=False).returncode != 0:
        raise RepositoryError(f"{root} has no commits yet; commit the generated project first")
    entries = status_entries(root)
    if entries:
        first = entries[0][3:]
        more = f" and {len(entries) - 1} more" if len(entries) > 1 else ""
        raise RepositoryError(
            f"{root} has uncommitted changes ({first}{more}); commit or stash them first"
        )


def ignored_entries(root: Path) -> frozenset[str]:
    """Ignored files, with wholly ignored directories collapsed to one entry (fast for .venv)."""
    return frozenset(
        _nul_list(
            root, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"
        )
    )


def take_snapshot(root: Path) -> Snapshot:
    head = git_out(root, "rev-parse", "HEAD")
    branch_proc = run_git(root, "symbolic-ref", "-q", "HEAD", check=False)
    branch = branch_proc.stdout.decode().strip() or None
    return Snapshot(root=root, head=head, branch=branch, ignored=ignored_entries(root))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def restore(snapshot: Snapshot) -> None:
    """Put the repository back exactly as it was when `snapshot` was taken."""
    root = snapshot.root
    if snapshot.branch:
        run_git(root, "symbolic-ref", "HEAD", snapshot.branch)
    run_git(root, "reset", "-q", "--hard", snapshot.head)
    run_git(root, "clean", "-q", "-f", "-d")
    for entry in sorted(ignored_entries(root) - snapshot.ignored, reverse=True):
        _remove(root / entry.rstrip("/"))


def changed_paths(root: Path) -> dict[str, str]:
    """Paths that differ from HEAD -> "A" (added or untracked), "D" (deleted) or "M"."""
    changes: dict[str, str] = {}
    skip_next = False
    for entry in status_entries(root):
        if skip_next:  # the source path of a rename
            skip_next = False
            continue
        code, rel = entry[:2], entry[3:]
        skip_next = code[0] in "RC"
        if code == "??" or "A" in code:
            changes[rel] = "A"
        elif "D" in code:
            changes[rel] = "D"
        else:
            changes[rel] = "M"
    return dict(sorted(changes.items()))


def has_conflict_markers(data: bytes) -> bool:
    return bool(_START_MARKER.search(data) and _END_MARKER.search(data))


def conflicted_paths(root: Path, candidates: list[str]) -> list[str]:
    """Candidates holding inline conflict markers, plus `.rej` files (tracked, new or ignored)."""
    found: set[str] = set()
    for rel in candidates:
        path = root / rel
        is_reject = rel.endswith(".rej")
        if is_reject or (
            path.is_file() and not path.is_symlink() and has_conflict_markers(path.read_bytes())
        ):
            found.add(rel)
    found.update(e for e in ignored_entries(root) if e.endswith(".rej"))
    return sorted(found)


def unresolved_conflicts(root: Path) -> list[str]:
    """Committed files with conflict markers or `.rej` files: a previous update left unresolved."""
    grep = run_git(
        root,
        "grep",
        "-l",
        "-z",
        "-I",
        "--all-match",
        "-E",
        "-e",
        "^<{7}( |$)",
        "-e",
        "^>{7}( |$)",
        check=False,
    )
    marked = [p for p in grep.stdout.decode(errors="surrogateescape").split("\0") if p]
    rejects = _nul_list(root, "ls-files", "-z", "--", "*.rej")
    ignored_rejects = [e for e in ignored_entries(root) if e.endswith(".rej")]
    return sorted({*marked, *rejects, *ignored_rejects})
