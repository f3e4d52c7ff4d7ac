"""`scaffold new service` through main() and as a subprocess, on the real packaged template."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scaffold.cli import main
from tests.gitrepo import git
from tests.new.test_wizard import assert_committed_repo, siblings
from tests.new.wizard_support import tiny_template

NEW_HELP = """\
usage: scaffold new [-h] KIND ...

Create a new repository from a template (a service, for now).

positional arguments:
  KIND
    service   a service repository

options:
  -h, --help  show this help message and exit
"""

SERVICE_HELP = """\
usage: scaffold new service [-h] [--template SPEC] [--defaults] [--data KEY=VALUE]
                            [--data-file FILE] [-y] [--force] [--no-hooks]
                            [DEST]

Generate a service repository from the Copier template: asks the template's questions, then makes
it a git repository on main with a secrets baseline, a first commit and pre-commit hooks.

positional arguments:
  DEST              directory to create (absent or empty; default: the current directory)

options:
  -h, --help        show this help message and exit
  --template SPEC   template path or git URL (default: configured template, else the packaged one)
  --defaults        take every question's default instead of asking
  --data KEY=VALUE  answer a question (repeatable; wins over --data-file)
  --data-file FILE  answers from a YAML mapping
  -y, --yes         do not ask for confirmation after the summary
  --force           replace the contents of a non-empty DEST on success
  --no-hooks        do not run `pre-commit install`

Without a terminal (stdin not a tty) nothing is asked: every question needs a default or an answer
from --data/--data-file. Exit codes: 0 created, 1 declined, 2 bad input, 130 interrupted; nothing
is left behind unless the exit code is 0.
"""


def answers_of(dest: Path) -> dict[str, object]:
    loaded = yaml.safe_load((dest / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.mark.parametrize(
    ("argv", "expected"), [(["new"], NEW_HELP), (["new", "service"], SERVICE_HELP)]
)
def test_help_is_pinned(
    argv: list[str],
    expected: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == expected


def test_kind_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["new"])
    assert exc.value.code == 2
    assert "required: KIND" in capsys.readouterr().err


@pytest.mark.slow
def test_defaults_on_the_real_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "svc"
    assert main(["new", "service", str(dest), "--defaults", "--no-hooks"]) == 0
    assert_committed_repo(dest)
    answers = answers_of(dest)
    assert answers["service_name"] == "my-service"
    # generated from scaffold's local, tagged copy of the packaged template: updatable later
    source = Path(str(answers["_src_path"]))
    assert source.is_relative_to(os.environ["SCAFFOLD_DATA_DIR"])
    assert git(source, "tag", "--list", str(answers["_commit"])).strip() == answers["_commit"]
    assert not (dest / ".git" / "hooks" / "pre-commit").exists()
    out = capsys.readouterr().out
    assert f"cd {dest}" in out
    assert "README.md" in out and "Next steps:" in out
    assert re.search(r" pre[-_]commit install\n", out), "--no-hooks tells the user to install them"
    assert siblings(dest) == ["svc"]
    # --defaults says which example answers to replace before the first push, and how
    assert "Before the first push, replace these example answers:" in out
    assert "  aws_account_dev 111111111111 is an example account id" in out
    assert (
        "  scaffold update --data repo_owner=<your organisation> --data aws_account_dev="
        "<12-digit account id>"
    ) in out


def test_next_steps_use_commands_on_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    template = tiny_template(tmp_path / "template")
    which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name, *a, **k: None if name == "pre-commit" else which(name)
    )
    dest = tmp_path / "svc"
    assert main(["new", "service", str(dest), "--template", str(template), "--no-hooks"]) == 0
    out = capsys.readouterr().out
    assert f"  {sys.executable} -m pre_commit install\n" in out
    assert f"  {sys.executable} -m pre_commit run --all-files\n" in out
    assert "\n  pre-commit " not in out


@pytest.mark.slow
def test_data_file_then_data_override(tmp_path: Path) -> None:
    answers_file = tmp_path / "answers.yml"
    answers_file.write_text(
        "service_name: billing\nteam: payments\ndeploy_target: none\n", encoding="utf-8"
    )
    dest = tmp_path / "billing"
    argv = ["new", "service", str(dest), "--no-hooks", "--data-file", str(answers_file)]
    assert main([*argv, "--data", "team=risk", "--data", "with_database=true"]) == 0
    assert_committed_repo(dest)
    answers = answers_of(dest)
    assert answers["service_name"] == "billing"
    assert answers["team"] == "risk"
    assert answers["with_database"] is True
    assert answers["deploy_target"] == "none"


@pytest.mark.slow
def test_hooks_installed_on_the_real_template(tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    assert main(["new", "service", str(dest), "--defaults"]) == 0
    assert (dest / ".git" / "hooks" / "pre-commit").is_file()
    assert_committed_repo(dest)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("service_name=Bad_Name", "invalid answer for service_name: Use 2-40 lowercase"),
        ("ci_provider=bitbucket", "invalid answer for ci_provider: 'bitbucket' is not in"),
        ("with_database=maybe", "invalid answer for with_database: 'maybe' is not true or false"),
        ("aws_region=mars-1", "invalid answer for aws_region: mars-1 is not an AWS region"),
    ],
)
def test_invalid_answer_exits_2_with_one_line(
    answer: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "svc"
    assert main(["new", "service", str(dest), "--defaults", "--data", answer]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}")
    assert err.count("\n") == 1
    assert siblings(dest) == []


def test_unknown_question_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "service", str(tmp_path / "svc"), "--data", "servicename=x"]) == 2
    assert capsys.readouterr().err == "error: the template has no question named servicename\n"


def test_non_empty_destination_untouched_then_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "svc"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine", encoding="utf-8")
    template = tiny_template(tmp_path / "template")
    argv = ["new", "service", str(dest), "--template", str(template), "--no-hooks"]
    assert main(argv) == 2
    assert "is not empty" in capsys.readouterr().err
    assert [p.name for p in dest.iterdir()] == ["notes.txt"]
    assert main([*argv, "--force"]) == 0
    assert not (dest / "notes.txt").exists()
    assert_committed_repo(dest)
    assert "Replaced the contents of" in capsys.readouterr().out


def test_git_missing_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert main(["new", "service", str(tmp_path / "svc"), "--defaults"]) == 2
    assert (
        capsys.readouterr().err
        == "error: git is not installed or not on PATH; install git and retry\n"
    )
    assert not (tmp_path / "svc").exists()


def test_bad_data_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "answers.yml"
    bad.write_text("service_name: [unclosed\n", encoding="utf-8")
    assert main(["new", "service", str(tmp_path / "svc"), "--data-file", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --data-file {bad} is not valid YAML")
    assert err.count("\n") == 1


def test_no_tty_and_missing_answers_fail_fast(tmp_path: Path) -> None:
    template = tiny_template(tmp_path / "template", service_default=None)
    dest = tmp_path / "svc"
    argv = [sys.executable, "-m", "scaffold", "new", "service", str(dest)]
    proc = subprocess.run(
        [*argv, "--template", str(template), "--no-hooks"],
        input=b"",  # stdin is a pipe: no terminal
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.decode() == (
        "error: no terminal to ask on and no answer for service_name (no default): "
        "pass --data service_name=VALUE\n"
    )
    assert not dest.exists()
    proc = subprocess.run(
        [*argv, "--template", str(template), "--no-hooks", "--data", "service_name=piped"],
        input=b"",
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert answers_of(dest)["service_name"] == "piped"
    assert git(dest, "status", "--porcelain") == ""


def test_file_tree_lists_directories_first() -> None:
    from io import StringIO

    from rich.console import Console

    from scaffold.cli.new import file_tree

    out = StringIO()
    console = Console(file=out, width=60, color_system=None)
    console.print(file_tree("svc", ("README.md", "src/svc/app.py", ".gitignore", "docs/a.md")))
    assert out.getvalue() == (
        "svc/\n"
        "├── docs/\n"
        "│   └── a.md\n"
        "├── src/\n"
        "│   └── svc/\n"
        "│       └── app.py\n"
        "├── .gitignore\n"
        "└── README.md\n"
    )


def test_summary_table_is_pinned() -> None:
    from io import StringIO

    from rich.console import Console

    from scaffold.cli.new import _summary
    from scaffold.new.answers import parse_questions
    from scaffold.new.review import review
    from tests.new.generated import TEMPLATE

    questions = parse_questions((TEMPLATE / "copier.yml").read_text("utf-8"))
    answers = {
        "service_name": "orders",
        "ci_provider": "gitlab",
        "team": "payments",
        "with_database": False,
        "environments": ["dev", "production"],
        "aws_account_dev": "123456789012",
        "aws_account_production": "123456789012",
    }
    out = StringIO()
    console = Console(file=out, width=100, color_system=None)
    _summary(console, review(questions, answers))
    assert out.getvalue() == (
        "Your answers                                                      \n"
        "┌──────────────────────────────────────────────┬─────────────────┐\n"
        "│ Service name                                 │ orders          │\n"
        "│ Where the code is hosted and CI runs         │ gitlab          │\n"
        "│ Owning GitLab subgroup                       │ payments        │\n"
        "│ Does the service need a PostgreSQL database? │ no              │\n"
        "│ Environments to create                       │ dev, production │\n"
        "│ AWS account id for dev                       │ 123456789012    │\n"
        "│ AWS account id for production                │ 123456789012    │\n"
        "└──────────────────────────────────────────────┴─────────────────┘\n"
        "\n"
        "Answers to change before the first deploy:\n"
        "  dev and production share account 123456789012: a mistake in one can reach the others"
        " (allowed; production-readiness leaves that box empty)\n"
        "  change them with: scaffold update --data aws_account_production=<its own account id>\n"
    )
