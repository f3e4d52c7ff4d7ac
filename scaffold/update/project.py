"""A generated project as its Copier answers file describes it: template source and version."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version

from scaffold.errors import RepositoryError

ANSWERS_FILE = ".copier-answers.yml"
# libyaml's loader is ~10x faster; drift checks read one answers file per repository
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# `git describe` output Copier records when a project was made from an untagged commit
_DESCRIBE_RE = re.compile(r"^(?P<tag>.+)-(?P<distance>\d+)-g(?P<sha>[0-9a-f]+)$")


@dataclass(frozen=True)
class GeneratedProject:
    """What `.copier-answers.yml` says about a project."""

    path: Path
    src_path: str
    commit: str | None  # the template ref the project was last rendered from
    version: str | None  # that ref as a PEP 440 version, when it is one

    @property
    def answers_path(self) -> Path:
        return self.path / ANSWERS_FILE


def commit_version(commit: str | None) -> str | None:
    """`v1.2.0` -> `1.2.0`; `v1.2.0-3-gabc` -> `1.2.0.post3+gabc`; anything else -> None."""
    if not commit:
        return None
    try:
        return str(Version(commit))
    except InvalidVersion:
        pass
    match = _DESCRIBE_RE.match(commit)
    if match:
        try:
            base = Version(match["tag"])
        except InvalidVersion:
            return None
        return f"{base.public}.post{match['distance']}+g{match['sha']}"
    return None


def read_answers(path: Path) -> dict[str, Any]:
    """The answers mapping of a project, or RepositoryError with what is wrong."""
    answers = path / ANSWERS_FILE
    if not answers.is_file():
        raise RepositoryError(
            f"{path} has no {ANSWERS_FILE}: it was not generated from a Copier template"
        )
    try:
        data = yaml.load(answers.read_text(encoding="utf-8"), Loader=_SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RepositoryError(f"{answers} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RepositoryError(f"{answers} is not a mapping of answers")
    return data


def read_project(path: Path) -> GeneratedProject:
    """Read the template source and version a project was generated from."""
    data = read_answers(path)
    src = data.get("_src_path")
    if not isinstance(src, str) or not src.strip():
        raise RepositoryError(f"{path / ANSWERS_FILE} does not record a template (_src_path)")
    commit = data.get("_commit")
    commit_str = str(commit) if commit is not None else None
    return GeneratedProject(
        path=path, src_path=src, commit=commit_str, version=commit_version(commit_str)
    )
