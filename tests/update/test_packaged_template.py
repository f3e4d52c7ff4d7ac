"""scaffold's real packaged template: its migration, its update guards, its drift check."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scaffold.cli import main
from scaffold.update import sources
from scaffold.update.sources import local_template_repo, template_source_from_dir
from tests.gitrepo import GitRepo
from tests.update.projects import generate
from tests.update.test_apply import answers

pytestmark = pytest.mark.slow

_JINJA_BLOCK = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
CONFLICTED = "a\n<<<<<<< before updating\nours\n=======\ntheirs\n>>>>>>> after updating\n"


def shipped_copy(dest: Path) -> Path:
    """The packaged template as a scaffold release would ship it."""
    src = sources.packaged_template_dir()
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def before_team_rename(template: Path) -> None:
    """Turn a copy of the current template into the release before `owner` became `team`."""
    config = template / "copier.yml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"^_migrations:\n(?:[ \-].*\n|\n)*", "", text, flags=re.MULTILINE)
    assert "\nteam:\n" in text
    config.write_text(text.replace("\nteam:\n", "\nowner:\n"), encoding="utf-8")
    for path in template.rglob("*"):
        if not path.is_file() or path.suffix == ".py":
            continue
        body = path.read_text(encoding="utf-8")
        renamed = _JINJA_BLOCK.sub(lambda m: re.sub(r"\bteam\b", "owner", m.group(0)), body)
        if renamed != body:
            path.write_text(renamed, encoding="utf-8")
    shutil.rmtree(template / "migrations", ignore_errors=True)
    (template / "VERSION").write_text("0.0.9\n", encoding="utf-8")


def generated_before_rename(tmp_path: Path) -> GitRepo:
    old = shipped_copy(tmp_path / "scaffold-0.0.9" / "service")
    before_team_rename(old)
    source = template_source_from_dir(old, "0.0.9", local_template_repo())
    project = generate(
        source.url,
        tmp_path / "payments-api",
        source.ref or "",
        service_name="payments-api",
        owner="payments",
        repo_owner="acme",
        deploy_target="none",
    )
    assert answers(project.path)["owner"] == "payments"
    assert "@acme/payments" in (project.path / "CODEOWNERS").read_text(encoding="utf-8")
    return project


def test_shipped_template_declares_the_migration() -> None:
    config = yaml.safe_load((sources.packaged_template_dir() / "copier.yml").read_text("utf-8"))
    commands = [str(m.get("command")) for m in config.get("_migrations", [])]
    assert any("rename_owner_to_team.py" in c for c in commands)
    script = sources.packaged_template_dir() / "migrations" / "rename_owner_to_team.py"
    assert script.is_file()


@pytest.mark.parametrize("tool", ["scaffold", "copier"])
def test_migration_carries_owner_over_to_team(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tool: str
) -> None:
    project = generated_before_rename(tmp_path)
    project.commit("local edit", {"NOTES.md": "ours\n"})
    current = shipped_copy(tmp_path / "scaffold-now" / "service")
    monkeypatch.setattr(sources, "packaged_template_dir", lambda: current)
    new = sources.packaged_template_source()
    if tool == "scaffold":
        assert main(["update", str(project.path)]) == 0
    else:  # plain copier, no --trust: scaffold registered its local template as trusted
        proc = subprocess.run(
            [sys.executable, "-m", "copier", "update", "--defaults"],
            cwd=project.path,
            input=b"",
            capture_output=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr.decode()
    recorded = answers(project.path)
    assert recorded["team"] == "payments" and "owner" not in recorded
    assert recorded["_commit"] == new.ref
    codeowners = (project.path / "CODEOWNERS").read_text(encoding="utf-8")
    assert "@acme/payments" in codeowners and "<<<<<<<" not in codeowners
    assert (project.path / "NOTES.md").read_text(encoding="utf-8") == "ours\n"


def test_generated_project_guards_block_update_leftovers(tmp_path: Path) -> None:
    hooks = importlib.import_module("pre_commit_hooks.check_merge_conflict")
    source = sources.packaged_template_source()
    project = generate(source.url, tmp_path / "svc", source.ref or "", deploy_target="none")
    config = yaml.safe_load((project.path / ".pre-commit-config.yaml").read_text("utf-8"))
    by_id = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    merge_args = by_id["check-merge-conflict"].get("args", [])
    assert "--assume-in-merge" in merge_args
    assert re.search(by_id["no-copier-rejects"]["files"], "src/app.py.rej")
    assert by_id["no-copier-rejects"]["language"] == "fail"
    conflicted = project.write("src/app.py", CONFLICTED)
    # copier conflicts happen outside a git merge: only --assume-in-merge catches them
    assert hooks.main([str(conflicted)]) == 0
    assert hooks.main([*merge_args, str(conflicted)]) == 1
    # and the drift check of a fresh project is clean
    assert main(["update", "--check", str(project.path)]) == 0
