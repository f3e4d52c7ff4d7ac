"""Every git process verify and remedy start, behind one module (it moves onto gitexec).

Two kinds of call: reading a scanned repository's objects (untrusted, through the scan's
locked-down runner) and working in the user's own work tree that `purge` rewrites (the user's
config applies, nothing interactive can start, no hooks run). git-filter-repo is a separate
program: `user_environment()` gives it the same environment our own git calls get.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.errors import RepositoryError

if TYPE_CHECKING:
    from scaffold.scan.git import LockedGit

# What nothing in a purge may start: an editor, a pager, an fsmonitor, a colour code.
_INTERACTIVE_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.pager", "cat"),
    ("core.editor", "false"),
    ("sequence.editor", "false"),
    ("color.ui", "never"),
    ("core.hooksPath", os.devnull),  # not a directory: git finds no hook in it
)
# GIT_* variables a user's own calls keep (who they are, how they reach a remote).
_USER_VARIABLES = frozenset(
    {
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_SYSTEM",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
    }
)


def user_environment() -> dict[str, str]:
    """The environment for git (and git-filter-repo) in the user's own repository; the
    interactive overrides travel as GIT_CONFIG_COUNT pairs so child gits get them too."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _USER_VARIABLES}
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "PAGER": "cat"})
    env.update({"LC_ALL": "C", "LANG": "C"})
    env["GIT_CONFIG_COUNT"] = str(len(_INTERACTIVE_CONFIG))
    for index, (key, value) in enumerate(_INTERACTIVE_CONFIG):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


class UserGit:
    """git in the user's own work tree (or bare repository) at `cwd`."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.env = user_environment()

    def run(
        self, *args: str, input: bytes = b"", check: bool = True
    ) -> subprocess.CompletedProcess[bytes]:
        try:
            proc = subprocess.run(
                ["git", "--no-pager", *args],
                cwd=self.cwd,
                input=input,  # never inherited: /dev/null can hold stray text on these machines
                capture_output=True,
                env=self.env,
                check=False,
            )
        except FileNotFoundError as exc:
            raise RepositoryError("git is not installed or not on PATH") from exc
        if check and proc.returncode != 0:
            raise RepositoryError(f"git {args[0]} failed in {self.cwd}: {first_line(proc.stderr)}")
        return proc

    def output(self, *args: str, input: bytes = b"") -> bytes:
        return self.run(*args, input=input).stdout

    def text(self, *args: str) -> str:
        return self.output(*args).decode("utf-8", "surrogateescape").strip()

    def lines(self, *args: str) -> list[str]:
        return [line for line in self.text(*args).splitlines() if line]


def first_line(stderr: bytes) -> str:
    """The line of git's complaint that explains a failure (its last `fatal:`/`error:`)."""
    text = stderr.decode("utf-8", "replace").strip()
    lines = [line for line in text.splitlines() if line.strip()]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return (fatal[-1] if fatal else lines[-1] if lines else "unknown error").strip()


@contextmanager
def object_reader(path: Path) -> Iterator[ObjectReader]:
    """Read objects of a scanned (untrusted) repository through the scan's locked-down git."""
    from scaffold.scan.git import open_repository

    git, _info = open_repository(path)
    try:
        yield ObjectReader(git)
    finally:
        git.close()


class ObjectReader:
    """Plumbing reads of one repository: objects by id, a path at HEAD, names grepped at HEAD."""

    def __init__(self, git: LockedGit) -> None:
        self._git = git

    def read(self, oids: Iterable[str]) -> dict[str, bytes]:
        wanted = sorted(set(oids))
        if not wanted:
            return {}
        return parse_batch(
            self._run("cat-file", "--batch", input="".join(f"{o}\n" for o in wanted))
        )

    def read_path(self, path: str) -> bytes | None:
        """A file's content at HEAD, or None."""
        proc = self._git.run("cat-file", "blob", f"HEAD:{path}", check=False)
        return proc.stdout if proc.returncode == 0 else None

    def _run(self, *args: str, input: str) -> bytes:
        proc = subprocess.run(
            self._git.argv(*args), input=input.encode(), capture_output=True, env=self._git.env,
            check=False,
        )  # fmt: skip
        return proc.stdout

    def grep_head(self, names: Sequence[str]) -> tuple[str, ...]:
        """Files at HEAD naming any of `names` as a whole word (no work tree needed)."""
        patterns: list[str] = []
        for name in names:
            patterns += ["-e", name]
        proc = self._git.run(
            "grep", "-l", "-I", "-w", "-F", "--full-name", *patterns, "HEAD", "--", check=False
        )
        return tuple(
            sorted(
                line.split(":", 1)[1]
                for line in proc.stdout.decode("utf-8", "replace").splitlines()
                if ":" in line
            )
        )


def parse_batch(data: bytes) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    position = 0
    while position < len(data):
        end = data.index(b"\n", position)
        header = data[position:end].split()
        position = end + 1
        if len(header) < 3:  # "<oid> missing"
            continue
        size = int(header[2])
        found[header[0].decode()] = data[position : position + size]
        position += size + 1
    return found
