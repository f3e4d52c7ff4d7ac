"""The packaged template across a scaffold upgrade: local repo gets v1 then v2, updates work."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.update import sources
from scaffold.update.sources import local_template_repo, template_source_from_dir
from tests.gitrepo import GitRepo
from tests.update.projects import generate, repo_picture
from tests.update.templates import V1_FILES, V2_FILES, write_tree
from tests.update.test_apply import USER_README, answers, assert_updated_to_v2


def packaged(root: Path, files: dict[str, str | None]) -> Path:
    """A packaged template directory as an installed scaffold would ship it."""
    return write_tree(root / "service", {k: v for k, v in files.items() if v is not None})


def project_from_scaffold_v1(tmp_path: Path) -> GitRepo:
    old = packaged(tmp_path / "scaffold-1.0", {**V1_FILES, "VERSION": "1.0.0\n"})
    source = template_source_from_dir(old, "1.0.0", local_template_repo())
    assert (source.ref, source.version) == ("v1.0.0", "1.0.0")
    project = generate(source.url, tmp_path / "billing", source.ref or "", project_name="billing")
    assert answers(project.path)["_src_path"] == str(local_template_repo())
    app = (project.path / "app.py").read_text(encoding="utf-8")
    project.commit(
        "local edits",
        {
            "README.md": USER_README,
            "app.py": '"""Billing service."""\n' + app,
            "settings.ini": "[server]\nport = 9000\nworkers = 2\n",
            "notes.txt": "ours\n",
            # the answer the v2 migration renames
            ".copier-answers.yml": (project.path / ".copier-answers.yml")
            .read_text(encoding="utf-8")
            .replace("owner: platform-team", "owner: payments"),
        },
    )
    return project


def upgrade_scaffold(tmp_path: Path) -> None:
    new = packaged(tmp_path / "scaffold-2.0", {**V1_FILES, **V2_FILES, "VERSION": "2.0.0\n"})
    source = template_source_from_dir(new, "2.0.0", local_template_repo())
    assert source.ref == "v2.0.0"


def test_plain_copier_update_after_upgrade_needs_no_trust_flag(tmp_path: Path) -> None:
    project = project_from_scaffold_v1(tmp_path)
    upgrade_scaffold(tmp_path)
    # exactly what a user types; migrations run because scaffold registered its repo as trusted
    proc = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults"],
        cwd=project.path,
        input=b"",
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert_updated_to_v2(project.path)


def test_scaffold_update_after_upgrade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = project_from_scaffold_v1(tmp_path)
    old = tmp_path / "scaffold-1.0" / "service"
    monkeypatch.setattr(sources, "packaged_template_dir", lambda: old)
    assert main(["update", "--check", str(project.path)]) == 0
    assert sorted(sources.remote_tags(str(local_template_repo()))) == ["v1.0.0"]
    # the upgrade: a newer scaffold ships a newer template; `scaffold update` tags it itself
    new = packaged(tmp_path / "scaffold-2.0", {**V1_FILES, **V2_FILES, "VERSION": "2.0.0\n"})
    monkeypatch.setattr(sources, "packaged_template_dir", lambda: new)
    assert main(["update", "--check", str(project.path)]) == 1
    assert sorted(sources.remote_tags(str(local_template_repo()))) == ["v1.0.0", "v2.0.0"]
    assert main(["update", str(project.path)]) == 1  # conflicts in README.md
    assert_updated_to_v2(project.path)
    assert "1.0.0 → 2.0.0" in capsys.readouterr().out


def test_project_from_another_machine_updates_from_this_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_from_scaffold_v1(tmp_path)
    head = project.head()
    # a teammate (or CI) has scaffold's data directory elsewhere; the recorded path is gone
    alice_repo = local_template_repo()
    shutil.rmtree(alice_repo)
    monkeypatch.setenv("SCAFFOLD_DATA_DIR", str(tmp_path / "bob-data"))
    # Bob's scaffold has had 1.0.0 too (same content, his own commits)
    template_source_from_dir(tmp_path / "scaffold-1.0" / "service", "1.0.0", local_template_repo())
    new = packaged(tmp_path / "scaffold-2.0", {**V1_FILES, **V2_FILES, "VERSION": "2.0.0\n"})
    monkeypatch.setattr(sources, "packaged_template_dir", lambda: new)
    assert main(["update", "--check", str(project.path)]) == 1
    assert main(["update", str(project.path)]) == 1  # conflicts in README.md
    assert_updated_to_v2(project.path)
    assert answers(project.path)["_src_path"] == str(local_template_repo())
    assert local_template_repo() != alice_repo
    assert project.head() == head  # no commit left behind
    assert "1.0.0 → 2.0.0" in capsys.readouterr().out


def test_project_from_another_machine_needs_its_version_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_from_scaffold_v1(tmp_path)
    shutil.rmtree(local_template_repo())
    monkeypatch.setenv("SCAFFOLD_DATA_DIR", str(tmp_path / "carol-data"))
    new = packaged(tmp_path / "scaffold-2.0", {**V1_FILES, **V2_FILES, "VERSION": "2.0.0\n"})
    monkeypatch.setattr(sources, "packaged_template_dir", lambda: new)
    before = repo_picture(project.path)
    assert main(["update", "--check", str(project.path)]) == 1  # drift is still visible (CI)
    capsys.readouterr()
    assert main(["update", str(project.path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "never had that version" in err[0]
    assert repo_picture(project.path) == before
