"""Build small Copier templates (as directories and tagged git repositories) for update tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tests.gitrepo import GitRepo

COPIER_YML = """\
_subdirectory: template
_answers_file: .copier-answers.yml
project_name:
  type: str
  default: demo
owner:
  type: str
  default: platform-team
"""

V1_FILES: dict[str, str] = {
    "copier.yml": COPIER_YML,
    "template/{{ _copier_conf.answers_file }}.jinja": (
        "# Changes here will be overwritten by Copier\n{{ _copier_answers|to_nice_yaml }}"
    ),
    "template/README.md.jinja": "# {{ project_name }}\n\nOwned by {{ owner }}.\n",
    "template/app.py.jinja": (
        'NAME = "{{ project_name }}"\n\n\ndef main() -> None:\n    print(NAME)\n'
    ),
    "template/settings.ini": "[server]\nport = 8000\nworkers = 2\n",
    "template/.gitignore": ".venv/\n__pycache__/\n",
}


def write_tree(root: Path, files: Mapping[str, str]) -> Path:
    """Write `files` (relative path -> text) under `root`."""
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def template_repo(path: Path, versions: list[tuple[str, Mapping[str, str | None]]]) -> GitRepo:
    """A template repository with one commit + tag per (tag, changed files) step; None deletes."""
    repo = GitRepo.init(path)
    for tag, files in versions:
        for rel, text in files.items():
            if text is None:
                repo.remove(rel)
            else:
                repo.write(rel, text)
        repo.commit(f"template {tag}")
        repo.tag(tag)
    return repo
