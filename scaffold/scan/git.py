"""The repository a scan reads: found from a path, described, and opened with the scan's git.

A repository under scan is untrusted: every git call goes through `scaffold.gitexec` with the
ISOLATED profile (nothing the repository configures can run), bound to the repository's git
directory, plus the memory bounds below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import RepositoryError
from scaffold.gitexec import Git, first_line, git_version
from scaffold.scan.hazards import Hazard, git_dir_of, hazards, shadow

# Memory stays bounded on huge histories: git maps at most this much of the packs at a time
# (defaults allow 8 GiB), and each worker's cat-file, which reads a long stripe, keeps at most
# this much of recently inflated delta bases (default 96m). A repository's own (larger)
# settings are overridden too. Measured with one cat-file over half of a 584 MB history:
# defaults 176 MB RSS; 48m of delta bases 94 MB, for 3% more CPU. On git/git (a whole scan, tree
# RSS): 48m 419 MB, 32m 396 MB for the same CPU (81 s), 24m with half the pack window 383 MB
# for 6% more CPU. Two 8m windows mapped instead of four cost no CPU measurably and 3-5 MB
# less per process (one cat-file over a quarter of git/git's listing).
SCAN_MEMORY: tuple[tuple[str, str], ...] = (
    ("core.packedGitLimit", "16m"),
    ("core.packedGitWindowSize", "8m"),
    ("core.deltaBaseCacheLimit", "32m"),
)


@dataclass(frozen=True)
class RepositoryInfo:
    """What a scan needs to know about a repository before reading it."""

    git_dir: Path
    top_level: Path | None  # None for a bare repository
    bare: bool
    shallow: bool
    # files in the git directory git could have blocked on, left out of what git sees
    hazards: tuple[str, ...] = ()


def open_repository(path: Path) -> tuple[Git, RepositoryInfo]:
    """Find the repository at `path` (work tree, subdirectory or bare) and describe it."""
    if not path.exists():
        raise RepositoryError(f"{path}: no such file or directory")
    if not path.is_dir():
        raise RepositoryError(f"{path}: not a directory")
    located = git_dir_of(path)
    found = hazards(located) if located is not None else []
    if located is not None and found:
        return _shadowed(path, located, found)
    with Git(path) as finder:  # git finds the repository from `path` itself
        probe = finder.run(
            "rev-parse",
            "--absolute-git-dir",
            "--is-bare-repository",
            "--is-shallow-repository",
            check=False,
        )
        if probe.returncode != 0:
            raise RepositoryError(f"{path}: not a git repository")
        lines = probe.stdout.decode("utf-8", "surrogateescape").splitlines()
        bare = lines[1] == "true"
        top_level: Path | None = None
        if not bare:
            top = finder.run("rev-parse", "--show-toplevel", check=False)
            text = top.stdout.decode("utf-8", "surrogateescape").strip()
            top_level = Path(text) if top.returncode == 0 and text else None
    git_dir = Path(lines[0])
    info = RepositoryInfo(
        git_dir=git_dir, top_level=top_level, bare=bare, shallow=lines[2] == "true"
    )
    return Git(git_dir=git_dir, config=SCAN_MEMORY), info


def _shadowed(path: Path, git_dir: Path, found: list[Hazard]) -> tuple[Git, RepositoryInfo]:
    """The repository as git may see it: a shadow of its git directory without `found`."""
    seen = shadow(git_dir, found)
    git = Git(git_dir=seen, config=SCAN_MEMORY)
    git.adopt(seen)
    bare = git_dir == path
    info = RepositoryInfo(
        git_dir=git_dir,
        top_level=None if bare else path.resolve(),
        bare=bare,
        shallow=(git_dir / "shallow").is_file(),
        hazards=tuple(
            f"{h.path} is a {h.kind}, not a file: left out so that git cannot block on it"
            for h in found
        ),
    )
    return git, info


def shallow_boundaries(git: Git) -> tuple[str, ...]:
    """The commits whose parents a shallow clone does not have."""
    where = git.output("rev-parse", "--git-path", "shallow").decode("utf-8", "surrogateescape")
    try:
        return tuple(Path(where.strip()).read_text(encoding="ascii").split())
    except OSError:
        return ()


def head_commit(git: Git) -> str | None:
    proc = git.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    text = proc.stdout.decode("ascii", "replace").strip()
    return text if proc.returncode == 0 and text else None


def display_name(info: RepositoryInfo) -> str:
    return str(info.top_level or info.git_dir)


def decode_path(raw: bytes) -> str:
    """Paths are bytes in git; show undecodable ones with escapes rather than fail."""
    return raw.decode("utf-8", "backslashreplace")


__all__: Sequence[str] = (
    "Git",
    "RepositoryInfo",
    "decode_path",
    "display_name",
    "first_line",
    "git_version",
    "head_commit",
    "open_repository",
    "shallow_boundaries",
)
