"""Smoke test of `scaffold new service` at a real pseudo-terminal (pexpect)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest

from tests.gitrepo import git
from tests.new.test_wizard import assert_committed_repo, siblings
from tests.new.wizard_support import tiny_template

CLEAR = "\x15"  # Ctrl-U: drop the pre-filled default


def spawn(tmp_path: Path, template: Path) -> pexpect.spawn:
    env = dict(os.environ)
    # no cursor-position requests: pexpect does not answer them
    env.update({"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "COLUMNS": "120"})
    return pexpect.spawn(
        sys.executable,
        ["-m", "scaffold", "new", "service", "svc", "--template", str(template), "--no-hooks"],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
    )


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return tiny_template(tmp_path / "template")


def test_answering_at_a_terminal(tmp_path: Path, template: Path) -> None:
    child = spawn(tmp_path, template)
    child.expect("Service name")
    child.send(CLEAR + "terminal-svc\r")
    child.expect("Owning team")
    child.send("\r")
    child.expect("Repository owner")
    child.send(CLEAR + "acme\r")
    child.expect("Needs a database")
    child.send("n")
    child.expect("Who is paged")
    child.send("\r")
    child.expect("Your answers")
    child.expect("terminal-svc")
    child.expect(r"Create the service\?")
    child.send("y")
    child.expect("Next steps:")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    dest = tmp_path / "svc"
    assert_committed_repo(dest)
    assert 'NAME = "terminal-svc"' in (dest / "src" / "app.py").read_text(encoding="utf-8")
    assert "repo_owner: acme" in git(dest, "show", "HEAD:.copier-answers.yml")


def test_ctrl_c_mid_wizard_leaves_nothing(tmp_path: Path, template: Path) -> None:
    child = spawn(tmp_path, template)
    child.expect("Service name")
    child.send("\r")
    child.expect("Owning team")
    child.sendintr()
    child.expect("error: interrupted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert siblings(tmp_path / "svc") == ["template"], "no destination, no staging directory"
