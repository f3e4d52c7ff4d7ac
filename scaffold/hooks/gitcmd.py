"""Plumbing-only git calls for the commit hooks, through scaffold.gitexec."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from scaffold.errors import RepositoryError
from scaffold.gitexec import Git

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's well-known empty tree id
GITLINK_MODE = "160000"  # a submodule: nothing of ours to read
SYMLINK_MODE = "120000"  # the blob is a link target, not file content


def run_git(cwd: Path, *args: str, input_bytes: bytes = b"", check: bool = True) -> bytes:
    """Run one git plumbing command and return its stdout (through gitexec's ISOLATED policy,
    keeping the index and object locations git hands to its hooks)."""
    with Git(cwd, hook_env=True) as git:
        return git.run(*args, input=input_bytes, check=check).stdout


@functools.lru_cache(maxsize=16)  # the hook asks twice; each git start costs ~5 ms
def repository_root(start: Path) -> Path:
    """The top of the work tree containing `start`, or one clear error outside a repository."""
    if not start.exists():
        raise RepositoryError(f"{start} does not exist")
    with Git(start, hook_env=True) as git:
        proc = git.run("rev-parse", "--show-toplevel", check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RepositoryError(f"{start} is not inside a git work tree")
    return Path(os.fsdecode(proc.stdout.rstrip(b"\n")))


def resolve_commit(repo: Path, ref: str) -> str:
    """Full id of the commit `ref` names, or one clear error."""
    out = run_git(
        repo,
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        f"{ref}^{{commit}}",
        check=False,
    )
    sha = out.decode().strip()
    if not sha:
        raise RepositoryError(f"{ref!r} is not a commit in {repo}")
    return sha


def head_commit(repo: Path) -> str | None:
    """HEAD's commit id, or None on an unborn branch (the first commit)."""
    out = run_git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    return out.decode().strip() or None


def display_path(raw: bytes) -> str:
    """A path for humans: undecodable bytes become escapes instead of crashing a print."""
    return raw.decode("utf-8", errors="backslashreplace")
