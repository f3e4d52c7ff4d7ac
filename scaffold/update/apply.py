"""Update one generated project with Copier, all or nothing.

Copier does not roll back a failed update (a migration that fails half-way leaves its edits),
so scaffold snapshots the clean repository first and restores it exactly on any error,
Ctrl-C included. Conflicts are a result, not an error: they stay inline for the user to resolve,
unless `abort_on_conflict` asks for the repository back as it was.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from scaffold.errors import EXIT_INTERNAL, RepositoryError, ScaffoldError, UsageError
from scaffold.update.drift import TagCache, check_template, drift
from scaffold.update.gitcmd import SCAFFOLD_IDENTITY, run_git
from scaffold.update.project import commit_version, read_answers, read_project
from scaffold.update.sources import packaged_repo_elsewhere
from scaffold.update.worktree import (
    changed_paths,
    conflicted_paths,
    repo_root,
    require_clean,
    restore,
    take_snapshot,
    unresolved_conflicts,
)

Result = Literal["updated", "up-to-date", "conflicts", "rolled-back"]


@dataclass(frozen=True)
class UpdateOutcome:
    """What an update did to one project."""

    path: Path
    template: str
    from_version: str | None
    to_version: str | None
    result: Result
    changed: tuple[str, ...]
    conflicts: tuple[str, ...]
    added: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdateOptions:
    vcs_ref: str | None = None
    data: Mapping[str, str] | None = None
    trust: bool = False
    abort_on_conflict: bool = False


def _copier_message(exc: BaseException) -> str:
    from copier.errors import TaskError, UnsafeTemplateError

    if isinstance(exc, UnsafeTemplateError):
        return (
            "the template runs migrations or tasks; rerun with --trust if you trust it "
            f"({' '.join(str(exc).split())})"
        )
    if isinstance(exc, TaskError):
        return f"a template migration or task failed (exit {exc.returncode}): {exc.cmd}"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text


def _run_copier(path: Path, options: UpdateOptions, stderr: io.StringIO) -> None:
    from copier import run_update

    kwargs: dict[str, Any] = {
        "data": dict(options.data or {}),
        "defaults": True,
        "overwrite": True,
        "skip_answered": True,
        "conflict": "inline",
        "quiet": True,
        "unsafe": options.trust,
    }
    if options.vcs_ref:
        kwargs["vcs_ref"] = options.vcs_ref
    # Copier prints warnings and git noise; keep them for the error message, not the terminal.
    with contextlib.redirect_stderr(stderr):
        run_update(str(path), **kwargs)


def _known_tags(url: str, cache: TagCache | None) -> list[str]:
    return (cache or TagCache()).get(url)


def _repoint_answers(root: Path, answers: Path, old: str, new: str) -> None:
    """Point `_src_path` at this machine's template repository, in a temporary commit.

    Copier reads the template from the committed answers and refuses a dirty repository, so
    the new path must be committed while Copier runs; the caller resets to the old HEAD after.
    """
    text = answers.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("_src_path:") and old in line:
            lines[i] = line.replace(old, new)
    answers.write_text("".join(lines), encoding="utf-8")
    run_git(  # gitexec never runs the repository's hooks
        root,
        "commit",
        "-q",
        "--no-verify",
        "-m",
        "scaffold: use this machine's template repository (temporary)",
        "--",
        str(answers.relative_to(root)),
        extra_env=SCAFFOLD_IDENTITY,
        config=(("commit.gpgsign", "false"),),
    )


def update_project(
    path: Path, options: UpdateOptions, cache: TagCache | None = None
) -> UpdateOutcome:
    """Update `path` to the newest (or `vcs_ref`) template version; restore it on any failure."""
    path = path.absolute()
    root = repo_root(path)
    project = read_project(path)
    url = check_template(project, require_clean_source=True)
    require_clean(root)
    leftovers = unresolved_conflicts(root)
    if leftovers:
        raise RepositoryError(
            f"{root} has unresolved conflicts from an earlier update ({leftovers[0]}); "
            "resolve them and commit first"
        )
    state = drift(project, cache)
    if options.vcs_ref is None and not state.behind and not options.data:
        return UpdateOutcome(
            path, project.src_path, project.version, project.version, "up-to-date", (), ()
        )
    relocated = packaged_repo_elsewhere(project.src_path)
    if relocated and project.commit and project.commit not in _known_tags(url, cache):
        raise UsageError(
            f"{path} was generated from template {project.commit} on another machine, and this "
            f"machine's scaffold has never had that version; update it where that version is "
            "installed, or share one template repository (see docs/update.md)"
        )
    snapshot = take_snapshot(root)
    noise = io.StringIO()
    try:
        if relocated:
            _repoint_answers(root, project.answers_path, project.src_path, url)
        _run_copier(path, options, noise)
        if relocated:  # drop the temporary commit; its change stays in the work tree
            run_git(root, "reset", "-q", snapshot.head)
    except BaseException as exc:
        restore(snapshot)
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        if isinstance(exc, ScaffoldError):
            raise
        from copier.errors import CopierError

        if isinstance(exc, CopierError | OSError | ValueError | RuntimeError):
            raise ScaffoldError(
                f"update of {path} failed and was rolled back: {_copier_message(exc)}"
            ) from exc
        raise ScaffoldError(
            f"update of {path} failed and was rolled back: internal error "
            f"({type(exc).__name__}: {exc})",
            exit_code=EXIT_INTERNAL,
        ) from exc
    changes = changed_paths(root)
    changed = list(changes)
    conflicts = conflicted_paths(root, [p for p, kind in changes.items() if kind != "D"])
    to_version = commit_version(str(read_answers(path).get("_commit") or "")) or None
    result: Result = "conflicts" if conflicts else ("updated" if changed else "up-to-date")
    if conflicts and options.abort_on_conflict:
        restore(snapshot)
        result = "rolled-back"
    return UpdateOutcome(
        path=path,
        template=project.src_path,
        from_version=project.version,
        to_version=to_version,
        result=result,
        changed=tuple(changed),
        conflicts=tuple(conflicts),
        added=tuple(p for p, kind in changes.items() if kind == "A"),
        deleted=tuple(p for p, kind in changes.items() if kind == "D"),
    )
