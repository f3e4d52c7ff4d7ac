"""The template a service is generated from, and the questions its copier.yml defines."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scaffold.gitexec import Git
from scaffold.new.answers import QuestionInfo, parse_questions


@dataclass(frozen=True)
class Template:
    """A git repository (path or URL) and ref Copier generates from, with its known questions."""

    url: str
    ref: str | None
    version: str | None
    questions: tuple[QuestionInfo, ...] | None  # None: unknown until Copier reads it (remote)


def _show(repo: Path, ref: str, name: str) -> str | None:
    with Git(repo) as git:  # a template repository: read, never trusted
        proc = git.run("show", f"{ref}:{name}", check=False)
    return proc.stdout.decode("utf-8", errors="replace") if proc.returncode == 0 else None


def template_questions(url: str, ref: str | None) -> tuple[QuestionInfo, ...] | None:
    """Questions of a local template repository at `ref`; None for remote URLs."""
    repo = Path(url)
    if not repo.is_dir():
        return None
    for name in ("copier.yml", "copier.yaml"):
        text = _show(repo, ref or "HEAD", name)
        if text is not None:
            return tuple(parse_questions(text))
    return None


def resolve(spec: str | None) -> Template:
    """`--template SPEC` (path or git URL), or the packaged template, as a versioned git source."""
    # Versioning (tags, the local mirror of the packaged template) belongs to scaffold.update.
    from scaffold.update.sources import resolve_template

    source = resolve_template(spec)
    return Template(
        url=source.url,
        ref=source.ref,
        version=source.version,
        questions=template_questions(source.url, source.ref),
    )
