"""Post-generation: make the rendered tree a git repository with a secrets baseline and hooks."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.errors import ScaffoldError
from scaffold.gitexec import Git, Profile

if TYPE_CHECKING:
    from scaffold.new.baseline import BaselineScan

INITIAL_MESSAGE = "Initial commit from scaffold"
# Used only when the user has no git identity configured, so the first commit still happens.
FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "scaffold",
    "GIT_AUTHOR_EMAIL": "scaffold@localhost",
    "GIT_COMMITTER_NAME": "scaffold",
    "GIT_COMMITTER_EMAIL": "scaffold@localhost",
}


def _run(
    repo: Path, argv: list[str], what: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """A program other than git (pre-commit), with an empty stdin and one-line failures."""
    merged = dict(os.environ)
    if env:
        merged.update(env)
    try:
        proc = subprocess.run(
            argv, cwd=repo, input=b"", capture_output=True, env=merged, check=False
        )
    except FileNotFoundError as exc:
        raise ScaffoldError(f"{what} failed: {argv[0]} not found") from exc
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).decode(errors="replace").strip().splitlines()
        raise ScaffoldError(f"{what} failed: {lines[-1] if lines else f'exit {proc.returncode}'}")
    return proc


def _git(repo: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """git in the new repository, as the user's own (their config and identity apply)."""
    proc = Git(repo, profile=Profile.USER, env=env).run(*args)
    return proc.stdout.decode(errors="replace")


def holds_history(path: Path) -> bool:
    """True when `path` itself is a git repository (work tree or bare) with a commit, or one
    git cannot read: either way, something `--force` must never replace."""
    dot_git = path / ".git"
    bare = (path / "HEAD").is_file() and (path / "objects").is_dir()
    if not dot_git.exists() and not bare:
        return False
    # read-only inspection of a directory scaffold did not make: the isolated profile
    with Git(path, git_dir=dot_git if dot_git.exists() else path) as git:
        if git.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).returncode:
            # no commit yet (a fresh `git init`) may be replaced; an unreadable one may not
            return git.run("rev-parse", "--git-dir", check=False).returncode != 0
    return True


def init_repository(repo: Path) -> None:
    """`git init -b main` and stage everything the template rendered."""
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")


def tracked_files(repo: Path) -> list[str]:
    """Paths git tracks (or has staged), as detect-secrets scans them."""
    out = _git(repo, "ls-files", "-z")
    return sorted(path for path in out.split("\0") if path)


def write_baseline(repo: Path, scanner: BaselineScan | None = None) -> None:
    """`.secrets.baseline` over the staged files (which must hold nothing flagged), staged too.

    `scanner` is one already running over `repo` since its files were written.
    """
    from scaffold.new.baseline import BASELINE
    from scaffold.new.baseline import write_baseline as write

    write(repo, scanner)
    _git(repo, "add", "--", BASELINE)


def _has_identity(repo: Path) -> bool:
    """True when git has an explicit author name and e-mail (environment or config)."""
    for key, variable in (("user.name", "GIT_AUTHOR_NAME"), ("user.email", "GIT_AUTHOR_EMAIL")):
        if os.environ.get(variable):
            continue
        probe = Git(repo, profile=Profile.USER).run("config", "--get", key, check=False)
        if probe.returncode != 0 or not probe.stdout.strip():
            return False
    return True


def initial_commit(repo: Path) -> str:
    """Commit everything staged, as the configured git user (or scaffold's fallback identity)."""
    env = None if _has_identity(repo) else FALLBACK_IDENTITY
    _git(repo, "commit", "-q", "--no-verify", "-m", INITIAL_MESSAGE, env=env)
    return _git(repo, "rev-parse", "HEAD").strip()


def install_hooks(repo: Path) -> Path:
    """`pre-commit install` with this Python's pre-commit; returns the hook script's path."""
    try:
        _run(repo, [sys.executable, "-m", "pre_commit", "install"], "pre-commit install")
    except ScaffoldError as exc:
        # e.g. a global core.hooksPath, which pre-commit refuses to override
        raise ScaffoldError(f"{exc.message} (pass --no-hooks to skip installing hooks)") from exc
    hook = repo / ".git" / "hooks" / "pre-commit"
    if not hook.is_file():
        raise ScaffoldError("pre-commit install did not create .git/hooks/pre-commit")
    return hook
