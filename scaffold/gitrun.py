"""One way to run a git command to completion: explicit stdin, and a failure as one clear line."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from scaffold.errors import RepositoryError


def run_git_command(
    cwd: Path,
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    options: Sequence[str] = (),
    stdin: bytes = b"",
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run `git <options> <args>` in `cwd`; with `check`, a failure raises RepositoryError
    naming the command and git's last line of complaint."""
    try:
        proc = subprocess.run(
            ["git", *options, *args],
            cwd=cwd,
            input=stdin,  # never inherited: /dev/null can hold stray text on these machines
            capture_output=True,
            env=dict(env),
            check=False,
        )
    except FileNotFoundError as exc:
        raise RepositoryError("git is not installed or not on PATH") from exc
    if check and proc.returncode != 0:
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        reason = detail[-1] if detail else f"exit code {proc.returncode}"
        raise RepositoryError(f"git {args[0]} failed in {cwd}: {reason}")
    return proc
