"""git for scaffold's update bookkeeping, through scaffold.gitexec's one policy."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from scaffold.gitexec import Git, Profile

# Identity for commits scaffold makes in its own repositories (never in the user's).
SCAFFOLD_IDENTITY = {
    "GIT_AUTHOR_NAME": "scaffold",
    "GIT_AUTHOR_EMAIL": "scaffold@localhost",
    "GIT_COMMITTER_NAME": "scaffold",
    "GIT_COMMITTER_EMAIL": "scaffold@localhost",
}


def run_git(
    cwd: Path,
    *args: str,
    isolated: bool = False,
    extra_env: Mapping[str, str] | None = None,
    stdin: bytes = b"",
    check: bool = True,
    config: tuple[tuple[str, str], ...] = (),
) -> subprocess.CompletedProcess[bytes]:
    """Run `git args...` in `cwd`; on failure raise RepositoryError with git's own message.

    `isolated`: scaffold's own repositories (local template copies), with no system or user
    config and scaffold's identity; otherwise the user's repository, with the user's config.
    """
    if isolated:
        env = {**SCAFFOLD_IDENTITY, **(extra_env or {})}
        with Git(cwd, profile=Profile.ISOLATED, env=env, config=config) as git:
            return git.run(*args, input=stdin, check=check)
    user = Git(cwd, profile=Profile.USER, env=extra_env, config=config)
    return user.run(*args, input=stdin, check=check)


def git_out(cwd: Path, *args: str, isolated: bool = False) -> str:
    """stdout of a successful git call, decoded and stripped."""
    return run_git(cwd, *args, isolated=isolated).stdout.decode(errors="replace").strip()
