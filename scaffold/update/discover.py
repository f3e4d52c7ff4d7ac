"""Find generated projects (directories with a Copier answers file) under the paths given."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.update.project import ANSWERS_FILE

# Never worth descending into: dependencies, caches, build output.
_SKIP_DIRS = frozenset(
    {".git", ".hg", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox", "dist", "build"}
)


def _walk(root: Path, max_depth: int) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirs, files in os.walk(root):
        here = Path(dirpath)
        if ANSWERS_FILE in files:
            found.append(here)
            dirs[:] = []  # a project's own subdirectories are part of it
            continue
        depth = len(here.relative_to(root).parts)
        dirs[:] = sorted(
            d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".") and depth < max_depth
        )
    return found


def find_projects(paths: Sequence[Path], *, max_depth: int = 3) -> list[Path]:
    """Each path that is a project, or the projects below it (up to `max_depth` levels).

    A path with no project anywhere below it is returned as is, so that updating it reports
    exactly why (not a git repository, no answers file) instead of silently doing nothing.
    """
    projects: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path} does not exist")
        if not path.is_dir():
            raise UsageError(f"{path} is not a directory")
        found = [path] if (path / ANSWERS_FILE).is_file() else _walk(path, max_depth) or [path]
        for project in found:
            key = project.resolve()
            if key not in seen:
                seen.add(key)
                projects.append(project)
    return projects
