"""`update_project`: a real template tagged v1 and v2, a real generated project, real Copier."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scaffold.errors import RepositoryError, ScaffoldError, UsageError
from scaffold.update.apply import UpdateOptions, update_project
from tests.gitrepo import GitRepo, git
from tests.update.projects import generate, repo_picture
from tests.update.templates import FAILING_MIGRATION, V1_FILES, V2_FILES, template_repo, write_tree

USER_README = "# billing\n\nOwned by payments (on-call: #pay).\n"


def edited_project(tmp_path: Path) -> tuple[GitRepo, GitRepo]:
    """Template at v1, a project generated from it, with committed local edits."""
    template = template_repo(tmp_path / "template", [("v1.0.0", V1_FILES)])
    project = generate(
        template.path, tmp_path / "billing", "v1.0.0", project_name="billing", owner="payments"
    )
    app = (project.path / "app.py").read_text(encoding="utf-8")
    project.commit(
        "local edits",
        {
            "README.md": USER_README,  # overlaps the template's v2 change
            "app.py": '"""Billing service."""\n' + app,  # top of file: v2 only appends
            "settings.ini": "[server]\nport = 9000\nworkers = 2\n",  # v2 does not touch it
            "notes.txt": "ours\n",
        },
    )
    return template, project


def release_v2(template: GitRepo, files: dict[str, str | None] | None = None) -> None:
    for rel, text in (files or V2_FILES).items():
        if text is None:
            template.remove(rel)
        else:
            template.write(rel, text)
    template.commit("template v2")
    template.tag("v2.0.0")


def answers(project: Path) -> dict[str, object]:
    data = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def assert_updated_to_v2(project: Path) -> None:
    """Non-overlapping edits survive, overlapping ones conflict inline, the migration ran."""
    app = (project / "app.py").read_text(encoding="utf-8")
    assert app.startswith('"""Billing service."""\n')
    assert 'def health() -> str:\n    return "ok"' in app
    assert (project / "settings.ini").read_text(
        encoding="utf-8"
    ) == "[server]\nport = 9000\nworkers = 2\n"
    assert (project / "notes.txt").read_text(encoding="utf-8") == "ours\n"
    assert (project / "CHANGELOG.md").is_file()
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "<<<<<<< before updating" in readme and ">>>>>>> after updating" in readme
    assert "Owned by payments (on-call: #pay)." in readme  # ours, kept inside the conflict
    assert "Owned by team payments." in readme  # theirs, with the migrated answer
    recorded = answers(project)
    assert recorded["_commit"] == "v2.0.0"
    assert recorded["team"] == "payments" and "owner" not in recorded
    assert not list(project.rglob("*.rej"))


def test_scaffold_update_merges_and_migrates(tmp_path: Path) -> None:
    template, project = edited_project(tmp_path)
    release_v2(template)
    outcome = update_project(project.path, UpdateOptions(trust=True))
    assert_updated_to_v2(project.path)
    assert (outcome.from_version, outcome.to_version) == ("1.0.0", "2.0.0")
    assert outcome.result == "conflicts"
    assert outcome.conflicts == ("README.md",)
    assert {"README.md", "app.py", "CHANGELOG.md", ".copier-answers.yml"} <= set(outcome.changed)
    assert "settings.ini" not in outcome.changed


def test_plain_copier_update_gives_the_same_result(tmp_path: Path) -> None:
    template, project = edited_project(tmp_path)
    release_v2(template)
    proc = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--trust", "--defaults", "--conflict", "inline"],
        cwd=project.path,
        input=b"",
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert_updated_to_v2(project.path)


def test_abort_on_conflict_restores_everything(tmp_path: Path) -> None:
    template, project = edited_project(tmp_path)
    release_v2(template)
    before = repo_picture(project.path)
    outcome = update_project(project.path, UpdateOptions(trust=True, abort_on_conflict=True))
    assert outcome.result == "rolled-back" and outcome.conflicts == ("README.md",)
    assert repo_picture(project.path) == before


def test_up_to_date_project_is_not_touched(tmp_path: Path) -> None:
    _template, project = edited_project(tmp_path)
    before = repo_picture(project.path)
    outcome = update_project(project.path, UpdateOptions())
    assert outcome.result == "up-to-date" and outcome.changed == ()
    assert repo_picture(project.path) == before


def test_vcs_ref_and_data_change_answers(tmp_path: Path) -> None:
    template, project = edited_project(tmp_path)
    release_v2(template)
    template.commit("v3", {"template/EXTRA.md": "x\n"})
    template.tag("v3.0.0")
    update_project(
        project.path, UpdateOptions(trust=True, vcs_ref="v2.0.0", data={"project_name": "billing"})
    )
    assert answers(project.path)["_commit"] == "v2.0.0"
    assert not (project.path / "EXTRA.md").exists()


def test_failed_migration_rolls_back_exactly(tmp_path: Path) -> None:
    template, project = edited_project(tmp_path)
    # ignored local state that must survive a rollback
    venv = write_tree(project.path, {".venv/bin/python": "#!/bin/sh\n", ".venv/lib/site.py": "x\n"})
    assert venv.is_dir()
    failing = V2_FILES | {"migrations/rename_owner.py": FAILING_MIGRATION}
    release_v2(template, failing)
    before = repo_picture(project.path)
    with pytest.raises(ScaffoldError, match=r"failed and was rolled back: a template migration"):
        update_project(project.path, UpdateOptions(trust=True))
    assert repo_picture(project.path) == before
    assert (project.path / ".venv" / "lib" / "site.py").read_text(encoding="utf-8") == "x\n"


def test_untrusted_migrations_are_refused_cleanly(tmp_path: Path) -> None:
    template, project = edited_project(tmp_path)
    release_v2(template)
    before = repo_picture(project.path)
    with pytest.raises(ScaffoldError, match="--trust"):
        update_project(project.path, UpdateOptions(trust=False))
    assert repo_picture(project.path) == before


@pytest.mark.parametrize("case", ["dirty", "untracked", "unresolved"])
def test_refuses_dirty_destination(tmp_path: Path, case: str) -> None:
    template, project = edited_project(tmp_path)
    release_v2(template)
    if case == "dirty":
        project.write("app.py", "changed\n")
    elif case == "untracked":
        project.write("scratch/todo.txt", "x\n")
    else:
        project.commit(
            "oops", {"app.py": "<<<<<<< before updating\na\n=======\nb\n>>>>>>> after updating\n"}
        )
    before = repo_picture(project.path)
    message = "unresolved conflicts" if case == "unresolved" else "uncommitted changes"
    with pytest.raises(RepositoryError, match=message):
        update_project(project.path, UpdateOptions(trust=True))
    assert repo_picture(project.path) == before


def test_refuses_dirty_or_missing_template(tmp_path: Path) -> None:
    template, project = edited_project(tmp_path)
    release_v2(template)
    template.write("template/README.md.jinja", "uncommitted\n")
    before = repo_picture(project.path)
    with pytest.raises(UsageError, match="uncommitted changes"):
        update_project(project.path, UpdateOptions(trust=True))
    os.rename(template.path, tmp_path / "moved")
    with pytest.raises(UsageError, match="no longer exists"):
        update_project(project.path, UpdateOptions(trust=True))
    assert repo_picture(project.path) == before


def test_refuses_template_without_tags(tmp_path: Path) -> None:
    template, project = edited_project(tmp_path)
    git(template.path, "tag", "-d", "v1.0.0")
    before = repo_picture(project.path)
    with pytest.raises(UsageError, match="no version tags"):
        update_project(project.path, UpdateOptions(trust=True))
    assert repo_picture(project.path) == before


def test_refuses_non_repositories(tmp_path: Path) -> None:
    plain = write_tree(tmp_path / "plain", {"a.txt": "a\n"})
    with pytest.raises(RepositoryError, match="not a git repository"):
        update_project(plain, UpdateOptions())
    repo = GitRepo.init(tmp_path / "repo")
    repo.commit("init", {"a.txt": "a\n"})
    with pytest.raises(RepositoryError, match=r"no \.copier-answers\.yml"):
        update_project(repo.path, UpdateOptions())


def test_url_template_and_monorepo_subproject(tmp_path: Path) -> None:
    template = template_repo(tmp_path / "template", [("v1.0.0", V1_FILES)])
    mono = GitRepo.init(tmp_path / "mono")
    mono.commit("root", {"README.md": "monorepo\n"})
    from copier import run_copy

    url = f"git+file://{template.path}"
    run_copy(url, str(mono.path / "services" / "api"), vcs_ref="v1.0.0", defaults=True, quiet=True)
    mono.commit("add api")
    release_v2(template)
    outcome = update_project(mono.path / "services" / "api", UpdateOptions(trust=True))
    assert outcome.result == "updated"
    assert "services/api/CHANGELOG.md" in outcome.added
    assert answers(mono.path / "services" / "api")["_src_path"] == url
    assert (mono.path / "README.md").read_text(encoding="utf-8") == "monorepo\n"
