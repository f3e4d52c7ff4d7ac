"""Earlier releases of the service template, read from this repository's git history."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.new.generated import ROOT

# The last commit of each released template version.
RELEASES = {"0.1.0": "698f635cfc47ce6db80d7d7cddd8b3d76fc86f0d"}


def template_at(version: str, dest: Path) -> Path:
    """templates/service as released in `version`, extracted under `dest`."""
    proc = subprocess.run(
        ["git", "archive", "--format=tar", RELEASES[version], "templates/service"],
        cwd=ROOT,
        input=b"",
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"template {version} is read from git history (commit {RELEASES[version][:12]}); "
            "this clone lacks it: git fetch --unshallow"
        )
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as archive:
        archive.extractall(dest, filter="data")
    return dest / "templates" / "service"
