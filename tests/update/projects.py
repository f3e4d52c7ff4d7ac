"""Generate projects from test templates and take exact pictures of a repository's state."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tests.gitrepo import GitRepo, git


def generate(template: Path | str, dest: Path, ref: str, **data: str) -> GitRepo:
    """`copier copy` at `ref`, then commit the result like a new project would be."""
    from copier import run_copy

    run_copy(str(template), str(dest), data=data, vcs_ref=ref, defaults=True, quiet=True)
    repo = GitRepo.init(dest)
    repo.commit("generated from template")
    return repo


def tree_picture(root: Path) -> dict[str, str]:
    """Every file under `root` except .git (ignored ones too): relative path -> content hash."""
    picture: dict[str, str] = {}
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in files:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            picture[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return picture


def repo_picture(root: Path) -> tuple[dict[str, str], str, str, str]:
    """Files, `git status`, HEAD and branch: what "left exactly as it was" compares."""
    return (
        tree_picture(root),
        git(root, "status", "--porcelain", "--untracked-files=all", "--ignored"),
        git(root, "rev-parse", "HEAD"),
        git(root, "symbolic-ref", "-q", "HEAD", check=False),
    )
