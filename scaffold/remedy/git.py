"""The git calls verify and remedy make, on scaffold.gitexec's two profiles.

Reading a scanned repository's objects is ISOLATED (the repository is untrusted); `purge`
works in the user's own work tree under USER. git-filter-repo is a separate program that
starts git itself: `user_environment()` hands it USER's environment with USER's overrides
carried as GIT_CONFIG_COUNT pairs, so its own git calls follow the same policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from scaffold.gitexec import Git, first_line, own

__all__ = [
    "Git",
    "ObjectReader",
    "first_line",
    "lines",
    "object_reader",
    "user_environment",
    "user_git",
]


def user_git(cwd: Path) -> Git:
    """git in the user's own work tree at `cwd`."""
    return own(cwd)


def lines(git: Git, *args: str) -> list[str]:
    return [line for line in git.text(*args).splitlines() if line]


def user_environment(cwd: Path) -> dict[str, str]:
    git = own(cwd)
    env = dict(git.env)
    argv = git.argv()
    pairs = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "-c"]
    env["GIT_CONFIG_COUNT"] = str(len(pairs))
    for index, pair in enumerate(pairs):
        key, _, value = pair.partition("=")
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


@contextmanager
def object_reader(path: Path) -> Iterator[ObjectReader]:
    """Read objects of a scanned (untrusted) repository through the ISOLATED profile."""
    from scaffold.scan.git import open_repository

    git, _info = open_repository(path)
    try:
        yield ObjectReader(git)
    finally:
        git.close()


class ObjectReader:
    """Plumbing reads of one repository: objects by id, a path at HEAD, names grepped at HEAD."""

    def __init__(self, git: Git) -> None:
        self._git = git

    def read(self, oids: Iterable[str]) -> dict[str, bytes]:
        wanted = sorted(set(oids))
        if not wanted:
            return {}
        request = "".join(f"{oid}\n" for oid in wanted).encode()
        proc = self._git.run("cat-file", "--batch", input=request, check=False)
        return parse_batch(proc.stdout)

    def read_path(self, path: str) -> bytes | None:
        """A file's content at HEAD, or None."""
        proc = self._git.run("cat-file", "blob", f"HEAD:{path}", check=False)
        return proc.stdout if proc.returncode == 0 else None

    def grep_head(self, names: Sequence[str]) -> tuple[str, ...]:
        """Files at HEAD naming any of `names` as a whole word (no work tree needed)."""
        patterns: list[str] = []
        for name in names:
            patterns += ["-e", name]
        proc = self._git.run(
            "grep", "-l", "-I", "-w", "-F", "--full-name", *patterns, "HEAD", "--", check=False
        )
        listed = proc.stdout.decode("utf-8", "replace").splitlines()
        return tuple(sorted(line.split(":", 1)[1] for line in listed if ":" in line))


def parse_batch(data: bytes) -> dict[str, bytes]:
    """`git cat-file --batch` output: oid -> content ("missing" entries left out)."""
    found: dict[str, bytes] = {}
    position = 0
    while position < len(data):
        end = data.index(b"\n", position)
        header = data[position:end].split()
        position = end + 1
        if len(header) < 3:
            continue
        size = int(header[2])
        found[header[0].decode()] = data[position : position + size]
        position += size + 1
    return found
