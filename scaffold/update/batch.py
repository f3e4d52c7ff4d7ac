"""Check or update many generated projects; one project's failure never stops the others."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from scaffold.errors import EXIT_FINDINGS, EXIT_OK, RepositoryError, ScaffoldError
from scaffold.update.apply import UpdateOptions, update_project
from scaffold.update.drift import TagCache, drift
from scaffold.update.project import read_project
from scaffold.update.sources import (
    local_template_repo,
    packaged_repo_elsewhere,
    packaged_template_source,
)
from scaffold.update.worktree import inside_git_work_tree

Status = Literal["up-to-date", "behind", "updated", "conflicts", "rolled-back", "error"]
_NEEDS_ATTENTION = frozenset({"behind", "conflicts", "rolled-back"})


@dataclass(frozen=True)
class RepoReport:
    """One row of the summary: where a project was, where it is now, what happened."""

    path: Path
    template: str | None
    from_version: str | None
    to_version: str | None
    latest: str | None
    status: Status
    changed: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    error: str | None = None
    error_exit: int = EXIT_OK

    @property
    def exit_code(self) -> int:
        if self.status == "error":
            return self.error_exit
        return EXIT_FINDINGS if self.status in _NEEDS_ATTENTION else EXIT_OK


def _template_of(path: Path) -> str | None:
    try:
        return read_project(path).src_path
    except ScaffoldError:
        return None


def _failed(path: Path, exc: ScaffoldError) -> RepoReport:
    return RepoReport(
        path=path,
        template=_template_of(path),
        from_version=None,
        to_version=None,
        latest=None,
        status="error",
        error=exc.message,
        error_exit=exc.exit_code,
    )


def check_one(path: Path, cache: TagCache) -> RepoReport:
    """Drift of one project: `behind` when its template has a newer version."""
    try:
        if not inside_git_work_tree(path):
            raise RepositoryError(f"{path} is not a git repository")
        project = read_project(path)
        state = drift(project, cache)
    except ScaffoldError as exc:
        return _failed(path, exc)
    return RepoReport(
        path=path,
        template=project.src_path,
        from_version=project.version,
        to_version=project.version,
        latest=state.latest,
        status="behind" if state.behind else "up-to-date",
    )


def update_one(path: Path, options: UpdateOptions, cache: TagCache) -> RepoReport:
    """Update one project and describe the outcome (errors included, already rolled back)."""
    try:
        outcome = update_project(path, options, cache)
        latest = drift(read_project(path), cache).latest
    except ScaffoldError as exc:
        return _failed(path, exc)
    return RepoReport(
        path=path,
        template=outcome.template,
        from_version=outcome.from_version,
        to_version=outcome.to_version,
        latest=latest,
        status=outcome.result,
        changed=outcome.changed,
        conflicts=outcome.conflicts,
        added=outcome.added,
        deleted=outcome.deleted,
    )


def refresh_packaged_template(paths: Sequence[Path]) -> None:
    """After a scaffold upgrade, tag the newly shipped template before projects look for it."""
    local = str(local_template_repo())
    for path in paths:
        try:
            src = read_project(path).src_path
        except ScaffoldError:
            continue
        if src == local or packaged_repo_elsewhere(src):
            packaged_template_source()
            return


def run_many(
    paths: Sequence[Path],
    *,
    check: bool,
    options: UpdateOptions,
    on_start: Callable[[Path], None] | None = None,
    on_done: Callable[[RepoReport], None] | None = None,
) -> list[RepoReport]:
    """Check (drift) or update every project, in order, sharing one tag cache."""
    refresh_packaged_template(paths)
    cache = TagCache()
    reports: list[RepoReport] = []
    for path in paths:
        if on_start:
            on_start(path)
        report = check_one(path, cache) if check else update_one(path, options, cache)
        reports.append(report)
        if on_done:
            on_done(report)
    return reports


def overall_exit(reports: Sequence[RepoReport]) -> int:
    """Errors win (their own code), then drift/conflicts (1), else 0."""
    errors = [r.exit_code for r in reports if r.status == "error"]
    if errors:
        return max(errors)
    return max((r.exit_code for r in reports), default=EXIT_OK)
