"""Files in a git directory that could block git: FIFOs, sockets and devices, found without git.

Git opens what it finds in its directory. A FIFO where a loose object, a pack, `packed-refs` or
even `config` should be makes that `open` wait forever for a writer, and the scan with it. So
before any git process touches a repository under scan, its git directory is walked (no file is
opened), and if anything there is not a regular file, directory or link to one, git is given a
shadow copy of the directory instead: directories recreated, every regular file linked, the
rest left out (and reported), so git sees those objects as missing and goes on. Objects are
linked; the small files (HEAD, refs, config) are copied, since git reads a linked HEAD as a
symbolic ref.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Hazard:
    path: Path
    kind: str  # "FIFO", "socket", "device"


def git_dir_of(path: Path) -> Path | None:
    """The git directory at `path` (a work tree's `.git`, a `gitdir:` file's target, or a bare
    repository), found by looking, not by running git; None when it is not plain to see."""
    dot = path / ".git"
    try:
        if dot.is_dir():
            return dot
        if dot.is_file():
            text = dot.read_text("utf-8", "replace") if _regular(dot) else ""
            if text.startswith("gitdir:"):
                target = Path(text.removeprefix("gitdir:").strip())
                return target if target.is_absolute() else (path / target)
            return None
        if (path / "objects").is_dir() and (path / "HEAD").exists():
            return path
    except OSError:
        return None
    return None


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _kind(mode: int) -> str | None:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return None


def hazards(git_dir: Path) -> list[Hazard]:
    """Everything under `git_dir` git could block on (links are judged by their targets)."""
    found: list[Hazard] = []
    for top, dirs, files in os.walk(git_dir):
        for name in (*dirs, *files):
            entry = Path(top, name)
            try:
                mode = entry.stat().st_mode  # follows links: a link to a FIFO blocks too
            except OSError:
                continue  # a dangling link: git sees a missing file
            kind = _kind(mode)
            if kind is not None:
                found.append(Hazard(entry, kind))
    return found


def shadow(git_dir: Path, left_out: list[Hazard]) -> Path:
    """A copy of `git_dir` without `left_out` (see the module doc). The caller removes it
    (shutil.rmtree) when done."""
    skip = {h.path for h in left_out}
    root = Path(tempfile.mkdtemp(prefix="scaffold-shadow-"))
    try:
        for top, dirs, files in os.walk(git_dir):
            relative = Path(top).relative_to(git_dir)
            for name in dirs:
                if Path(top, name) not in skip:
                    (root / relative / name).mkdir(exist_ok=True)
            dirs[:] = [d for d in dirs if Path(top, d) not in skip]
            for name in files:
                source = Path(top, name)
                if source in skip:
                    continue
                if relative.parts[:1] == ("objects",):
                    (root / relative / name).symlink_to(source.resolve())  # packs: large
                else:
                    # refs, HEAD, config: small, and git reads a linked HEAD as a symbolic ref
                    shutil.copyfile(source, root / relative / name)
    except OSError:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return root
