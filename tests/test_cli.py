"""The command layer: dispatch, help and exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scaffold import __version__
from scaffold.cli import COMMANDS, main


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"scaffold {__version__}"


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: scaffold" in capsys.readouterr().err


def test_every_registered_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for name in COMMANDS:
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0, name
        assert f"usage: scaffold {name}" in capsys.readouterr().out


def test_python_dash_m_entry_point() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scaffold", "--version"],
        input=b"",
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stdout.decode().startswith("scaffold ")
