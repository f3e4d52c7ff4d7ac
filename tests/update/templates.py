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
    "template/.gitignore": ".venv/\n__pycache__/\nbuild/\n",
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


# v2: README and settings change where users also edit; app.py grows at the end; the `owner`
# question becomes `team`, and a migration carries the old answer over.
RENAME_MIGRATION = """\
import pathlib

answers = pathlib.Path(".copier-answers.yml")
text = answers.read_text(encoding="utf-8")
answers.write_text(text.replace("\\nowner:", "\\nteam:"), encoding="utf-8")
"""

COPIER_YML_V2 = """\
_subdirectory: template
_answers_file: .copier-answers.yml
_migrations:
  - version: "2.0.0"
    when: "{{ _stage == 'before' }}"
    command: ["{{ _copier_python }}", "{{ _copier_conf.src_path }}/migrations/rename_owner.py"]
project_name:
  type: str
  default: demo
team:
  type: str
  default: platform-team
"""

V2_FILES: dict[str, str | None] = {
    "copier.yml": COPIER_YML_V2,
    "migrations/rename_owner.py": RENAME_MIGRATION,
    "template/README.md.jinja": "# {{ project_name }} service\n\nOwned by team {{ team }}.\n",
    "template/app.py.jinja": (
        'NAME = "{{ project_name }}"\n\n\ndef main() -> None:\n    print(NAME)\n'
        '\n\ndef health() -> str:\n    return "ok"\n'
    ),
    "template/CHANGELOG.md": "# Changelog\n",
}

FAILING_MIGRATION = """\
import pathlib
import sys

pathlib.Path("README.md").write_text("half-migrated\\n", encoding="utf-8")
pathlib.Path("migrated.txt").write_text("new\\n", encoding="utf-8")
pathlib.Path("build").mkdir(exist_ok=True)
pathlib.Path("build/cache.bin").write_text("x", encoding="utf-8")
sys.exit(3)
"""
