"""`scaffold scan` hands several targets to the organisation scan; one target stays single."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scaffold.cli import main
from tests.org.repos import build_org


def test_several_targets_through_the_real_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org = build_org(tmp_path / "org", count=3, with_fork=False)
    page = tmp_path / "org.html"
    targets = [org.url("svc0"), str(org.bare("svc1")), org.url("svc2")]
    options = ["--format", "html", "--output", str(page), "--cache-dir", str(tmp_path / "c")]
    code = main(["scan", *targets, *options])
    assert code == 1
    html = page.read_text(encoding="utf-8")
    assert "file/" in html and "svc1.git" in html
    assert "3 repositories: 3 scanned" in capsys.readouterr().err
    # one repository, no org flags: the single-repository scan, with its own report
    out = tmp_path / "one.json"
    assert (
        main(["scan", str(org.clone_of("svc1").path), "--format", "json", "--output", str(out)])
        == 0
    )
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["repositories"] == 1


def test_subprocess_errors_are_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scaffold", "scan", str(tmp_path / "a"), str(tmp_path / "b")],
        input=b"",
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().splitlines() == [
        f"error: {tmp_path / 'a'}: no such file or directory"
    ]
