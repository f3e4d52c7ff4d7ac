"""Run git for scaffold's own bookkeeping: empty stdin, no prompts, optionally no user config."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from scaffold.gitrun import run_git_command
from scaffold.paths import cache_root

# Identity for commits scaffold makes in its own repositories (never in the user's).
SCAFFOLD_IDENTITY = {
    "GIT_AUTHOR_NAME": "scaffold",
    "GIT_AUTHOR_EMAIL": "scaffold@localhost",
    "GIT_COMMITTER_NAME": "scaffold",
    "GIT_COMMITTER_EMAIL": "scaffold@localhost",
}


def _empty_config_file() -> Path:
    # /dev/null is not always a character device here, so isolate with a real empty file.
    if Path(os.devnull).is_char_device():
        return Path(os.devnull)
    cache = cache_root()
    cache.mkdir(parents=True, exist_ok=True)
    empty = cache / "empty-gitconfig"
    if not empty.is_file() or empty.stat().st_size:
        empty.write_bytes(b"")
    return empty


def git_environment(*, isolated: bool, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a git call; `isolated` ignores system and user config (and hooks)."""
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"
    if isolated:
        for key in [k for k in env if k.startswith("GIT_")]:
            del env[key]
        env.update(SCAFFOLD_IDENTITY)
        env["GIT_TERMINAL_PROMPT"] = "0"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_CONFIG_GLOBAL"] = str(_empty_config_file())
    if extra:
        env.update(extra)
    return env


def run_git(
    cwd: Path,
    *args: str,
    isolated: bool = False,
    extra_env: Mapping[str, str] | None = None,
    stdin: bytes = b"",
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run `git args...` in `cwd`; on failure raise RepositoryError with git's own message."""
    env = git_environment(isolated=isolated, extra=extra_env)
    return run_git_command(cwd, args, env=env, stdin=stdin, check=check)


def git_out(cwd: Path, *args: str, isolated: bool = False) -> str:
    """stdout of a successful git call, decoded and stripped."""
    return run_git(cwd, *args, isolated=isolated).stdout.decode(errors="replace").strip()
