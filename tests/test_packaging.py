"""What ships: every template file is in git, so clones, CI and wheels see the work tree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout"
)
def test_no_template_file_is_ignored_or_untracked() -> None:
    # A template's own .gitignore once hid `.env.example.jinja` from this repository: the work
    # tree rendered it, every clone silently did not.
    proc = subprocess.run(
        ["git", "ls-files", "--others", "-z", "--", "templates"],
        cwd=ROOT,
        input=b"",
        capture_output=True,
        check=True,
    )
    leftover = [p for p in proc.stdout.decode().split("\0") if p and "__pycache__" not in p]
    assert leftover == [], f"template files git does not track: {leftover}"
