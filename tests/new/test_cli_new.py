"""`scaffold new service` through main() and as a subprocess, on the real packaged template."""

from __future__ import annotations

import os
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
    assert "  pre-commit install\n" in out, "--no-hooks tells the user to install them"
    assert siblings(dest) == ["svc"]


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

    out = StringIO()
    console = Console(file=out, width=60, color_system=None)
    _summary(console, {"service_name": "orders", "with_database": False, "environments": ["dev"]})
    assert out.getvalue() == (
        "Your answers              \n"
        "┌───────────────┬────────┐\n"
        "│ service_name  │ orders │\n"
        "│ with_database │ no     │\n"
        "│ environments  │ dev    │\n"
        "└───────────────┴────────┘\n"
    )
