"""`scaffold update` from the command line: one repository, many, --check, JSON, bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scaffold.cli import main
from tests.gitrepo import GitRepo
from tests.update.projects import generate, repo_picture
from tests.update.templates import V1_FILES, V2_FILES, template_repo, write_tree
from tests.update.test_apply import edited_project, release_v2


def test_update_one_repository_prints_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    template, project = edited_project(tmp_path)
    release_v2(template)
    monkeypatch.chdir(project.path)
    assert main(["update", "--trust"]) == 1  # conflicts need attention
    out = capsys.readouterr().out
    assert "1.0.0 → 2.0.0" in out and "conflicts (1)" in out
    assert "  C README.md" in out and "  M app.py" in out and "  A CHANGELOG.md" in out
    assert "Resolve the conflict markers" in out


def test_check_reports_drift_without_touching(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template, project = edited_project(tmp_path)
    assert main(["update", "--check", str(project.path)]) == 0
    release_v2(template)
    before = repo_picture(project.path)
    assert main(["update", "--check", str(project.path)]) == 1
    assert repo_picture(project.path) == before


def test_check_json_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template, project = edited_project(tmp_path)
    release_v2(template)
    assert main(["update", "--check", "--format", "json", str(project.path)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == 1 and doc["mode"] == "check" and doc["exit_code"] == 1
    (row,) = doc["repositories"]
    assert row["status"] == "behind"
    assert (row["from_version"], row["latest"]) == ("1.0.0", "2.0.0")
    assert row["template"] == str(template.path)


def test_many_repositories_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    template = template_repo(tmp_path / "template", [("v1.0.0", V1_FILES)])
    org = tmp_path / "org"
    for name in ("alpha", "beta"):
        generate(template.path, org / name, "v1.0.0", project_name=name)
    write_tree(org, {"not-a-project/readme.txt": "x\n"})
    broken = GitRepo.init(org / "gamma")
    broken.commit("init", {".copier-answers.yml": "_commit: v1.0.0\n"})
    release_v2(template)
    code = main(["update", "--check", "org"])
    out = capsys.readouterr().out
    assert code == 2  # gamma's answers do not name a template
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[0].split() == ["Repository", "Template", "Version", "Latest", "Result"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert set(rows) == {"org/alpha", "org/beta", "org/gamma"}
    assert rows["org/alpha"].split()[-1] == "behind"
    assert "does not record a template" in rows["org/gamma"]
    # the update itself: both real projects move to v2, the broken one is reported
    assert main(["update", "--trust", "--format", "json", str(org)]) == 2
    doc = json.loads(capsys.readouterr().out)
    status = {Path(r["path"]).name: r["status"] for r in doc["repositories"]}
    assert status == {"alpha": "updated", "beta": "updated", "gamma": "error"}
    assert "owner" not in (org / "alpha" / ".copier-answers.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("plain", "is not a git repository"),
        ("no-answers", "has no .copier-answers.yml"),
        ("dirty", "has uncommitted changes"),
        ("bad-data", "--data expects KEY=VALUE"),
        ("missing", "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str, message: str
) -> None:
    template, project = edited_project(tmp_path)
    release_v2(template)
    target = project.path
    args = ["update", "--trust"]
    if setup == "plain":
        target = write_tree(tmp_path / "plain", {"a.txt": "a\n"})
    elif setup == "no-answers":
        other = GitRepo.init(tmp_path / "other")
        other.commit("init", {"a.txt": "a\n"})
        target = other.path
    elif setup == "dirty":
        project.write("notes.txt", "changed\n")
    elif setup == "bad-data":
        args += ["--data", "novalue"]
    elif setup == "missing":
        target = tmp_path / "nowhere"
    before = repo_picture(project.path)
    assert main([*args, str(target)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert repo_picture(project.path) == before


def test_failed_migration_from_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.update.templates import FAILING_MIGRATION

    template, project = edited_project(tmp_path)
    release_v2(template, V2_FILES | {"migrations/rename_owner.py": FAILING_MIGRATION})
    before = repo_picture(project.path)
    assert main(["update", "--trust", str(project.path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: update of ") and "rolled back" in err[-1]
    assert repo_picture(project.path) == before


def test_help_is_pinned(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        main(["update", "--help"])
    out = capsys.readouterr().out
    golden = Path(__file__).with_name("update_help.txt")
    assert out == golden.read_text(encoding="utf-8")


INTERRUPTING_MIGRATION = """\
import os
import pathlib
import signal
import time

pathlib.Path("README.md").write_text("half-migrated\\n", encoding="utf-8")
pathlib.Path("new-file.txt").write_text("new\\n", encoding="utf-8")
os.kill(os.getppid(), signal.SIGINT)  # the user presses Ctrl-C mid-migration
time.sleep(30)
"""


def test_ctrl_c_during_migration_restores_and_exits_130(tmp_path: Path) -> None:
    template, project = edited_project(tmp_path)
    release_v2(template, V2_FILES | {"migrations/rename_owner.py": INTERRUPTING_MIGRATION})
    before = repo_picture(project.path)
    proc = subprocess.run(
        [sys.executable, "-m", "scaffold", "update", "--trust", str(project.path)],
        input=b"",
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 130, proc.stderr.decode()
    assert proc.stderr.decode().strip().splitlines()[-1] == "error: interrupted"
    assert repo_picture(project.path) == before


def test_summary_is_pinned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    template, project = edited_project(tmp_path)
    generate(template.path, tmp_path / "org" / "ledger", "v1.0.0", project_name="ledger")
    shutil.move(project.path, tmp_path / "org" / "billing")
    release_v2(template)
    monkeypatch.chdir(tmp_path)
    assert main(["update", "--trust", "org"]) == 1
    out = capsys.readouterr().out
    golden = Path(__file__).with_name("update_summary.txt")
    assert out == golden.read_text(encoding="utf-8")


def test_progress_shows_on_a_terminal_only(tmp_path: Path) -> None:
    import pexpect

    template = template_repo(tmp_path / "template", [("v1.0.0", V1_FILES)])
    for name in ("alpha", "beta"):
        generate(template.path, tmp_path / "org" / name, "v1.0.0", project_name=name)
    args = ["-m", "scaffold", "update", "--check", str(tmp_path / "org")]
    child = pexpect.spawn(sys.executable, args, timeout=60, dimensions=(40, 160))
    child.expect(pexpect.EOF)
    child.close()
    terminal = child.before.decode(errors="replace")
    assert child.exitstatus == 0
    assert "checking" in terminal and "100%" in terminal
    piped = subprocess.run([sys.executable, *args], input=b"", capture_output=True, check=True)
    assert b"checking" not in piped.stderr + piped.stdout and b"up-to-date" in piped.stdout


def test_data_changes_an_answer_without_a_new_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = template_repo(tmp_path / "template", [("v1.0.0", V1_FILES)])
    project = generate(template.path, tmp_path / "svc", "v1.0.0", project_name="svc")
    assert main(["update", "--data", "owner=finance", str(project.path)]) == 0
    assert "Owned by finance." in (project.path / "README.md").read_text(encoding="utf-8")
    recorded = (project.path / ".copier-answers.yml").read_text(encoding="utf-8")
    assert "owner: finance" in recorded and "_commit: v1.0.0" in recorded
    assert "  M README.md" in capsys.readouterr().out
