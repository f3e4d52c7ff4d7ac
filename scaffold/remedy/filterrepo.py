"""git-filter-repo, the program that rewrites history for `purge`: find it, check it, run it.

scaffold never rewrites history itself. It installs git-filter-repo from PyPI as a dependency
and runs that module with this Python; a `git-filter-repo` on PATH is the fallback.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.remedy.git import user_environment

MINIMUM = (2, 47)  # --sensitive-data-removal: keeps origin, records the first changed commits
_SDR_FLAG = "--sensitive-data-removal"


@dataclass(frozen=True)
class FilterRepo:
    argv: tuple[str, ...]
    version: str  # "2.47.0", or "unknown" for a program on PATH

    def run(self, cwd: Path, args: Sequence[str]) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*self.argv, *args],
            cwd=cwd,
            input=b"",
            capture_output=True,
            env=user_environment(cwd),
            check=False,
        )


def _parse(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def find_filter_repo(module: str = "git_filter_repo") -> FilterRepo:
    """The git-filter-repo to run, or UsageError saying what to install."""
    wanted = ".".join(map(str, MINIMUM))
    if importlib.util.find_spec(module) is not None:
        try:
            version = importlib.metadata.version("git-filter-repo")
        except importlib.metadata.PackageNotFoundError:
            version = "0"
        if _parse(version) < MINIMUM:
            raise UsageError(
                f"git-filter-repo {version} is too old for purge (needs {wanted} or newer): "
                "pip install --upgrade git-filter-repo"
            )
        return FilterRepo((sys.executable, "-m", module), version)
    program = shutil.which("git-filter-repo")
    if program is None:
        raise UsageError(
            "git-filter-repo is not installed (purge rewrites history with it): "
            "pip install 'git-filter-repo>=" + wanted + "'"
        )
    helped = subprocess.run(
        [program, "-h"],
        input=b"",
        capture_output=True,
        env=user_environment(Path.cwd()),
        check=False,
    )
    if _SDR_FLAG.encode() not in helped.stdout + helped.stderr:
        raise UsageError(
            f"{program} is too old for purge (needs git-filter-repo {wanted} or newer): "
            "pip install --upgrade git-filter-repo"
        )
    return FilterRepo((program,), "unknown")


@contextmanager
def replacements_file(pairs: Iterable[tuple[str, str]]) -> Iterator[Path]:
    """A private file of `secret==>replacement` lines for --replace-text/--replace-message,
    removed as soon as the rewrite is over (it holds the secrets)."""
    folder = Path(tempfile.mkdtemp(prefix="scaffold-purge-"))  # mode 0700
    path = folder / "replacements"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for secret, replacement in pairs:
                out.write(replacement_line(secret, replacement))
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def replacement_line(secret: str, replacement: str) -> bytes:
    """One line of filter-repo's expressions file. A secret spanning lines becomes a regex with
    escaped line breaks (the file is line-based); any other is a `literal:`."""
    if "\n" in secret or "\r" in secret:
        import re

        pattern = re.escape(secret).replace("\\\n", "\\n").replace("\\\r", "\\r")
        pattern = pattern.replace("\n", "\\n").replace("\r", "\\r")
        return f"regex:{pattern}==>{replacement}\n".encode()
    return f"literal:{secret}==>{replacement}\n".encode()
