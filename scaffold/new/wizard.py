"""`scaffold new service`: preflight -> answers (given, defaulted or asked by Copier) -> render ->
confirm -> git repository with baseline, first commit and hooks -> moved into place."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold.errors import EXIT_FINDINGS, ScaffoldError, UsageError
from scaffold.new import postgen
from scaffold.new.answers import check_booleans, missing_answers, unknown_answers
from scaffold.new.baseline import BaselineScan
from scaffold.new.generate import render
from scaffold.new.install import make_staging, move_into_place, remove_tree
from scaffold.new.preflight import check_destination, git_defaults, require_git
from scaffold.new.review import Caution, Review, review
from scaffold.new.source import Template, resolve

# Shown the answers (in copier.yml order, with labels and cautions), returns whether to go on.
Confirm = Callable[[Review], bool]
# Told about each step as it starts ("Rendering the template", ...).
Progress = Callable[[str], None]


class Cancelled(ScaffoldError):
    """The user declined the summary: nothing was created."""

    exit_code = EXIT_FINDINGS


@dataclass(frozen=True)
class ServiceRequest:
    """Everything the command line decided before the wizard starts."""

    dest: Path
    template: str | None = None  # path or git URL; None = configured or packaged template
    data: Mapping[str, Any] = field(default_factory=dict)  # --data-file, then --data
    use_defaults: bool = False  # --defaults: take every default instead of asking
    interactive: bool = True  # a person at a terminal can answer Copier's questions
    force: bool = False  # replace a non-empty destination
    hooks: bool = True  # run `pre-commit install`
    cwd: Path = field(default_factory=Path.cwd)  # where git-derived defaults come from


@dataclass(frozen=True)
class NewService:
    """What was created."""

    path: Path
    answers: Mapping[str, Any]
    commit: str
    files: tuple[str, ...]
    hooks_installed: bool
    template_version: str | None
    replaced: bool  # an existing non-empty directory was replaced (--force)
    cautions: tuple[Caution, ...] = ()  # example answers to change before the first push


def _applicable_defaults(template: Template, cwd: Path) -> dict[str, Any]:
    found = git_defaults(cwd)
    if template.questions is None:
        return found
    names = {q.name for q in template.questions}
    return {k: v for k, v in found.items() if k in names}


def _in_question_order(template: Template, answers: Mapping[str, Any]) -> dict[str, Any]:
    # Copier records answers sorted by name; people read them in the order they were asked
    order = [q.name for q in template.questions or ()]
    rank = {name: i for i, name in enumerate(order)}
    return {k: answers[k] for k in sorted(answers, key=lambda k: (rank.get(k, len(rank)), k))}


def _check_answers(
    template: Template, request: ServiceRequest, defaults: Mapping[str, Any]
) -> None:
    if template.questions is None:
        return  # a remote template: Copier reports what is wrong
    unknown = unknown_answers(template.questions, request.data)
    if unknown:
        raise UsageError(f"the template has no question named {', '.join(unknown)}")
    check_booleans(template.questions, request.data)
    if request.interactive and not request.use_defaults:
        return
    missing = missing_answers(template.questions, request.data, defaults)
    if missing:
        why = "no terminal to ask on" if not request.interactive else "--defaults given"
        flags = " ".join(f"--data {name}=VALUE" for name in missing)
        raise UsageError(f"{why} and no answer for {', '.join(missing)} (no default): pass {flags}")


def create_service(
    request: ServiceRequest,
    *,
    confirm: Confirm | None = None,
    progress: Progress | None = None,
) -> NewService:
    """Generate a committed service repository at `request.dest`, or leave nothing behind."""
    step = progress or (lambda _message: None)
    require_git()
    dest = check_destination(request.dest, force=request.force)
    template = resolve(request.template)
    defaults = _applicable_defaults(template, request.cwd)
    _check_answers(template, request, defaults)
    replaced = dest.exists and any(dest.path.iterdir())

    staging = make_staging(dest)
    try:
        # detect-secrets starts in worker processes now and scans each file as Copier writes it
        with BaselineScan(staging) as scanner:
            rendered = render(
                template,
                staging,
                data=request.data,
                user_defaults=defaults,
                use_defaults=request.use_defaults or not request.interactive,
                on_file=scanner.add,
            )
            answers = _in_question_order(template, rendered)
            checked = review(template.questions or (), answers)
            if confirm is not None and not confirm(checked):
                raise Cancelled("cancelled; nothing was created")
            step("Creating the git repository")
            postgen.init_repository(staging)
            step("Writing .secrets.baseline")
            postgen.write_baseline(staging, scanner)
        step("Making the initial commit")
        commit = postgen.initial_commit(staging)
        if request.hooks:
            step("Installing pre-commit hooks")
            postgen.install_hooks(staging)
        files = tuple(postgen.tracked_files(staging))
        move_into_place(staging, dest)
    except BaseException:
        remove_tree(staging)
        raise
    return NewService(
        path=dest.path,
        answers=answers,
        commit=commit,
        files=files,
        hooks_installed=request.hooks,
        template_version=template.version,
        replaced=replaced,
        cautions=checked.cautions,
    )
