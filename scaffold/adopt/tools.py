"""The two programs adopt runs besides git: detect-secrets (the baseline) and pre-commit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_module(module: str, *args: str, cwd: Path) -> tuple[bytes, str]:
    """`python -m module args` in `cwd`: its stdout, and "" or the line explaining a failure."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, input=b"", capture_output=True, check=False
    )
    if proc.returncode == 0:
        return proc.stdout, ""
    lines = (proc.stderr or proc.stdout).decode(errors="replace").strip().splitlines()
    return proc.stdout, (lines[-1] if lines else f"exit code {proc.returncode}")
